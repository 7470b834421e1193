"""The officer bot against the Telegram simulator: groups and people from the profile, staff from the cast."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from telegram.request import HTTPXRequest

from core.context import Context
from core.db.models import OutboxMessage
from core.outbox import owed
from core.settings import Settings
from officer_bot import OfficerBot
from simulator.telegram import SimChat, SimMessage, SimUser, TelegramSimulator
from tests.core.story import Cast, cast

TOKEN = "123456:TEST-token_abc"


@dataclass
class World:
    ctx: Context
    sim: TelegramSimulator
    bot: OfficerBot
    cast: Cast
    desk: SimChat
    field: SimChat
    camat: SimUser
    verifier: SimUser
    officer: SimUser
    officer2: SimUser
    admin: SimUser
    stranger: SimUser
    media_dir: Path

    async def card(self, chat: SimChat, number: str, *more: str, timeout: float = 5) -> SimMessage:
        """The bot's card for `number` in a chat, once it shows every one of `more`."""
        return await chat.wait_for(lambda m: m.from_bot and (m.text or "").startswith(f"{number} ·")
                                   and all(w in (m.text or "") for w in more), timeout)

    async def settled(self, timeout: float = 10) -> None:
        """Wait (on commits, no polling) until every telegram outbox row has been delivered."""
        await settled(self.ctx, timeout)

    async def whatsapp(self, ticket_id: int) -> list[tuple[str, str]]:
        """The (kind, recipient) of every WhatsApp-bound row core wrote for a ticket."""
        async with self.ctx.sessions() as session:
            rows = await session.execute(select(OutboxMessage.kind, OutboxMessage.recipient).where(
                OutboxMessage.channel == "whatsapp", OutboxMessage.ticket_id == ticket_id).order_by(OutboxMessage.id))
            return [(k, r) for k, r in rows.all()]


async def pending_telegram(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "telegram", owed())) or 0  # set-aside rows are owed to no one


async def settled(ctx: Context, timeout: float = 10) -> None:
    import asyncio

    watch = ctx.outbox.watch("tests.watch")  # set on every commit, like the dispatchers' own events
    async with asyncio.timeout(timeout):
        while True:
            watch.clear()
            if not await pending_telegram(ctx):
                return
            await watch.wait()


def request_for(sim: TelegramSimulator) -> HTTPXRequest:
    return HTTPXRequest(httpx_kwargs={"transport": httpx.ASGITransport(app=sim.app)})


def bot_for(ctx: Context, sim: TelegramSimulator, media_dir: Path, **kw: Any) -> OfficerBot:
    settings = Settings(_env_file=None, telegram_bot_token=sim.token, telegram_api_url=sim.base_url,  # type: ignore[call-arg]
                        media_dir=media_dir, **kw)
    return OfficerBot(ctx, settings, request=request_for(sim), get_updates_request=request_for(sim), poll_timeout=1)


@pytest.fixture
def sim_options() -> dict[str, Any]:
    """Override in a test module to start the simulator differently (a fake clock, other limits)."""
    return {}


@pytest.fixture
async def world(ctx: Context, tmp_path: Path, sim_options: dict[str, Any]) -> AsyncIterator[World]:
    chats = ctx.profile.telegram
    async with TelegramSimulator(token=TOKEN, **sim_options) as sim:
        desk = sim.group("Desk Pattallassang", chat_id=chats.desk_chat_id)
        field = sim.group("Petugas Lapangan", chat_id=chats.field_chat_ids[0])
        people = await cast(ctx)
        bot = bot_for(ctx, sim, tmp_path / "media")
        await bot.start()
        try:
            yield World(ctx, sim, bot, people, desk, field,
                        camat=sim.user("Pak Camat", user_id=chats.camat_user_id),
                        verifier=sim.user("Andi", user_id=1001), officer=sim.user("Baso", user_id=2001),
                        officer2=sim.user("Cakra", user_id=2002), admin=sim.user("Admin", user_id=9001),
                        stranger=sim.user("Orang Lewat", user_id=7777), media_dir=tmp_path / "media")
            assert sim.unanswered_callbacks() == []
        finally:
            await bot.stop()


Predicate = Callable[[SimMessage], Any]


class OffsetClock:
    """Real time plus jumps: the simulator's limits slide on their own and a test can skip a minute."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        import time

        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


async def until(ctx: Context, check: Callable[[], Any], timeout: float = 5) -> Any:
    """Wait (woken by each commit) until the awaitable `check()` gives something truthy."""
    import asyncio

    watch = ctx.outbox.watch("tests.until")
    async with asyncio.timeout(timeout):
        while True:
            watch.clear()
            found = await check()
            if found:
                return found
            await watch.wait()
