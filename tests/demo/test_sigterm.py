"""SIGTERM during a burst of 200 reports: `lapor-camat run` drains and exits 0; after a restart nothing is lost."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db.engine import make_engine
from core.db.models import InboxUpdate, OutboxMessage
from simulator.whatsapp import Citizen
from simulator.whatsapp.webhooks import Delivery
from tests.demo.system import Loopback, base_env, counting, running

BURST = 200
STOP_AFTER = 50  # acknowledged reports before the SIGTERM


@pytest.fixture
def simulator_options() -> dict[str, object]:
    """Meta retries unanswered webhooks for days; here quickly and often enough to span a restart."""
    return {"webhook_max_attempts": 14, "webhook_retry_base_delay": 0.1}


def reports(sim_deliveries: list[Delivery]) -> list[Delivery]:
    return [d for d in sim_deliveries if d.kind.startswith("message:")]


async def test_sigterm_during_a_burst_loses_no_acknowledged_report(loopback: Loopback, tmp_path: Path) -> None:
    sim, data = loopback.whatsapp, tmp_path / "var"
    env = base_env(tmp_path) | loopback.settings(data)
    citizens = [sim.citizen(f"08135{n:07d}", name=f"Warga {n}") for n in range(BURST)]
    acknowledged = counting(sim, lambda: sum(d.delivered for d in reports(list(sim.deliveries))) >= STOP_AFTER)

    async with running("run", "--migrate", cwd=tmp_path, env=env) as first:
        await first.line("Uvicorn running on")
        burst = asyncio.ensure_future(stream(citizens))
        await asyncio.wait_for(acknowledged.wait(), 60)
        assert await first.stop(signal.SIGTERM, timeout=8) == 0  # drained and exited cleanly, in a few seconds
    assert first.lines and '"stopped"' in first.lines[-1]

    async with running("run", cwd=tmp_path, env=env) as second:
        await second.line("Uvicorn running on")
        await asyncio.wait_for(burst, 120)  # every citizen's webhook is answered 200 in the end (retried if refused)
        await asyncio.gather(*(answered(c) for c in citizens))
        await sim.idle(30)  # the status webhooks of those answers, too
        assert await second.stop(signal.SIGTERM, timeout=8) == 0

    deliveries = list(sim.deliveries)
    assert len(reports(deliveries)) == BURST and all(d.delivered for d in reports(deliveries))
    retried = [d for d in reports(deliveries) if d.attempts[0] != 200]
    assert retried, "the SIGTERM came after the burst: no report was refused while the system was down"
    assert all(d.attempts[-1] == 200 for d in retried)

    stored = await inbox(data)
    for delivery in (d for d in deliveries if d.delivered):  # every webhook answered 200 was stored and processed
        key = delivery.item_id if delivery.kind.startswith("message:") else \
            f"status:{delivery.item_id}:{delivery.kind.removeprefix('status:')}"
        assert stored.get(key) == (True, None), f"{delivery.kind} {key}: {stored.get(key)}"
    queued = await replies(data)
    assert len(queued) == len(set(queued)) == BURST  # one reply per report: none lost, none doubled


async def stream(citizens: list[Citizen]) -> None:
    """One report after the other, each sent once its predecessor was answered 200 (after retries if
    refused): acknowledgements are fast, so a concurrent burst would be all in before the SIGTERM lands."""
    for n, citizen in enumerate(citizens):
        await citizen.sends_text(f"Lampu jalan mati di depan rumah nomor {n}")


async def answered(citizen: Citizen) -> None:
    """The citizen's report got exactly one answer: asked for the location, with the greeting of a first contact."""
    answer = await citizen.wait_for(lambda m: m.kind == "location_request", timeout=60)
    assert "Halo" in (answer.text or "") and "lokasi" in (answer.text or "").lower()
    assert len(citizen.received) == 1, [str(m) for m in citizen.received]


async def inbox(data: Path) -> dict[str, tuple[bool, str | None]]:
    """Each stored WhatsApp update: (processed, error)."""
    engine = make_engine(f"sqlite+aiosqlite:///{data}/lapor.db")
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(InboxUpdate.external_id, InboxUpdate.processed_at, InboxUpdate.error)
                                      .where(InboxUpdate.platform == "whatsapp"))
            return {key: (processed is not None, error) for key, processed, error in rows.all()}
    finally:
        await engine.dispose()


async def replies(data: Path) -> list[str]:
    """The recipient of every WhatsApp reply queued."""
    engine = make_engine(f"sqlite+aiosqlite:///{data}/lapor.db")
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(OutboxMessage.recipient).where(OutboxMessage.channel == "whatsapp"))
            return [recipient for (recipient,) in rows.all()]
    finally:
        await engine.dispose()

