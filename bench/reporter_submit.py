"""Latency from a citizen's "Kirim" to the ticket's outbox rows: p50 and p99 over N citizens.

    .venv/bin/python bench/reporter_submit.py [-n 100] [--concurrency 1]

Each simulated citizen builds a report through the real webhook route and the real pywa client
(story, shared location, no photo, privacy), then taps Kirim. Measured from just before the Kirim
webhook is posted to the `created_at` of the ticket's "ticket.received" outbox row (written inside
the submitting transaction), and to the citizen seeing the ticket number.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime

from _reporter_setup import rig  # type: ignore[import-not-found]
from sqlalchemy import select

from core.db.models import OutboxMessage, Ticket


async def one(r: object, n: int) -> tuple[float, float]:
    citizen = r.sim.citizen(f"0813{n:08d}")  # type: ignore[attr-defined]
    await citizen.sends_text("Lampu jalan mati di depan masjid")
    await citizen.wait_for(lambda m: m.kind == "location_request", timeout=60)
    await citizen.sends_location(-5.45 + n * 0.01, 119.54)
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles, timeout=60)
    await citizen.taps("Lewati")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles, timeout=60)
    await citizen.taps("Biasa")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles, timeout=60)
    started, wall = time.perf_counter(), datetime.now(UTC)
    await citizen.taps("Kirim")
    received = await citizen.wait_for(lambda m: "PTL-" in (m.text or ""), timeout=60)
    seen = time.perf_counter() - started
    number = next(w for w in (received.text or "").replace(".", " ").split() if w.startswith("PTL-"))
    async with r.ctx.sessions() as session:  # type: ignore[attr-defined]
        created = await session.scalar(
            select(OutboxMessage.created_at).join(Ticket, Ticket.id == OutboxMessage.ticket_id)
            .where(Ticket.number == number, OutboxMessage.kind == "ticket.received"))
    assert created is not None
    return (created - wall).total_seconds(), seen


async def run(n: int, concurrency: int) -> None:
    async with rig() as r:
        results: list[tuple[float, float]] = []
        for start in range(0, n, concurrency):
            results += await asyncio.gather(*(one(r, i) for i in range(start, min(n, start + concurrency))))
    rows = sorted(x for x, _ in results)
    seen = sorted(y for _, y in results)

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))] * 1000

    print(f"{n} reports, {concurrency} at a time (SQLite, in-process simulator)")
    print(f"Kirim -> outbox rows written: p50 {pct(rows, 50):.1f} ms, p99 {pct(rows, 99):.1f} ms, "
          f"mean {statistics.mean(rows) * 1000:.1f} ms")
    print(f"Kirim -> citizen sees the number: p50 {pct(seen, 50):.1f} ms, p99 {pct(seen, 99):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(run(args.n, args.concurrency))


if __name__ == "__main__":
    main()
