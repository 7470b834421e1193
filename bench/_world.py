"""Both bots in one process against both simulators (as tests/journey), on a fresh SQLite file."""

from __future__ import annotations

import contextlib
import os
import pathlib
import re
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from _common import ROOT  # noqa: F401  (puts the project on sys.path)
from pydantic import SecretStr
from starlette.applications import Starlette
from telegram.request import HTTPXRequest

from core.context import Context, OutboxSignal
from core.db.engine import make_engine, make_sessions
from core.db.migrate import upgrade_async
from core.domain.lifecycle import Role
from core.profile import SAMPLE_PROFILE, load_profile
from core.settings import Settings
from core.usecases.staff import add_staff
from lapor_camat.run import settle_garbage_collector
from officer_bot import OfficerBot
from reporter_bot import ReporterBot
from reporter_bot.graph_transport import GraphAPITransport
from simulator.telegram import SimChat, SimUser, TelegramSimulator
from simulator.whatsapp import WhatsAppSimulator

WA: dict[str, Any] = {"phone_id": "106540352242922", "waba_id": "102290129340398",
                      "token": "bench-token-0123456789abcdefghij", "app_secret": "0123456789abcdef0123456789abcdef"}
WA_API = "http://whatsapp-sim.bench"
NUMBER = re.compile(r"PTL-\d+")
TG_TOKEN = "123456:BENCH-token_abcdefghijklmnop"


@dataclass
class CardWatch:
    """First time (perf_counter) each ticket's card appears in a chat, as a card or listed in a bundle."""

    chat: SimChat
    seen: dict[str, float] = field(default_factory=dict)
    _next_id: int = 1

    def __call__(self) -> None:
        now = time.perf_counter()
        while (message := self.chat.get(self._next_id)) is not None or self.chat.get(self._next_id + 1) is not None:
            self._next_id += 1
            if message is not None and message.from_bot:
                self._note(message.text or "", now)
        for message in self.chat.bot_messages[-25:]:  # bundles are edited as tickets join them
            if (message.text or "").startswith("Laporan baru"):
                self._note(message.text or "", now)

    def _note(self, text: str, now: float) -> None:
        for number in NUMBER.findall(text):
            self.seen.setdefault(number, now)


@dataclass
class World:
    ctx: Context
    wa: WhatsAppSimulator
    tg: TelegramSimulator
    reporter: ReporterBot
    officer: OfficerBot
    desk: SimChat
    field: SimChat
    verifier: SimUser
    desk_watch: CardWatch
    field_watch: CardWatch


@contextlib.asynccontextmanager
async def world(telegram_limits: bool, whatsapp_per_second: int = 1_000_000) -> AsyncIterator[World]:
    """Both bots started; `telegram_limits` False lifts the simulator's limits and the bot's own pacing."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await upgrade_async(url)
        engine = make_engine(url)
        signal = OutboxSignal()
        profile = load_profile(SAMPLE_PROFILE)
        ctx = Context(sessions=make_sessions(engine, on_commit=signal.committed), profile=profile, outbox=signal)
        media = pathlib.Path(tmp) / "media"
        settings = Settings(_env_file=None, whatsapp_token=SecretStr(WA["token"]),  # type: ignore[call-arg]
                            whatsapp_phone_id=WA["phone_id"], whatsapp_waba_id=WA["waba_id"],
                            whatsapp_app_secret=SecretStr(WA["app_secret"]),
                            whatsapp_verify_token=SecretStr("bench-verify"), whatsapp_api_url=WA_API,
                            telegram_bot_token=SecretStr(TG_TOKEN), telegram_api_url="http://telegram.sim",
                            media_dir=media)
        hook = Starlette(routes=[])
        wa = WhatsAppSimulator(**WA, webhook_url="http://bot/webhook/whatsapp",
                               webhook_transport=httpx.ASGITransport(app=hook), base_url=WA_API,
                               messages_per_second=whatsapp_per_second, status_webhooks=False, history=100_000)
        reporter = ReporterBot(ctx, settings, GraphAPITransport(WA_API, inner=httpx.ASGITransport(app=wa.app)),
                               flood_limit=1_000_000, dispatcher_idle=0.2)
        hook.router.routes[:] = reporter.routes
        limits = {} if telegram_limits else {"per_bot_per_second": None, "per_group_per_minute": None,
                                             "per_private_per_second": None}
        tg = TelegramSimulator(token=TG_TOKEN, **limits)  # type: ignore[arg-type]
        desk = tg.group("Meja Verifikasi", chat_id=profile.telegram.desk_chat_id)
        field_chat = tg.group("Petugas Lapangan", chat_id=profile.telegram.field_chat_ids[0])

        def request() -> HTTPXRequest:
            return HTTPXRequest(connection_pool_size=64, httpx_kwargs={"transport": httpx.ASGITransport(app=tg.app)})

        officer = OfficerBot(ctx, settings, request=request(), get_updates_request=request(), poll_timeout=1)
        if not telegram_limits:
            officer.pacer.per_group = officer.pacer.per_second = 10**9
        await add_staff(ctx, 1001, "Andi", frozenset({Role.VERIFIER}))
        verifier = tg.user("Andi", user_id=1001)
        desk_watch, field_watch = CardWatch(desk), CardWatch(field_chat)
        tg.changes.subscribe(desk_watch)
        tg.changes.subscribe(field_watch)
        await reporter.start()
        await officer.start()
        settle_garbage_collector()  # as `lapor-camat run` does once its parts are up
        try:
            yield World(ctx, wa, tg, reporter, officer, desk, field_chat, verifier, desk_watch, field_watch)
        finally:
            await officer.stop()
            await reporter.stop()
            await wa.aclose()
            await tg.aclose()
            await engine.dispose()
