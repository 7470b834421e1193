"""One officer bot for two kecamatan of the Takalar sample: each case's cards go to its own kecamatan's
chats, and a tap in a kecamatan's group acts in that kecamatan."""

from __future__ import annotations

from pathlib import Path

from core.context import Context
from core.domain.lifecycle import Role, TicketState
from core.domain.reports import NewReport
from core.usecases.citizen import submit_ticket
from core.usecases.staff import add_staff
from scheduler.jobs import send_kabupaten_digest
from simulator.telegram import TelegramSimulator
from tests.conftest import TAKALAR, in_takalar
from tests.core.story import cast, report, ticket
from tests.officer.conftest import TOKEN, bot_for, settled


async def test_cards_go_to_their_kecamatan_and_a_tap_acts_in_it(ctx: Context, tmp_path: Path) -> None:
    home = in_takalar(ctx)
    galesong = home.at("galesong")
    ptl, gls = home.profile.telegram, galesong.profile.telegram
    async with TelegramSimulator(token=TOKEN) as sim:
        desk_ptl = sim.group("Meja Pattallassang", chat_id=ptl.desk_chat_id)
        field_ptl = sim.group("Lapangan Pattallassang", chat_id=ptl.field_chat_ids[0])
        desk_gls = sim.group("Meja Galesong", chat_id=gls.desk_chat_id)
        field_gls = sim.group("Lapangan Galesong", chat_id=gls.field_chat_ids[0])
        people = await cast(home)
        await add_staff(galesong, 1001, "Andi Verifikator", frozenset({Role.VERIFIER}))  # works in both
        verifier = sim.user("Andi", user_id=1001)
        bot = bot_for(home, sim, tmp_path / "media")
        await bot.start()
        try:
            theirs = (await submit_ticket(galesong, people.reporter, NewReport(
                description="Sampah menumpuk di pasar", category="sampah", desa="Boddia"))).ticket_id
            ours = await report(home, people.neighbour, category="sampah", desa="Bajeng")
            card = await desk_gls.wait_for(lambda m: m.from_bot and (m.text or "").startswith("GLS-000001 ·"))
            await desk_ptl.wait_for(lambda m: m.from_bot and (m.text or "").startswith("PTL-000001 ·"))
            answer = await verifier.taps(card, "Verifikasi")
            assert answer.text == "GLS-000001 diverifikasi."
            await field_gls.wait_for(lambda m: m.from_bot and (m.text or "").startswith("GLS-000001 ·"))
            await settled(home)
            assert (await ticket(home, theirs)).state == TicketState.VERIFIED
            assert (await ticket(home, ours)).state == TicketState.RECEIVED
            # Each chat shows only its own kecamatan's cases.
            for chat, prefix in ((desk_ptl, "PTL-"), (field_ptl, "PTL-"), (desk_gls, "GLS-"), (field_gls, "GLS-")):
                numbered = [m.text or "" for m in chat.messages if m.from_bot and "-0000" in (m.text or "")[:12]]
                assert all(t.startswith(prefix) for t in numbered), (chat.title, numbered)
            assert not [m for m in field_ptl.messages if m.from_bot]
            assert sim.unanswered_callbacks() == []
        finally:
            await bot.stop()


async def test_the_morning_comparison_reaches_the_kabupaten_chat(ctx: Context, tmp_path: Path) -> None:
    home = in_takalar(ctx)
    assert TAKALAR.telegram.chat_id is not None
    async with TelegramSimulator(token=TOKEN) as sim:
        kabupaten_chat = sim.group("Kabupaten Takalar", chat_id=TAKALAR.telegram.chat_id)
        people = await cast(home)
        await report(home, people.reporter, category="sampah", desa="Bajeng")
        bot = bot_for(home, sim, tmp_path / "media")
        await bot.start()
        try:
            ctx.clock.advance(days=1)  # type: ignore[attr-defined]  # Tuesday 09.00: past 07.00
            assert await send_kabupaten_digest(home)
            posted = await kabupaten_chat.wait_for(
                lambda m: m.from_bot and "Perbandingan kecamatan" in (m.text or ""))
            assert "Pattallassang: 1 baru · 1 terbuka" in (posted.text or "")
            assert "Galesong: 0 baru · 0 terbuka · 0 terlambat" in (posted.text or "")
            await settled(home)
            assert not await send_kabupaten_digest(home)  # once a day
            assert not await send_kabupaten_digest(ctx)  # an install of one kecamatan has none
        finally:
            await bot.stop()
