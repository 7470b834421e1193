"""With CONSOLE_URL set, every staff card links to the case's page in the web console ("Buka di konsol");
without it (no address staff's phones can reach) the cards carry no link."""

from __future__ import annotations

from pathlib import Path

from core.context import Context
from core.usecases.desk import verify_ticket
from simulator.telegram import TelegramSimulator
from tests.core.story import cast, report
from tests.officer.conftest import TOKEN, bot_for, settled


async def test_cards_link_to_the_console_when_it_has_an_address(ctx: Context, tmp_path: Path) -> None:
    chats = ctx.profile.telegram
    async with TelegramSimulator(token=TOKEN) as sim:
        desk = sim.group("Meja", chat_id=chats.desk_chat_id)
        field = sim.group("Lapangan", chat_id=chats.field_chat_ids[0])
        bot = bot_for(ctx, sim, tmp_path / "media", console_url="https://lapor.example.go.id/")
        await bot.start()
        try:
            people = await cast(ctx)
            tid = await report(ctx, people.reporter)
            await verify_ticket(ctx, people.verifier, tid)
            await settled(ctx)
            for chat in (desk, field):
                card = await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith("PTL-000001 ·"))
                assert (card.text or "").rstrip().endswith("Buka di konsol")
                links = [e["url"] for e in card.entities if e["type"] == "text_link"]
                assert "https://lapor.example.go.id/konsol/kasus/PTL-000001" in links
        finally:
            await bot.stop()


async def test_no_console_address_no_link(ctx: Context, tmp_path: Path) -> None:
    chats = ctx.profile.telegram
    async with TelegramSimulator(token=TOKEN) as sim:
        desk = sim.group("Meja", chat_id=chats.desk_chat_id)
        bot = bot_for(ctx, sim, tmp_path / "media")
        await bot.start()
        try:
            people = await cast(ctx)
            await report(ctx, people.reporter)
            card = await desk.wait_for(lambda m: m.from_bot and (m.text or "").startswith("PTL-000001 ·"))
            assert "konsol" not in (card.text or "")
        finally:
            await bot.stop()
