"""The camat's private chat: linking, the digest, one ticket's history, escalations and their buttons."""

from __future__ import annotations

import pytest

from core.domain.errors import InvalidInput
from core.domain.lifecycle import TicketState
from core.notifications import queue
from core.profile import SAMPLE_PROFILE, load_profile
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from core.usecases.oversight import escalate_ticket, extend_deadline
from tests.core.story import report, snapshot, ticket
from tests.officer.conftest import World


async def link_camat(world: World) -> None:
    await world.camat.sends(world.camat.private_chat, "/start")
    await world.camat.private_chat.wait_for(lambda m: m.from_bot and "terhubung sebagai camat" in (m.text or ""))


async def test_start_summary_and_ticket_history(world: World) -> None:
    await report(world.ctx, world.cast.reporter)
    await world.stranger.sends(world.stranger.private_chat, "/ringkasan")
    await world.stranger.private_chat.wait_for(lambda m: m.from_bot and m.text == (
        "Anda tidak terdaftar sebagai petugas."))
    await link_camat(world)
    chat = world.camat.private_chat
    await world.camat.sends(chat, "/ringkasan")
    digest = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Ringkasan harian"))
    assert "Kecamatan Pattallassang" in (digest.text or "")
    await world.verifier.sends(world.desk, "/tiket ptl-000001")
    history = await world.desk.wait_for(lambda m: m.from_bot and "Riwayat:" in (m.text or ""))
    assert "dilaporkan · pelapor" in (history.text or "") and history.text.startswith("PTL-000001 ·")
    await world.verifier.sends(world.desk, "/tiket PTL-999999")
    await world.desk.wait_for(lambda m: m.from_bot and m.text == "Laporan tidak ditemukan.")


async def test_reminder_then_escalation_with_the_camat_buttons(world: World) -> None:
    await link_camat(world)
    tid = await report(world.ctx, world.cast.reporter)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    await accept_ticket(world.ctx, world.cast.officer, tid)
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh Baso")
    await escalate_ticket(world.ctx, world.cast.system, tid, 1)
    await world.card(world.field, "PTL-000001", "TERLAMBAT")
    reminder = await world.field.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Pengingat"))
    assert reminder.reply_to is card

    await escalate_ticket(world.ctx, world.cast.system, tid, 2)
    chat = world.camat.private_chat
    escalation = await chat.wait_for(lambda m: m.from_bot and "Eskalasi untuk camat" in (m.text or ""))
    assert escalation.button("Tugaskan ulang") and escalation.button("Perpanjang") and escalation.button("Tutup")
    assert (await world.camat.taps(escalation, "Perpanjang")).text == "PTL-000001: perpanjang berapa hari?"
    menu = await chat.wait_for(lambda m: m.message_id == escalation.message_id and m.button("3 hari"))
    assert (await world.camat.taps(menu, "3 hari")).text == "Batas waktu PTL-000001 diperpanjang 3 hari."
    assert (await ticket(world.ctx, tid)).escalation_level == 0
    await world.card(world.field, "PTL-000001", "Dikerjakan oleh Baso")

    escalation = await chat.wait_for(lambda m: m.message_id == escalation.message_id and m.button("Tugaskan ulang"))
    await world.camat.taps(escalation, "Tugaskan ulang")
    menu = await chat.wait_for(lambda m: m.message_id == escalation.message_id and m.button("Cakra Petugas · 0"))
    names = [b.text for row in menu.buttons for b in row][:-1]  # the last is "Kembali"
    assert names[-1] == "Baso Petugas · 1" and "Cakra Petugas · 0" in names  # Baso holds this case: last
    assert (await world.camat.taps(menu, "Cakra Petugas · 0")).text == "PTL-000001 ditugaskan ke Cakra Petugas."
    await world.card(world.field, "PTL-000001", "Dikerjakan oleh Cakra Petugas")

    escalation = await chat.wait_for(lambda m: m.message_id == escalation.message_id and m.button("Tutup"))
    await world.camat.taps(escalation, "Tutup")
    prompt = await chat.wait_for(lambda m: m.from_bot and "alasan penutupan" in (m.text or ""))
    await world.camat.replies(chat, prompt, "Sudah ditangani dinas")
    await world.card(world.field, "PTL-000001", "Status: Ditutup")
    await world.card(world.desk, "PTL-000001", "Status: Ditutup")
    assert (await ticket(world.ctx, tid)).state == TicketState.CLOSED
    assert ("ticket.closed", f"citizen:{world.cast.reporter.id}") in await world.whatsapp(tid)


