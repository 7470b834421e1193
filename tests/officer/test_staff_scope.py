"""Staff hold roles per kecamatan: a desk acts only with its own kecamatan's staff, and in a private chat a
command runs in the kecamatan of the ticket it names, or asks "Kecamatan mana?" when it names none."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.context import Context
from core.db.models import TicketEvent
from core.domain.errors import NotRegistered
from core.domain.lifecycle import Role, TicketState
from core.domain.reports import NewReport
from core.usecases.citizen import submit_ticket
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from core.usecases.staff import add_staff, staff_actor
from officer_bot import OfficerBot
from simulator.telegram import SimChat, SimUser, TelegramSimulator
from tests.conftest import in_takalar
from tests.core.story import Cast, cast, report, snapshot, ticket
from tests.officer.conftest import TOKEN, bot_for, settled


@dataclass
class Takalar:
    home: Context  # Pattallassang
    galesong: Context
    sim: TelegramSimulator
    bot: OfficerBot
    cast: Cast  # Pattallassang's staff
    desk_ptl: SimChat
    desk_gls: SimChat
    verifier: SimUser  # Andi: verifier in Pattallassang only, unless a test adds more
    officer: SimUser
    admin: SimUser

    async def galesong_case(self, text: str = "Sampah menumpuk di pasar") -> int:
        return (await submit_ticket(self.galesong, self.cast.reporter, NewReport(
            description=text, category="sampah", desa="Boddia"))).ticket_id


@pytest.fixture
async def takalar(ctx: Context, tmp_path: Path) -> AsyncIterator[Takalar]:
    home = in_takalar(ctx)
    galesong = home.at("galesong")
    async with TelegramSimulator(token=TOKEN) as sim:
        ptl, gls = home.profile.telegram, galesong.profile.telegram
        desk_ptl = sim.group("Meja Pattallassang", chat_id=ptl.desk_chat_id)
        sim.group("Lapangan Pattallassang", chat_id=ptl.field_chat_ids[0])
        desk_gls = sim.group("Meja Galesong", chat_id=gls.desk_chat_id)
        sim.group("Lapangan Galesong", chat_id=gls.field_chat_ids[0])
        people = await cast(home)
        bot = bot_for(home, sim, tmp_path / "media")
        await bot.start()
        try:
            yield Takalar(home, galesong, sim, bot, people, desk_ptl, desk_gls,
                          verifier=sim.user("Andi", user_id=1001), officer=sim.user("Baso", user_id=2001),
                          admin=sim.user("Admin", user_id=9001))
            assert sim.unanswered_callbacks() == []
        finally:
            await bot.stop()


async def events_of(ctx: Context, ticket_id: int) -> int:
    async with ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(TicketEvent)
                                    .where(TicketEvent.ticket_id == ticket_id)) or 0


async def test_a_verifier_of_pattallassang_cannot_act_in_galesongs_desk(takalar: Takalar) -> None:
    theirs = await takalar.galesong_case()
    card = await takalar.desk_gls.wait_for(lambda m: m.from_bot and (m.text or "").startswith("GLS-000001 ·"))
    before = await events_of(takalar.home, theirs)
    answer = await takalar.verifier.taps(card, "Verifikasi")
    assert answer.text == "Anda tidak terdaftar sebagai petugas di Kecamatan Galesong."
    await settled(takalar.home)
    assert (await ticket(takalar.home, theirs)).state == TicketState.RECEIVED
    assert await events_of(takalar.home, theirs) == before
    # the same verifier still acts in their own kecamatan's desk
    ours = await report(takalar.home, takalar.cast.neighbour, category="sampah", desa="Bajeng")
    mine = await takalar.desk_ptl.wait_for(lambda m: m.from_bot and (m.text or "").startswith("PTL-000001 ·"))
    assert (await takalar.verifier.taps(mine, "Verifikasi")).text == "PTL-000001 diverifikasi."
    assert (await ticket(takalar.home, ours)).state == TicketState.VERIFIED


async def test_someone_with_roles_in_both_acts_in_each(takalar: Takalar) -> None:
    await add_staff(takalar.galesong, 1001, "Andi Verifikator", frozenset({Role.VERIFIER}))
    theirs = await takalar.galesong_case()
    ours = await report(takalar.home, takalar.cast.neighbour, category="sampah", desa="Bajeng")
    for desk, number in ((takalar.desk_gls, "GLS-000001"), (takalar.desk_ptl, "PTL-000001")):
        card = await desk.wait_for(lambda m, n=number: m.from_bot and (m.text or "").startswith(f"{n} ·"))
        assert (await takalar.verifier.taps(card, "Verifikasi")).text == f"{number} diverifikasi."
    await settled(takalar.home)
    assert (await ticket(takalar.home, theirs)).state == TicketState.VERIFIED
    assert (await ticket(takalar.home, ours)).state == TicketState.VERIFIED


async def test_ringkasan_in_private_asks_which_kecamatan_and_answers_with_the_pick(takalar: Takalar) -> None:
    await add_staff(takalar.galesong, 9001, "Admin", frozenset({Role.ADMIN}))
    chat = takalar.admin.private_chat
    await takalar.admin.sends(chat, "/ringkasan")
    asked = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Kecamatan mana?"))
    assert [b.text for row in asked.buttons for b in row] == ["Pattallassang", "Galesong"]
    assert not [m for m in chat.messages if m.from_bot and "Ringkasan harian" in (m.text or "")]
    answer = await takalar.admin.taps(asked, "Galesong")
    assert answer.text == "Kecamatan Galesong"
    digest = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Ringkasan harian"))
    assert "Kecamatan Galesong" in (digest.text or "") and "Pattallassang" not in (digest.text or "")
    await takalar.admin.sends(chat, "/start")
    await chat.wait_for(lambda m: m.from_bot and m.text == (
        "Halo Admin. Anda terdaftar sebagai admin di Kecamatan Pattallassang; admin di Kecamatan Galesong."))
    # someone who works in one kecamatan is not asked
    camat = takalar.sim.user("Pak Camat", user_id=3001)
    await camat.sends(camat.private_chat, "/ringkasan")
    own = await camat.private_chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Ringkasan harian"))
    assert "Kecamatan Pattallassang" in (own.text or "")
    assert not [m for m in camat.private_chat.messages if "Kecamatan mana?" in (m.text or "")]


async def test_a_pick_by_someone_not_staff_there_is_refused(takalar: Takalar) -> None:
    await add_staff(takalar.galesong, 9001, "Admin", frozenset({Role.ADMIN}))
    chat = takalar.admin.private_chat
    await takalar.admin.sends(chat, "/ringkasan")
    asked = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Kecamatan mana?"))
    await add_staff(takalar.galesong, 9001, "Admin", frozenset({Role.VERIFIER}))  # no longer admin there
    answer = await takalar.admin.taps(asked, "Galesong")
    assert "Ringkasan harian" not in answer.text and answer.text
    await settled(takalar.home)
    assert not [m for m in chat.messages if m.from_bot and "Ringkasan harian" in (m.text or "")]


async def test_tiket_in_private_answers_from_galesong_without_asking(takalar: Takalar) -> None:
    await add_staff(takalar.galesong, 1001, "Andi Verifikator", frozenset({Role.VERIFIER}))
    await takalar.galesong_case()
    chat = takalar.verifier.private_chat
    await takalar.verifier.sends(chat, "/tiket GLS-000001")
    history = await chat.wait_for(lambda m: m.from_bot and "Riwayat:" in (m.text or ""))
    assert (history.text or "").startswith("GLS-000001 ·")
    assert not [m for m in chat.messages if "Kecamatan mana?" in (m.text or "")]


async def test_a_private_progress_report_goes_to_the_tickets_kecamatan(takalar: Takalar) -> None:
    await add_staff(takalar.galesong, 1001, "Andi Verifikator", frozenset({Role.VERIFIER}))
    await add_staff(takalar.galesong, 2001, "Baso Petugas", frozenset({Role.OFFICER}))
    theirs = await takalar.galesong_case()
    await verify_ticket(takalar.galesong, await staff_actor(takalar.galesong, 1001), theirs)
    await accept_ticket(takalar.galesong, await staff_actor(takalar.galesong, 2001), theirs)
    chat = takalar.officer.private_chat
    await takalar.officer.sends(chat, f"/start p{theirs}")
    await chat.wait_for(lambda m: m.from_bot and "progres untuk GLS-000001" in (m.text or ""))
    await takalar.officer.sends(chat, "Sampah sudah diangkut separuh")
    saved = "Progres GLS-000001 tersimpan dan dikirim ke pelapor."
    await chat.wait_for(lambda m: m.from_bot and m.text == saved)
    async with takalar.home.sessions() as session:
        kinds = list(await session.scalars(select(TicketEvent.action).where(TicketEvent.ticket_id == theirs)))
    assert "add_progress" in kinds


async def test_the_inspektorat_reads_any_kecamatans_digest_and_acts_on_no_case(takalar: Takalar) -> None:
    await add_staff(takalar.home, 9201, "Inspektorat", frozenset({Role.INSPECTOR}))
    tid = await takalar.galesong_case()
    inspector = takalar.sim.user("Inspektorat", user_id=9201)
    chat = inspector.private_chat
    await inspector.sends(chat, "/ringkasan")
    asked = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Kecamatan mana?"))
    await inspector.taps(asked, "Galesong")
    digest = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Ringkasan harian"))
    assert "Kecamatan Galesong" in (digest.text or "")
    card = await takalar.desk_gls.wait_for(lambda m: m.from_bot and (m.text or "").startswith("GLS-000001 ·"))
    answer = await inspector.taps(card, "Verifikasi")
    assert answer.text == "Anda tidak berwenang untuk tindakan ini."
    assert (await ticket(takalar.galesong, tid)).state == TicketState.RECEIVED


async def test_daftar_asks_which_kecamatan_and_the_request_goes_to_that_desk(takalar: Takalar) -> None:
    await add_staff(takalar.galesong, 9001, "Admin", frozenset({Role.ADMIN}))
    newcomer = takalar.sim.user("Dewi", user_id=4242)
    chat = newcomer.private_chat
    await newcomer.sends(chat, "/daftar")
    asked = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Daftar sebagai petugas"))
    offered = [b.text for row in asked.buttons for b in row]
    assert offered[:2] == ["Pattallassang", "Galesong"] and len(offered) == len(takalar.home.kabupaten) == 9
    assert (await newcomer.taps(asked, "Galesong")).text == "Kecamatan Galesong"
    await chat.wait_for(lambda m: m.from_bot and m.text == (
        "Permintaan pendaftaran Anda dikirim ke meja verifikasi Kecamatan Galesong."))
    request = await takalar.desk_gls.wait_for(lambda m: m.from_bot and "Dewi (Telegram 4242)" in (m.text or ""))
    assert (await takalar.admin.taps(request, "Jadikan petugas")).text == "Dewi terdaftar sebagai petugas."
    welcome = "Anda terdaftar sebagai petugas di Kecamatan Galesong"
    await chat.wait_for(lambda m: m.from_bot and welcome in (m.text or ""))
    await settled(takalar.home)
    assert not [m for m in takalar.desk_ptl.messages if "Dewi" in (m.text or "")]
    assert (await staff_actor(takalar.galesong, 4242)).roles == {Role.OFFICER}
    with pytest.raises(NotRegistered):  # NotStaffHere: staff of Galesong only
        await staff_actor(takalar.home, 4242)


async def test_staff_of_one_kecamatan_register_in_another_by_name(takalar: Takalar) -> None:
    chat = takalar.verifier.private_chat  # Andi, verifier in Pattallassang
    await takalar.verifier.sends(chat, "/daftar")
    asked = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Daftar sebagai petugas"))
    offered = [b.text for row in asked.buttons for b in row]
    assert offered[0] == "Galesong" and "Pattallassang" not in offered  # not where Andi is staff already
    await takalar.verifier.sends(chat, "/daftar Galesongg")  # a typo: asked again, nothing opened
    again = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith('Kecamatan "Galesongg" tidak ada'))
    assert [b.text for row in again.buttons for b in row] == offered
    await takalar.verifier.sends(chat, "/daftar kecamatan galesong")
    await chat.wait_for(lambda m: m.from_bot and m.text == (
        "Permintaan pendaftaran Anda dikirim ke meja verifikasi Kecamatan Galesong."))
    await takalar.desk_gls.wait_for(lambda m: m.from_bot and "(Telegram 1001)" in (m.text or ""))
    await takalar.verifier.sends(chat, "/daftar pattallassang")  # staff there: told so, no request
    await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Anda sudah terdaftar sebagai verifikator"))
    await settled(takalar.home)
    assert not [m for m in takalar.desk_ptl.messages if "(Telegram 1001)" in (m.text or "")]


async def test_a_forged_tap_naming_galesongs_case_in_pattallassangs_desk_is_refused(takalar: Takalar) -> None:
    theirs = await takalar.galesong_case()
    await report(takalar.home, takalar.cast.neighbour, category="sampah", desa="Bajeng")
    card = await takalar.desk_ptl.wait_for(lambda m: m.from_bot and (m.text or "").startswith("PTL-000001 ·"))
    await settled(takalar.home)
    before = await snapshot(takalar.home, theirs)
    for forged in (f"v:{theirs}", f"rr:{theirs}:0", f"fa:{theirs}:0", f"cc:{theirs}"):
        card.reply_markup = {"inline_keyboard": [[{"text": "Palsu", "callback_data": forged}]]}
        answer = await takalar.verifier.taps(card, "Palsu")
        assert answer.text == ("Laporan GLS-000001 milik Kecamatan Galesong, bukan Kecamatan Pattallassang: "
                               "hanya kecamatan pemiliknya yang dapat menanganinya."), (forged, answer.text)
    await settled(takalar.home)
    assert await snapshot(takalar.home, theirs) == before
    assert not [m for m in takalar.desk_ptl.messages if "GLS-000001" in (m.text or "")]  # no prompt, no card
