"""Agencies as desks in a Takalar install: a case forwarded to Dinas PUPR gets a card in its group (Terima,
Update, Selesai, Kembalikan) whatever its kecamatan; one forwarded to PLN (no group) is chased by the desk,
which records its news and its answer; a case the camat leaves goes to the kabupaten's chat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from core.context import Context
from core.db.models import OutboxMessage, TicketEvent
from core.domain.lifecycle import Role, TicketState
from core.domain.reports import NewReport
from core.usecases.agency import record_agency_update
from core.usecases.citizen import report_not_fixed, submit_ticket
from core.usecases.desk import forward_ticket, verify_ticket
from core.usecases.field import accept_ticket
from core.usecases.oversight import close_ticket
from core.usecases.staff import add_staff
from scheduler.jobs import scan_deadlines
from simulator.telegram import SimChat, SimMessage, SimUser, TelegramSimulator
from tests.conftest import TAKALAR, in_takalar
from tests.core.story import Cast, cast, report, ticket
from tests.officer.conftest import TOKEN, World, bot_for, settled
from tests.simulator.telegram_fixtures import png

PUPR, PLN = TAKALAR.agency("pupr"), TAKALAR.agency("pln")
assert PUPR is not None and PUPR.telegram_chat_id is not None and PLN is not None and PLN.telegram_chat_id is None


@dataclass
class Kabupaten:
    home: Context  # Pattallassang
    galesong: Context
    sim: TelegramSimulator
    people: Cast
    desk: SimChat  # Pattallassang's desk
    desk_galesong: SimChat
    field: SimChat
    pupr: SimChat
    kabupaten: SimChat
    verifier: SimUser
    engineer: SimUser  # a member of PUPR's group (not staff of any kecamatan)
    camat: SimUser
    bupati_office: SimUser  # kabupaten admin

    async def card(self, chat: SimChat, number: str, *more: str, timeout: float = 5) -> SimMessage:
        return await chat.wait_for(lambda m: m.from_bot and number in (m.text or "")[:80]
                                   and all(w in (m.text or "") for w in more), timeout)


@pytest.fixture
async def kab(ctx: Context, tmp_path: Path) -> AsyncIterator[Kabupaten]:
    home = in_takalar(ctx)
    galesong = home.at("galesong")
    ptl, gls = home.profile.telegram, galesong.profile.telegram
    assert TAKALAR.telegram.chat_id is not None and PUPR is not None and PUPR.telegram_chat_id is not None
    async with TelegramSimulator(token=TOKEN) as sim:
        desk = sim.group("Meja Pattallassang", chat_id=ptl.desk_chat_id)
        desk_gls = sim.group("Meja Galesong", chat_id=gls.desk_chat_id)
        field = sim.group("Lapangan Pattallassang", chat_id=ptl.field_chat_ids[0])
        sim.group("Lapangan Galesong", chat_id=gls.field_chat_ids[0])
        pupr = sim.group("Dinas PUPR", chat_id=PUPR.telegram_chat_id)
        kabupaten = sim.group("Kabupaten Takalar", chat_id=TAKALAR.telegram.chat_id)
        people = await cast(home)
        await add_staff(home, 9101, "Admin Kabupaten", frozenset({Role.KABUPATEN_ADMIN}))
        bot = bot_for(home, sim, tmp_path / "media")
        await bot.start()
        try:
            yield Kabupaten(home, galesong, sim, people, desk, desk_gls, field, pupr, kabupaten,
                            verifier=sim.user("Andi", user_id=1001), engineer=sim.user("Ir. Rahman", user_id=5501),
                            camat=sim.user("Pak Camat", user_id=ptl.camat_user_id),
                            bupati_office=sim.user("Admin Kabupaten", user_id=9101))
            assert sim.unanswered_callbacks() == []
        finally:
            await bot.stop()


async def _citizen_rows(ctx: Context, ticket_id: int) -> list[tuple[str, dict[str, object]]]:
    async with ctx.sessions() as session:
        rows = await session.execute(select(OutboxMessage.kind, OutboxMessage.data).where(
            OutboxMessage.channel == "whatsapp", OutboxMessage.ticket_id == ticket_id).order_by(OutboxMessage.id))
        return [(k, d) for k, d in rows.all()]


async def _events(ctx: Context, ticket_id: int) -> list[TicketEvent]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                          .order_by(TicketEvent.id)))


async def test_an_agency_with_a_group_takes_works_and_finishes_cases_of_any_kecamatan(kab: Kabupaten) -> None:
    theirs = (await submit_ticket(kab.galesong, kab.people.reporter, NewReport(
        description="Jembatan kayu patah di dusun", category="jalan_rusak", desa="Boddia"))).ticket_id
    await verify_ticket(kab.galesong, kab.people.verifier, theirs)
    await forward_ticket(kab.galesong, kab.people.verifier, theirs, "pupr", "")
    card = await kab.card(kab.pupr, "GLS-000001", "Laporan diteruskan dari Kecamatan Galesong", "Terima")
    assert "Pelapor" not in (card.text or "") and "0812" not in (card.text or "")  # never who reported it
    assert {b.text for row in card.buttons for b in row} == {"Terima", "Update progres", "Selesaikan",
                                                              "Kembalikan ke kecamatan"}
    assert (await kab.engineer.taps(card, "Terima")).text == "Anda menerima GLS-000001 untuk instansi Anda."
    await kab.card(kab.pupr, "GLS-000001", "Diterima oleh Ir. Rahman (Dinas PUPR)")
    assert (await ticket(kab.galesong, theirs)).agency_holder == "Ir. Rahman (Dinas PUPR)"
    taken = await kab.card(kab.pupr, "GLS-000001", "Diterima oleh")
    assert not taken.button("Terima")

    # Update: a photo with a note as the reply to the prompt reaches the citizen; the desk card shows it.
    assert (await kab.engineer.taps(taken, "Update progres")).text == "Balas pesan yang muncul di bawah kartu."
    prompt = await kab.pupr.wait_for(lambda m: m.from_bot and "catatan dan/atau foto perkembangan" in (m.text or ""))
    await kab.engineer.sends_photo(kab.pupr, png(shade=40), caption="Tim survei sudah di lokasi", reply_to=prompt)
    await kab.card(kab.desk_galesong, "GLS-000001", "Progres terakhir: Tim survei sudah di lokasi")
    # Selesai: a note is enough for an agency; the citizen is asked whether it is fixed.
    done = await kab.card(kab.pupr, "GLS-000001", "Progres terakhir: Tim survei")
    await kab.engineer.taps(done, "Selesaikan")
    prompt = await kab.pupr.wait_for(lambda m: m.from_bot and "catatan hasil penanganan" in (m.text or ""))
    await kab.engineer.replies(kab.pupr, prompt, "Jembatan diganti rangka baja")
    await kab.card(kab.pupr, "GLS-000001", "Selesai dikerjakan")
    await settled(kab.home)
    assert (await ticket(kab.galesong, theirs)).state == TicketState.RESOLVED
    told = await _citizen_rows(kab.home, theirs)
    kinds = [k for k, _ in told]
    assert kinds[-4:] == ["ticket.forwarded", "ticket.agency_accepted", "ticket.progress", "ticket.resolved"]
    assert told[-3][1]["agency_name"] == "Dinas PUPR"
    assert told[-2][1]["attachment_ids"] and told[-1][1]["asks"] == "fixed"
    events = await _events(kab.home, theirs)
    assert [(e.action, e.actor_kind, e.actor_name) for e in events[-3:]] == [
        ("agency_accept", "agency", "Ir. Rahman (Dinas PUPR)"), ("add_progress", "agency", "Ir. Rahman (Dinas PUPR)"),
        ("resolve", "agency", "Ir. Rahman (Dinas PUPR)")]

    # Not fixed: back to the agency, not to the kecamatan's field.
    await report_not_fixed(kab.galesong, kab.people.reporter, theirs, "Masih goyang")
    assert (await ticket(kab.galesong, theirs)).state == TicketState.FORWARDED


async def test_an_agency_gives_a_case_back_and_the_desk_decides_again(kab: Kabupaten) -> None:
    tid = await report(kab.home, kab.people.reporter, category="jalan_rusak", desa="Bajeng")
    await forward_ticket(kab.home, kab.people.verifier, tid, "pupr", "PU-12")
    card = await kab.card(kab.pupr, "PTL-000001", "Kecamatan Pattallassang", "Referensi: PU-12")
    await kab.engineer.taps(card, "Kembalikan ke kecamatan")
    prompt = await kab.pupr.wait_for(lambda m: m.from_bot and "alasan mengembalikan" in (m.text or ""))
    await kab.engineer.replies(kab.pupr, prompt, "Jalan desa, bukan jalan kabupaten")
    note = await kab.desk.wait_for(lambda m: m.from_bot and "dikembalikan oleh Dinas PUPR" in (m.text or ""))
    assert "Jalan desa, bukan jalan kabupaten" in (note.text or "")
    desk_card = await kab.card(kab.desk, "PTL-000001", "Dikembalikan ke kecamatan oleh Ir. Rahman")
    assert desk_card.button("Verifikasi") and desk_card.button("Teruskan")
    await kab.card(kab.pupr, "PTL-000001", "Dikembalikan ke kecamatan")
    await settled(kab.home)
    after = await ticket(kab.home, tid)
    assert (after.state, after.forward_agency, after.escalation_level) == (TicketState.RECEIVED, None, 0)
    assert [k for k, _ in await _citizen_rows(kab.home, tid)][-1] == "ticket.agency_returned"
    back = (await _events(kab.home, tid))[-1]
    assert (back.action, back.data["agency_name"], back.data["reason"]) == (
        "return_to_kecamatan", "Dinas PUPR", "Jalan desa, bukan jalan kabupaten")
    # The returned card in the agency's group has nothing left to tap.
    returned = await kab.card(kab.pupr, "PTL-000001", "Dikembalikan ke kecamatan")
    assert not returned.buttons


async def test_an_agency_without_a_group_is_chased_by_the_desk_which_relays_its_answer(kab: Kabupaten) -> None:
    assert PLN is not None
    tid = await report(kab.home, kab.people.reporter, category="lampu_jalan", desa="Bajeng")
    await verify_ticket(kab.home, kab.people.verifier, tid)
    await forward_ticket(kab.home, kab.people.verifier, tid, "pln", "")
    card = await kab.card(kab.desk, "PTL-000001", "Diteruskan ke PLN ULP Takalar", PLN.contact)
    assert card.button("Catat kabar instansi") and card.button("Catat jawaban instansi")
    due = (await ticket(kab.home, tid)).stage_deadline_at
    assert due is not None and (due - kab.home.now()).days == 5  # five working days: Saturday is one in Takalar
    assert not [m for m in kab.pupr.messages if m.from_bot]

    # Past the agency's time: the desk is reminded to chase it, with whom to call.
    kab.home.clock.advance(days=5, minutes=30)  # type: ignore[attr-defined]  # Saturday 09.30: late, in grace
    assert (await scan_deadlines(kab.home)).reminded == [tid]
    chase = await kab.desk.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Pengingat: PLN ULP Takalar"))
    assert PLN.contact in (chase.text or "") and chase.reply_to is not None

    card = await kab.card(kab.desk, "PTL-000001", "TERLAMBAT", PLN.contact)
    await kab.verifier.taps(card, "Catat kabar instansi")
    prompt = await kab.desk.wait_for(lambda m: m.from_bot and "kabar dari PLN ULP Takalar" in (m.text or ""))
    await kab.verifier.replies(kab.desk, prompt, "Nomor pengaduan PLN 7781, teknisi dijadwalkan Kamis")
    await kab.desk.wait_for(lambda m: m.from_bot and m.text == "Tersimpan untuk PTL-000001 dan dikirim ke pelapor.")
    card = await kab.card(kab.desk, "PTL-000001", "teknisi dijadwalkan Kamis", "Referensi: 7781")  # none before
    assert (await ticket(kab.home, tid)).forward_reference == "7781"
    await kab.verifier.taps(card, "Catat jawaban instansi")
    prompt = await kab.desk.wait_for(lambda m: m.from_bot and "jawaban akhir PLN ULP Takalar" in (m.text or ""))
    answer = await kab.verifier.replies(kab.desk, prompt, "Lampu diganti teknisi PLN")
    await kab.desk.wait_for(lambda m: m.from_bot and m.reply_to is answer
                            and m.text == "Tersimpan untuk PTL-000001 dan dikirim ke pelapor.")
    await kab.card(kab.desk, "PTL-000001", "Selesai dikerjakan")
    await settled(kab.home)
    assert (await ticket(kab.home, tid)).state == TicketState.RESOLVED
    told = await _citizen_rows(kab.home, tid)
    assert [k for k, _ in told][-3:] == ["ticket.forwarded", "ticket.agency_update", "ticket.agency_answer"]
    assert told[-1][1]["asks"] == "fixed" and told[-1][1]["note"] == "Lampu diganti teknisi PLN"
    assert [(e.action, e.data.get("agency_name")) for e in (await _events(kab.home, tid))[-3:]] == [
        ("escalate", "PLN ULP Takalar"), ("agency_update", "PLN ULP Takalar"), ("agency_answer", "PLN ULP Takalar")]


async def test_a_case_the_camat_leaves_goes_to_the_kabupaten_chat(kab: Kabupaten) -> None:
    await kab.camat.sends(kab.camat.private_chat, "/start")
    await kab.camat.private_chat.wait_for(lambda m: m.from_bot and "terhubung sebagai camat" in (m.text or ""))
    tid = await report(kab.home, kab.people.reporter, category="sampah", desa="Bajeng")
    await verify_ticket(kab.home, kab.people.verifier, tid)
    await accept_ticket(kab.home, kab.people.officer, tid)
    kab.home.clock.advance(days=10)  # type: ignore[attr-defined]  # far past resolve, grace and the camat's day
    assert (await scan_deadlines(kab.home)).escalated == [tid]
    assert (await ticket(kab.home, tid)).escalation_level == 3  # straight to the highest level due
    card = await kab.card(kab.kabupaten, "PTL-000001", "Eskalasi ke kabupaten · Kecamatan Pattallassang")
    assert "ESKALASI KE KABUPATEN" in (card.text or "")
    assert card.button("Tugaskan ulang") and card.button("Perpanjang") and card.button("Tutup")
    assert (await kab.bupati_office.taps(card, "Perpanjang")).text == "PTL-000001: perpanjang berapa hari?"
    menu = await kab.kabupaten.wait_for(lambda m: m.message_id == card.message_id and m.button("3 hari"))
    assert (await kab.bupati_office.taps(menu, "3 hari")).text == "Batas waktu PTL-000001 diperpanjang 3 hari."
    after = await ticket(kab.home, tid)
    assert after.escalation_level == 0
    extend = (await _events(kab.home, tid))[-1]
    assert (extend.action, extend.actor_name) == ("extend_deadline", "Admin Kabupaten")
    # A tap there by someone who is not kabupaten staff is refused, and nothing changes.
    again = await kab.kabupaten.wait_for(lambda m: m.message_id == card.message_id and m.button("Tutup"))
    answer = await kab.engineer.taps(again, "Tutup")
    assert answer.text == "Anda tidak terdaftar sebagai petugas."
    assert (await ticket(kab.home, tid)).state == TicketState.IN_PROGRESS


async def test_a_case_late_at_an_agency_with_a_group_climbs_from_its_group_to_the_camat_and_the_kabupaten(
        kab: Kabupaten) -> None:
    await kab.camat.sends(kab.camat.private_chat, "/start")
    await kab.camat.private_chat.wait_for(lambda m: m.from_bot and "terhubung sebagai camat" in (m.text or ""))
    tid = await report(kab.home, kab.people.reporter, category="jalan_rusak", desa="Bajeng")
    await verify_ticket(kab.home, kab.people.verifier, tid)
    await forward_ticket(kab.home, kab.people.verifier, tid, "pupr", "")
    card = await kab.card(kab.pupr, "PTL-000001", "Terima")
    clock = kab.home.clock

    clock.advance(days=5, minutes=30)  # type: ignore[attr-defined]  # Saturday 09.30: past PUPR's five days
    assert (await scan_deadlines(kab.home)).reminded == [tid]
    reminder = await kab.pupr.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Pengingat: PTL-000001"))
    assert reminder.reply_to is not None and reminder.reply_to.message_id == card.message_id
    await settled(kab.home)
    assert not [m for m in kab.desk.messages if m.from_bot and (m.text or "").startswith("Pengingat")]
    assert not [m for m in kab.camat.private_chat.messages if "PTL-000001" in (m.text or "")]

    clock.advance(hours=1)  # type: ignore[attr-defined]  # past the grace: the camat's card
    assert (await scan_deadlines(kab.home)).escalated == [tid]
    camat_card = await kab.card(kab.camat.private_chat, "PTL-000001", "ESKALASI KE CAMAT")
    assert camat_card.button("Perpanjang")
    await settled(kab.home)
    assert not [m for m in kab.kabupaten.messages if m.from_bot and "PTL-000001" in (m.text or "")]

    clock.advance(days=2)  # type: ignore[attr-defined]  # Monday 10.30: a working day the camat left it
    assert (await scan_deadlines(kab.home)).escalated == [tid]
    up = await kab.card(kab.kabupaten, "PTL-000001", "Eskalasi ke kabupaten · Kecamatan Pattallassang",
                        "ESKALASI KE KABUPATEN", "Dinas PUPR")
    assert up.button("Tugaskan ulang") and up.button("Perpanjang") and up.button("Tutup")
    assert (await ticket(kab.home, tid)).escalation_level == 3
    levels = [(e.data["level"], e.data["stage"], e.data["agency_name"]) for e in await _events(kab.home, tid)
              if e.action == "escalate"]
    assert levels == [(1, "agency", "Dinas PUPR"), (2, "agency", "Dinas PUPR"), (3, "agency", "Dinas PUPR")]


async def test_the_inspektorat_sends_a_case_of_any_kecamatan_to_the_kabupaten_chat_with_eskalasi(
        kab: Kabupaten) -> None:
    inspector = kab.sim.user("Inspektorat", user_id=9201)  # the cast's Inspektorat: a kabupaten role
    chat = inspector.private_chat
    theirs = (await submit_ticket(kab.galesong, kab.people.reporter, NewReport(
        description="Sampah menumpuk di pasar", category="sampah", desa="Boddia"))).ticket_id

    async def says(who: SimUser, where: SimChat, command: str) -> str:
        sent = await who.sends(where, command)
        answer = await where.wait_for(lambda m: m.from_bot and m.reply_to is sent)
        return answer.text or ""

    assert await says(inspector, chat, "/eskalasi") == (
        "Tulis nomor laporan dan alasannya, misalnya: /eskalasi PTL-000123 belum ditangani sejak pekan lalu")
    assert await says(inspector, chat, "/eskalasi gls-000001 Warga sudah lapor tiga kali") == (
        "GLS-000001 dieskalasi ke kabupaten; kartunya dikirim ke grup kabupaten.")
    card = await kab.card(kab.kabupaten, "GLS-000001", "Eskalasi ke kabupaten · Kecamatan Galesong",
                          "Dieskalasi oleh Inspektorat: Warga sudah lapor tiga kali")
    assert {b.text for row in card.buttons for b in row} == {"Perpanjang", "Tutup"}  # nobody holds it yet
    after = await ticket(kab.galesong, theirs)
    assert (after.state, after.escalation_level) == (TicketState.RECEIVED, 3)
    raised = (await _events(kab.home, theirs))[-1]
    assert (raised.action, raised.actor_name, raised.data["level"], raised.data["reason"]) == (
        "escalate", "Inspektorat", 3, "Warga sudah lapor tiga kali")
    assert await says(inspector, kab.kabupaten, "/eskalasi GLS-000001") == (
        "GLS-000001 sudah dieskalasi ke kabupaten; tidak ada yang diubah.")
    assert await says(kab.verifier, kab.verifier.private_chat, "/eskalasi GLS-000001") == (
        "Anda tidak terdaftar sebagai petugas di Kecamatan Galesong.")  # Andi works in Pattallassang only

    # Refused, changing nothing: an unknown number, a closed case, a role the lifecycle does not let
    # escalate, a chat that is not the kabupaten's.
    ours = await report(kab.home, kab.people.reporter, category="sampah", desa="Bajeng")
    for number in ("PTL-999999", "XYZ-000001", "000001"):
        assert await says(inspector, chat, f"/eskalasi {number}") == "Laporan tidak ditemukan.", number
    assert await says(kab.verifier, kab.verifier.private_chat, "/eskalasi PTL-000001 tolong") == (
        "Anda tidak berwenang untuk tindakan ini.")
    assert await says(inspector, kab.desk, "/eskalasi PTL-000001") == (
        "Perintah /eskalasi dipakai di obrolan pribadi dengan bot atau di grup kabupaten.")
    assert (await ticket(kab.home, ours)).escalation_level == 0
    await close_ticket(kab.home, kab.people.camat, ours, "Sudah ditangani warga")
    assert await says(inspector, chat, "/eskalasi PTL-000001") == "Laporan ini sudah ditutup; tidak ada yang diubah."
    assert [e.action for e in await _events(kab.home, ours)] == ["submit", "close"]
    await settled(kab.home)
    assert not [m for m in kab.kabupaten.messages if m.from_bot and "PTL-000001" in (m.text or "")]


async def test_a_reference_in_an_agencys_news_is_kept_only_when_the_case_had_none(ctx: Context) -> None:
    home = in_takalar(ctx)
    people = await cast(home)
    given = await report(home, people.reporter, category="lampu_jalan", desa="Bajeng")
    bare = await report(home, people.neighbour, category="lampu_jalan", desa="Bajeng")
    await forward_ticket(home, people.verifier, given, "pln", "PLN-REF-1")
    await forward_ticket(home, people.verifier, bare, "pln", "")
    for tid in (given, bare):
        await record_agency_update(home, people.verifier, tid, "Sudah dicek, nomor 2 tiang rusak")  # no reference
    assert [(await ticket(home, t)).forward_reference for t in (given, bare)] == ["PLN-REF-1", None]
    for tid in (given, bare):
        await record_agency_update(home, people.verifier, tid, "Tercatat di PLN, No. 123/PLN.")
    await record_agency_update(home, people.verifier, bare, "Nomor rujukan baru 999/PLN")  # the first one stays
    assert [(await ticket(home, t)).forward_reference for t in (given, bare)] == ["PLN-REF-1", "123/PLN"]
    updates = [e.data.get("reference") for e in await _events(home, bare) if e.action == "agency_update"]
    assert updates == [None, "123/PLN", None]


async def test_teruskan_lists_first_the_agencies_that_take_the_cases_category(kab: Kabupaten) -> None:
    light = await report(kab.home, kab.people.reporter, category="lampu_jalan", desa="Bajeng")
    await report(kab.home, kab.people.neighbour, category="sampah", desa="Bajeng")
    offered = {}
    for number in ("PTL-000001", "PTL-000002"):
        card = await kab.card(kab.desk, number)
        await kab.verifier.taps(card, "Teruskan")
        menu = await kab.desk.wait_for(lambda m, c=card: m.message_id == c.message_id and m.button("Dinas PUPR"))
        offered[number] = [b.text for row in menu.buttons for b in row]
    assert offered["PTL-000001"] == ["PLN ULP Takalar", "Dinas PUPR", "PDAM Takalar", "Batal"]  # PLN: lampu_jalan
    assert offered["PTL-000002"] == ["Dinas PUPR", "PDAM Takalar", "PLN ULP Takalar", "Batal"]  # the file's order
    menu = await kab.desk.wait_for(lambda m: m.button("PLN ULP Takalar") and "PTL-000001" in (m.text or "")[:20])
    await kab.verifier.taps(menu, "PLN ULP Takalar")
    prompt = await kab.desk.wait_for(lambda m: m.from_bot and "PTL-000001 akan diteruskan ke PLN ULP Takalar"
                                     in (m.text or ""))
    await kab.verifier.replies(kab.desk, prompt, "-")
    await kab.card(kab.desk, "PTL-000001", "Diteruskan ke PLN ULP Takalar oleh Andi Verifikator")
    assert (await ticket(kab.home, light)).forward_agency == "pln"  # the button named PLN's place in the file


async def test_eskalasi_where_the_install_has_no_kabupaten_chat_says_so(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    sent = await world.camat.sends(world.camat.private_chat, "/eskalasi PTL-000001 lama sekali")
    answer = await world.camat.private_chat.wait_for(lambda m: m.from_bot and m.reply_to is sent)
    assert answer.text == "Kabupaten ini belum punya grup Telegram untuk eskalasi."
    assert (await ticket(world.ctx, tid)).escalation_level == 0
