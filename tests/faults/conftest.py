"""Fault-suite fixtures: both bots on one database, a virtual clock that jumps over retry waits, counters."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core import outbox
from core.context import Context
from core.db.models import OutboxMessage, Ticket
from core.settings import Settings
from simulator.whatsapp import Citizen, WhatsAppSimulator
from tests.conftest import Clock
from tests.officer.conftest import sim_options, world  # noqa: F401  (fixtures)
from tests.reporter.conftest import API_URL, APP_SECRET, PHONE_ID, TOKEN, WABA_ID, Harness, settings  # noqa: F401


@pytest.fixture
def sim_options(clock: Clock) -> dict[str, Any]:  # noqa: F811
    """The Telegram simulator's flood limits run on the test clock, so jumping the clock frees them."""
    return {"clock": lambda: clock.now.timestamp()}


def whatsapp_sim(app: Any, clock: Clock, **options: Any) -> WhatsAppSimulator:
    """The harness's simulator, with options (e.g. a higher throughput tier: Meta allows up to 1,000/s)."""
    sim = WhatsAppSimulator(
        phone_id=PHONE_ID, waba_id=WABA_ID, token=TOKEN, app_secret=APP_SECRET,
        webhook_url="http://bot/webhook/whatsapp", webhook_transport=httpx.ASGITransport(app=app),
        clock=clock, base_url=API_URL, webhook_retry_base_delay=0.0, webhook_max_attempts=2, **options)
    return sim


@pytest.fixture
def wa_options() -> dict[str, Any]:
    """Override in a module: options of the WhatsApp simulator."""
    return {"messages_per_second": 1000}


@pytest.fixture
async def harness(ctx: Context, settings: Settings, clock: Clock,  # noqa: F811
                  wa_options: dict[str, Any]) -> AsyncIterator[Harness]:
    h = Harness(ctx, settings, clock)
    await h.sim.aclose()
    h.sim = whatsapp_sim(h.app, clock, **wa_options)
    template = ctx.profile.templates["ticket_update"]
    h.sim.approve_template(template.name, template.language, template.params)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
        await h.sim.aclose()


CHANNELS = ("whatsapp", "telegram")


async def unsent(ctx: Context, channels: tuple[str, ...] = CHANNELS) -> dict[str, int]:
    async with ctx.sessions() as session:
        rows = await session.execute(select(OutboxMessage.channel, func.count()).where(
            outbox.owed(), OutboxMessage.channel.in_(channels)).group_by(OutboxMessage.channel))
        return dict(rows.all())  # type: ignore[arg-type]


async def any_due(ctx: Context, channels: tuple[str, ...] = CHANNELS) -> bool:
    """Whether a dispatcher has something to do now (a row queued behind a waiting one is not due)."""
    return any([await outbox.has_due(ctx, channel) for channel in channels])


@contextlib.asynccontextmanager
async def time_warp(ctx: Context, clock: Clock, step: timedelta = timedelta(seconds=2), every: float = 0.02,
                    channels: tuple[str, ...] = CHANNELS) -> AsyncIterator[None]:
    """While nothing is due but rows wait (backoff, retry_after, a lease), jump the clock `step` and wake
    the dispatchers: retries happen in virtual time, so a test with 20 % failures runs in real seconds."""
    async def pump() -> None:
        while True:
            await asyncio.sleep(every)  # a driver of virtual time, not a wait for an event
            if await unsent(ctx, channels) and not await any_due(ctx, channels):
                clock.now += step
                ctx.outbox.set_all()

    task = asyncio.create_task(pump())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def delivered(ctx: Context, timeout: float = 60, channels: tuple[str, ...] = CHANNELS) -> None:
    """Wait (woken by commits) until no outbox row is left unsent; use inside time_warp."""
    watch = ctx.outbox.watch("tests.faults")
    async with asyncio.timeout(timeout):
        while True:
            watch.clear()
            if not await unsent(ctx, channels):
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(watch.wait(), 0.5)


async def ticket_count(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Ticket)) or 0


def number_in(text: str | None) -> str | None:
    return next((w.strip(".,") for w in (text or "").split() if w.startswith("PTL-")), None)


def is_ack(message: Any) -> bool:
    return (message.text or "").startswith("Laporan Anda diterima dengan nomor")


Step = tuple[str, Callable[[Citizen], Any], Callable[[Any], bool]]


def short_report(i: int) -> list[Step]:
    """The shortest guided report that submits: story, shared location, no photo, privacy, Kirim.

    Each step: (name, what the citizen sends, what the bot answers it with). Locations sit on a grid
    220 m apart, so no report is offered as a duplicate of a neighbour's (the radius is 150 m).
    """
    lat, lon = -5.40 - (i // 20) * 0.002, 119.50 + (i % 20) * 0.002
    return [
        ("story", lambda c: c.sends_text(f"Lampu jalan mati di depan rumah nomor {i}"),
         lambda m: m.kind == "location_request"),
        ("location", lambda c: c.sends_location(lat, lon), lambda m: "Lewati" in m.button_titles),
        ("photos", lambda c: c.taps("Lewati"), lambda m: "Biasa" in m.button_titles),
        ("privacy", lambda c: c.taps("Biasa"), lambda m: "Kirim" in m.button_titles),
        ("send", lambda c: c.taps("Kirim"), is_ack),
    ]


def media_dir(tmp_path: Path) -> Path:
    return tmp_path / "media"