async def test_scheduler_messages_reach_the_camat_and_the_desk(world: World) -> None:
    await link_camat(world)
    async with world.ctx.sessions.begin() as session:
        queue(session, kecamatan="pattallassang",
              channel="telegram", recipient="camat", kind="digest", data={"text": "Ringkasan <uji>",
              "late": False}, dedupe_key="digest:test", now=world.ctx.now())
        queue(session, kecamatan="pattallassang",
              channel="telegram", recipient="chat:desk", kind="outbox.stuck",
              data={"outbox_id": 42, "channel": "whatsapp", "kind": "ticket.verified", "recipient": "citizen",
                    "number": "PTL-000042", "citizen": "0812****789", "failure": "rate_limited", "attempts": 4,
                    "since": world.ctx.now().isoformat(), "set_aside": False}, dedupe_key="stuck:test",
              now=world.ctx.now())
    await world.camat.private_chat.wait_for(lambda m: m.from_bot and m.text == "Ringkasan <uji>")
    await world.desk.wait_for(lambda m: m.from_bot and "kabar status laporan untuk warga 0812****789, laporan "
                              "PTL-000042" in (m.text or ""))
    await world.settled()


async def test_registration_through_the_desk(world: World) -> None:
    newcomer = world.sim.user("Dewi", user_id=4242)
    await newcomer.sends(newcomer.private_chat, "/daftar")
    await newcomer.private_chat.wait_for(lambda m: m.from_bot and "dikirim ke meja verifikasi" in (m.text or ""))
    request = await world.desk.wait_for(lambda m: m.from_bot and "Dewi (Telegram 4242)" in (m.text or ""))
    assert (await world.verifier.taps(request, "Jadikan petugas")).text == "Anda tidak berwenang untuk tindakan ini."
    assert (await world.admin.taps(request, "Jadikan petugas")).text == "Dewi terdaftar sebagai petugas."
    await world.desk.wait_for(lambda m: m.message_id == request.message_id and "oleh Admin" in (m.text or ""))
    await newcomer.private_chat.wait_for(lambda m: m.from_bot and "Anda terdaftar sebagai petugas" in (m.text or ""))
    tid = await report(world.ctx, world.cast.reporter)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    card = await world.card(world.field, "PTL-000001")
    assert (await newcomer.taps(card, "Ambil")).text == "Anda mengambil PTL-000001."


SHORT_MENU = load_profile(SAMPLE_PROFILE).model_copy(update={
    "daily_ticket_limit": 100_000, "extension_days": [2, 5, 14], "extension_max_days": 14})


@pytest.mark.parametrize("profile", [SHORT_MENU])  # this test's profile: its own extend menu and cap
async def test_the_extend_menu_offers_the_profiles_days_and_the_cap_holds(world: World) -> None:
    await link_camat(world)
    tid = await report(world.ctx, world.cast.reporter)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    await escalate_ticket(world.ctx, world.cast.system, tid, 2)
    chat = world.camat.private_chat
    escalation = await chat.wait_for(lambda m: m.from_bot and "Eskalasi untuk camat" in (m.text or ""))
    await world.camat.taps(escalation, "Perpanjang")
    menu = await chat.wait_for(lambda m: m.message_id == escalation.message_id and m.button("14 hari"))
    days = [b.text for row in menu.buttons for b in row][:-1]  # the last is "Kembali"
    assert days == ["2 hari", "5 hari", "14 hari"]
    before = await snapshot(world.ctx, tid)
    with pytest.raises(InvalidInput):  # one day past the profile's cap
        await extend_deadline(world.ctx, world.cast.camat, tid, 15)
    assert await snapshot(world.ctx, tid) == before
    assert (await world.camat.taps(menu, "14 hari")).text == "Batas waktu PTL-000001 diperpanjang 14 hari."
