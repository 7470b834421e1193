"""Shared set-up for the reporter bot benchmarks: a migrated database, the simulator and a started bot."""

from __future__ import annotations

import contextlib
import pathlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass

import _common  # noqa: F401  (puts the tree under test on sys.path)
import httpx
from pydantic import SecretStr
from starlette.applications import Starlette

from core.context import Context, OutboxSignal
from core.db.engine import make_engine, make_sessions
from core.db.migrate import upgrade_async
from core.profile import SAMPLE_PROFILE, load_profile
from core.settings import Settings
from reporter_bot import ReporterBot
from reporter_bot.graph_transport import GraphAPITransport
from simulator.whatsapp import WhatsAppSimulator

SECRET = "0123456789abcdef0123456789abcdef"
API_URL = "http://whatsapp-sim.bench"


@dataclass
class Rig:
    ctx: Context
    bot: ReporterBot
    sim: WhatsAppSimulator
    app: Starlette


@contextlib.asynccontextmanager
async def rig(database_url: str | None = None) -> AsyncIterator[Rig]:
    """A bot on a fresh SQLite file (or the given database, which must be migrated and empty)."""
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        if database_url is None:
            await upgrade_async(url)
        engine = make_engine(url)
        signal = OutboxSignal()
        profile = load_profile(SAMPLE_PROFILE).model_copy(update={"daily_ticket_limit": 1_000_000})
        ctx = Context(sessions=make_sessions(engine, on_commit=signal.committed), profile=profile, outbox=signal)
        settings = Settings(whatsapp_token=SecretStr("bench-token-0123456789abcdef"), whatsapp_phone_id="1234567890",
                            whatsapp_waba_id="9876543210", whatsapp_app_secret=SecretStr(SECRET),
                            whatsapp_verify_token=SecretStr("bench-verify"), whatsapp_api_url=API_URL,
                            media_dir=pathlib.Path(tmp) / "media")
        app = Starlette(routes=[])
        sim = WhatsAppSimulator(phone_id="1234567890", waba_id="9876543210", token="bench-token-0123456789abcdef",
                                app_secret=SECRET, webhook_url="http://bot/webhook/whatsapp",
                                webhook_transport=httpx.ASGITransport(app=app), base_url=API_URL,
                                messages_per_second=1_000_000, status_webhooks=False)
        graph = GraphAPITransport(API_URL, inner=httpx.ASGITransport(app=sim.app))
        bot = ReporterBot(ctx, settings, graph, flood_limit=1_000_000, dispatcher_idle=0.2)
        app.router.routes[:] = bot.routes
        await bot.start()
        try:
            yield Rig(ctx, bot, sim, app)
        finally:
            await bot.stop()
            await sim.aclose()
            await engine.dispose()
