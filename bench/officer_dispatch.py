"""Latency from a verifier's tap on Verifikasi to the field card appearing, through the real bot and simulator.

.venv/bin/python bench/officer_dispatch.py [N]   (SQLite in a temp dir; prints p50/p99 in milliseconds)
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import _common  # noqa: F401  (puts the tree under test on sys.path)
import httpx

os.environ.setdefault("PTB_TIMEDELTA", "true")

from telegram.request import HTTPXRequest

from core.context import Context, OutboxSignal
from core.db.engine import make_engine, make_sessions
from core.db.migrate import upgrade
from core.domain.lifecycle import Role
from core.domain.reports import NewReport
from core.profile import SAMPLE_PROFILE, load_profile
from core.settings import Settings
from core.usecases.citizen import citizen_actor, submit_ticket
from core.usecases.staff import add_staff
from officer_bot import OfficerBot
from simulator.telegram import TelegramSimulator


class Jumping:
    """Real time plus jumps, so each sample starts with a fresh per-group minute (no bundling)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def utc(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.offset)

    def epoch(self) -> float:
        return time.time() + self.offset


async def main(n: int) -> None:
    folder = Path(tempfile.mkdtemp())
    url = f"sqlite+aiosqlite:///{folder / 'bench.db'}"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    signal = OutboxSignal()
    clock = Jumping()
    profile = load_profile(SAMPLE_PROFILE).model_copy(update={"daily_ticket_limit": 100_000})
    ctx = Context(sessions=make_sessions(engine, on_commit=signal.committed), profile=profile, clock=clock.utc,
                  outbox=signal)
    sim = TelegramSimulator(token="123456:BENCH-token_abc", clock=clock.epoch)
    desk = sim.group("Desk", chat_id=profile.telegram.desk_chat_id)
    field = sim.group("Field", chat_id=profile.telegram.field_chat_ids[0])
    verifier = sim.user("Andi", user_id=1001)
    await add_staff(ctx, 1001, "Andi", frozenset({Role.VERIFIER}))
    citizen = await citizen_actor(ctx, "081234567890", "Warga")

    def request() -> HTTPXRequest:
        return HTTPXRequest(httpx_kwargs={"transport": httpx.ASGITransport(app=sim.app)})

    settings = Settings(_env_file=None, telegram_bot_token=sim.token, telegram_api_url=sim.base_url,  # type: ignore[call-arg]
                        media_dir=folder / "media")
    bot = OfficerBot(ctx, settings, request=request(), get_updates_request=request(), poll_timeout=1)
    await bot.start()
    samples: list[float] = []
    try:
        for i in range(n):
            number = (await submit_ticket(ctx, citizen, NewReport(
                f"Lampu mati {i}", category="lampu_jalan", desa="Bajeng"))).number
            card = await desk.wait_for(lambda m, number=number: (m.text or "").startswith(f"{number} ·"))
            started = time.perf_counter()
            verifier.tap(card, "Verifikasi")
            await field.wait_for(lambda m, number=number: (m.text or "").startswith(f"{number} ·"), timeout=10)
            samples.append((time.perf_counter() - started) * 1000)
            clock.offset += 61
    finally:
        await bot.stop()
        await sim.aclose()
        await engine.dispose()
    samples.sort()
    p99 = samples[min(len(samples) - 1, round(0.99 * (len(samples) - 1)))]
    print(f"{n} taps: p50 {statistics.median(samples):.1f} ms, p99 {p99:.1f} ms, max {samples[-1]:.1f} ms")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100))
