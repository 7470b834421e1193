"""The reporter bot wired to the WhatsApp simulator in-process, on the test database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from starlette.applications import Starlette

from core.context import Context
from core.db.models import Citizen, Ticket
from core.settings import Settings
from reporter_bot import ReporterBot
from reporter_bot.graph_transport import GraphAPITransport
from simulator.whatsapp import WhatsAppSimulator
from tests.conftest import Clock

PHONE_ID = "106540352242922"
WABA_ID = "102290129340398"
TOKEN = "sim-token-0123456789abcdefghij"
APP_SECRET = "0123456789abcdef0123456789abcdef"
VERIFY_TOKEN = "verify-me-please"
API_URL = "http://whatsapp-sim.test"
JPEG = b"\xff\xd8\xff\xe0" + b"foto-sampah" * 40
OGG = b"OggS" + b"suara" * 40


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        whatsapp_token=SecretStr(TOKEN), whatsapp_phone_id=PHONE_ID, whatsapp_waba_id=WABA_ID,
        whatsapp_app_secret=SecretStr(APP_SECRET), whatsapp_verify_token=SecretStr(VERIFY_TOKEN),
        whatsapp_api_url=API_URL, media_dir=tmp_path / "media",
    )


class Harness:
    """The simulator and a (re)startable bot on the same database."""

    def __init__(self, ctx: Context, settings: Settings, clock: Clock) -> None:
        self.ctx, self.settings, self.clock = ctx, settings, clock
        self.bot: ReporterBot | None = None
        self.app = Starlette(routes=[])  # routes are swapped in when a bot starts
        self.sim = WhatsAppSimulator(
            phone_id=PHONE_ID, waba_id=WABA_ID, token=TOKEN, app_secret=APP_SECRET,
            webhook_url="http://bot/webhook/whatsapp", webhook_transport=httpx.ASGITransport(app=self.app),
            clock=clock, base_url=API_URL, webhook_retry_base_delay=0.0, webhook_max_attempts=2,
        )
        template = ctx.profile.templates["ticket_update"]
        self.sim.approve_template(template.name, template.language, template.params)

    async def start(self, ctx: Context | None = None, **options: Any) -> ReporterBot:
        options = {"media_retry_delay": 0.0, "dispatcher_idle": 0.2, **options}
        graph = GraphAPITransport(self.settings.whatsapp_api_url, inner=httpx.ASGITransport(app=self.sim.app))
        self.bot = ReporterBot(ctx or self.ctx, self.settings, graph, **options)
        self.app.router.routes[:] = self.bot.routes
        await self.bot.start()
        return self.bot

    async def stop(self) -> None:
        if self.bot is not None:
            await self.bot.stop()
            self.bot = None

    async def settle(self) -> None:
        """Wait until the bot has processed every webhook it acknowledged."""
        assert self.bot is not None
        await self.bot.workers.drain()

    async def tickets(self) -> list[Ticket]:
        async with self.ctx.sessions() as session:
            return list(await session.scalars(select(Ticket).order_by(Ticket.id)))

    async def citizen_row(self, wa_id: str) -> Citizen:
        async with self.ctx.sessions() as session:
            row = await session.scalar(select(Citizen).where(Citizen.wa_id == wa_id))
            assert row is not None
            return row


@pytest.fixture
async def harness(ctx: Context, settings: Settings, clock: Clock) -> AsyncIterator[Harness]:
    h = Harness(ctx, settings, clock)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
        await h.sim.aclose()


@pytest.fixture
def sim(harness: Harness) -> WhatsAppSimulator:
    return harness.sim


def has(fragment: str) -> Callable[[Any], bool]:
    return lambda m: m.text is not None and fragment in m.text


async def report(citizen: Any, story: str = "Lampu jalan mati di depan masjid", latitude: float = -5.4500,
                 longitude: float = 119.5400, privacy: str = "Biasa") -> str:
    """A citizen's first report, the short way (story, shared location, no photo); its number."""
    await citizen.sends_text(story)
    await located_to_kirim(citizen, latitude, longitude, privacy)
    received = await citizen.wait_for(has("PTL-"))
    return next(w for w in (received.text or "").replace(".", " ").split() if w.startswith("PTL-"))


async def located_to_kirim(citizen: Any, latitude: float, longitude: float, privacy: str = "Biasa") -> None:
    """From the bot's location request to the tap on Kirim: the shared point, no photo, the privacy."""
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_location(latitude, longitude)
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles)
    await citizen.taps("Lewati")
    await citizen.wait_for(lambda m: privacy in m.button_titles)
    await citizen.taps(privacy)
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await citizen.taps("Kirim")
