"""Flood: 2,000 reports in 5 minutes with Telegram's real limits on; nothing lost, no 429 provoked.

    .venv/bin/python bench/flood.py [--scale 1.0]     # --scale 0.2: 400 reports in 1 minute

In one process, as tests/journey: both bots on one SQLite file against the simulators (in-process ASGI)
with the platforms' real limits: Telegram 30 messages/s per bot and 20 a minute per group, WhatsApp 80
messages/s per number. Citizens start at an even pace, each filing a whole guided report. Prints the
time from "Kirim" to the citizen's acknowledgement (the baseline: the same in end_to_end.py, limits off)
and to the ticket being shown in the desk group (as a card or in a bundle), the number of desk
messages, the 429s in the Telegram simulator's transcript, and what was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import time
from typing import Any

from _citizens import Filed, file_report
from _common import ms, pct
from _world import world
from sqlalchemy import func, select

from core.db.models import OutboxMessage, Ticket


async def drive(wa: Any, n: int, seconds: float) -> tuple[list[Filed], list[BaseException]]:
    """Citizen i starts its report at i * seconds / n; the reports filed and the failures."""
    start = time.perf_counter()

    async def one(i: int) -> Filed:
        await asyncio.sleep(max(0.0, start + i * seconds / n - time.perf_counter()))
        return await file_report(wa.citizen(f"0815{60_000_000 + i}", name=f"Warga {i}"), i, timeout=300)

    results = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
    return [r for r in results if isinstance(r, Filed)], [r for r in results if isinstance(r, BaseException)]


async def counts(ctx: Any) -> tuple[int, dict[str, int]]:
    async with ctx.sessions() as session:
        tickets = await session.scalar(select(func.count()).select_from(Ticket)) or 0
        unsent = dict((await session.execute(select(OutboxMessage.channel, func.count()).where(
            OutboxMessage.sent_at.is_(None)).group_by(OutboxMessage.channel))).all())
    return tickets, {str(k): int(v) for k, v in unsent.items()}


async def main(scale: float) -> None:
    n, seconds = round(2000 * scale), 300 * scale
    async with world(telegram_limits=True, whatsapp_per_second=80) as w:
        started = time.perf_counter()
        filed, failed = await drive(w.wa, n, seconds)
        filing = time.perf_counter() - started
        numbers = [f.number for f in filed]
        with contextlib.suppress(TimeoutError):
            await w.tg.changes.wait_until(lambda: all(x in w.desk_watch.seen for x in numbers), timeout=600)
        shown_all = time.perf_counter() - started
        deadline = time.monotonic() + 120
        while (state := await counts(w.ctx))[1] and time.monotonic() < deadline:
            await asyncio.sleep(1)
        tickets, unsent = state
        desk_messages = w.desk.bot_messages
        too_many = [e for e in w.tg.transcript if e["status"] == 429]
    to_ack = [f.acknowledged - f.kirim for f in filed]
    to_desk = [w.desk_watch.seen[f.number] - f.kirim for f in filed if f.number in w.desk_watch.seen]
    missing = [x for x in numbers if x not in w.desk_watch.seen]
    bundles = [m for m in desk_messages if (m.text or "").startswith("Laporan baru")]
    print(f"flood: nproc {os.cpu_count()}, scale {scale:g}: {n} reports over {seconds:.0f} s "
          f"({n / seconds:.1f}/s), Telegram and WhatsApp limits on, SQLite, in-process simulators")
    print(f"  filed and acknowledged: {len(filed)}/{n} in {filing:.0f} s; failures {len(failed)}"
          + (f" e.g. {failed[0]!r}"[:300] if failed else ""))
    print(f"  Kirim -> acknowledgement on WhatsApp   {ms(to_ack)}")
    print(f"  Kirim -> shown in the desk group       {ms(to_desk)}")
    print(f"  all shown in the desk {shown_all:.0f} s after the first report; desk messages: {len(desk_messages)} "
          f"({len(bundles)} bundles, {len(desk_messages) - len(bundles)} cards)")
    print(f"  429s provoked (Telegram transcript): {len(too_many)};  tickets in the database: {tickets};  "
          f"not shown in the desk: {len(missing)};  outbox rows undelivered: {sum(unsent.values())} {unsent or ''}")
    lost = n - len(filed) + len(missing) + sum(unsent.values()) + (n - tickets)
    print(f"  targets: every report acknowledged ({'met' if len(filed) == n else 'MISSED'}), shown in the desk "
          f"({'met' if not missing else 'MISSED'}), zero 429s ({'met' if not too_many else 'MISSED'}), zero lost "
          f"({'met' if not lost else 'MISSED'}); ack p99 {pct(to_ack, 99) * 1000:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 2,000 reports / 5 minutes")
    asyncio.run(main(parser.parse_args().scale))
