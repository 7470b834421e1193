"""The deadline scan on 1,000,000 tickets: time per scan against the number due, with the query plan.

.venv/bin/python bench/scan_deadlines.py [N] [K]                           # SQLite only
scripts/with-postgres.sh .venv/bin/python bench/scan_deadlines.py [N] [K]  # SQLite and PostgreSQL

With K kecamatan (default 1) the N tickets are spread over them, each kecamatan gets the same number
due, and the scan is one kecamatan's (what the scheduler runs per kecamatan); the run then times the
kabupaten digest (every kecamatan side by side) over all of them.

About 10% of the tickets are open (received, verified, in progress, resolved) with deadlines from
30 days ago to 10 days ahead; the overdue ones have been escalated to the camat long ago (level 2),
except the ones made due now. Baselines in the same run: a full-table count, and the same scan
without `ix_tickets_escalation_due` (what the planner finds in the other indexes).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import fresh_postgres  # (also puts the tree under test on sys.path)
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.context import Context
from core.db.engine import make_engine, make_sessions
from core.db.migrate import upgrade_async
from core.db.models import Citizen, Ticket
from core.deadline_scan import due_query
from core.kabupaten import Kabupaten
from core.kabupaten_digest import build_comparison
from core.profile import SAMPLE_PROFILE, Desa, TelegramChats, load_profile

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
OPEN = (("received", 0.2), ("verified", 0.2), ("in_progress", 0.45), ("resolved", 0.15))
DONE = (("closed", 0.7), ("rejected", 0.15), ("duplicate", 0.1), ("cancelled", 0.05))
DUE_COUNTS = (0, 10, 100, 1000, 10000)
BATCH = 20_000
RUNS = 15


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([s for s, _ in table], [w for _, w in table])[0]


def kecamatan_codes(k: int) -> list[str]:
    return ["pattallassang"] if k == 1 else [f"kec{j}" for j in range(k)]


def ticket_rows(n: int, rng: random.Random, k: int = 1) -> Any:
    """`n` tickets over `k` kecamatan: 10% open with spread deadlines (overdue ones at level 2), the rest finished."""
    codes = kecamatan_codes(k)
    for i in range(1, n + 1):
        created = NOW - timedelta(minutes=rng.randrange(0, 365 * 24 * 60))
        row = {"number": f"K{i % k}-{i:07d}", "kecamatan": codes[i % k], "report_type": "complaint",
               "category": rng.choice(("sampah", "lampu_jalan", "jalan_rusak", "drainase")), "description": "x",
               "address": "", "desa": "Bajeng", "reporter_id": 1 + i % 1000, "privacy": "normal",
               "stage_started_at": created, "created_at": created, "updated_at": created}
        if rng.random() < 0.10:
            state = _pick(rng, OPEN)
            due = NOW + timedelta(minutes=rng.randrange(-30 * 24 * 60, 10 * 24 * 60))
            if state == "resolved":  # auto-close keeps these from piling up past their deadline
                due = NOW + timedelta(minutes=rng.randrange(1, 3 * 24 * 60))
            row |= {"state": state, "stage_deadline_at": due, "escalation_level": 2 if due <= NOW else 0}
        else:
            row |= {"state": _pick(rng, DONE), "stage_deadline_at": None, "escalation_level": rng.randrange(3),
                    "closed_at": created + timedelta(days=1)}
        yield row


async def fill(engine: AsyncEngine, n: int, k: int = 1) -> float:
    started = time.perf_counter()
    async with engine.begin() as conn:
        await conn.execute(insert(Citizen), [{"wa_id": f"62812{i:07d}", "name": "", "locale": "id",
                                              "created_at": NOW} for i in range(1, 1001)])
    rng, batch = random.Random(42), []
    for row in ticket_rows(n, rng, k):
        row.setdefault("closed_at", None)
        batch.append(row)
        if len(batch) == BATCH:
            async with engine.begin() as conn:
                await conn.execute(insert(Ticket), batch)
            batch = []
    if batch:
        async with engine.begin() as conn:
            await conn.execute(insert(Ticket), batch)
    async with engine.begin() as conn:
        await conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


async def timed(conn: AsyncConnection, stmt: Any) -> tuple[float, int]:
    """Median milliseconds of RUNS executions, and the rows returned."""
    times, count = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        count = len((await conn.execute(stmt)).all())
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), count


async def explain(engine: AsyncEngine, conn: AsyncConnection, stmt: Any) -> str:
    """The plan of `stmt` exactly as sent to the database (statement and parameters captured)."""
    seen: list[tuple[str, Any]] = []

    def capture(_c: Any, _cursor: Any, statement: str, parameters: Any, _ctx: Any, _many: bool) -> None:
        seen.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        await conn.execute(stmt)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", capture)
    statement, parameters = seen[-1]
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
    rows = (await conn.exec_driver_sql(prefix + statement, parameters)).all()
    return "\n".join("    " + " | ".join(str(c) for c in row[-1:]) for row in rows)


async def make_due(conn: AsyncConnection, ids: list[int], level: int) -> None:
    for start in range(0, len(ids), 5000):
        await conn.execute(update(Ticket).where(Ticket.id.in_(ids[start:start + 5000])).values(escalation_level=level))


async def measure(url: str, n: int, k: int = 1) -> None:
    engine = make_engine(url)
    codes = kecamatan_codes(k)
    try:
        print(f"\n== {engine.dialect.name}: {n:,} tickets in {k} kecamatan ==")
        await upgrade_async(url)
        print(f"filled in {await fill(engine, n, k):.1f} s")
        scan = due_query(codes[0], NOW, limit=1_000_000)
        async with engine.connect() as conn:
            by_kecamatan = {code: list(await conn.scalars(
                select(Ticket.id).where(Ticket.kecamatan == code, Ticket.escalation_level == 2,
                                        Ticket.stage_deadline_at <= NOW, Ticket.state != "resolved")
                .order_by(Ticket.stage_deadline_at.desc()))) for code in codes}
            escalated = by_kecamatan[codes[0]]
            print(f"open: {await conn.scalar(select(func.count()).where(Ticket.stage_deadline_at.is_not(None))):,}"
                  f"; overdue and already escalated (level 2): {sum(map(len, by_kecamatan.values())):,}"
                  f" ({len(escalated):,} in the scanned kecamatan)")
            count_ms, total = await timed(conn, select(func.count()).select_from(Ticket))
            print(f"baseline full count(*): {count_ms:8.2f} ms  ({total} row)")
            print("scan plan:\n" + await explain(engine, conn, scan))
            for due in DUE_COUNTS:  # the same number due in every kecamatan
                for ids in by_kecamatan.values():
                    await make_due(conn, ids[:due], 0)
                await conn.commit()
                ms, rows = await timed(conn, scan)
                job_ms, _ = await timed(conn, due_query(codes[0], NOW))  # the job's LIMIT 1000 per tick
                print(f"scan, {due:>6,} due: {ms:8.2f} ms all rows ({rows:,}), {job_ms:8.2f} ms first 1000")
                for ids in by_kecamatan.values():
                    await make_due(conn, ids[:due], 2)
                await conn.commit()
            for ids in by_kecamatan.values():
                await make_due(conn, ids[:1000], 0)
            await conn.commit()
        if k > 1:
            print(f"kabupaten digest, {k} kecamatan side by side: {await digest_ms(engine, codes):8.1f} ms"
                  f" (one kecamatan's row: {await digest_ms(engine, codes[:1]):.1f} ms)")
        async with engine.connect() as conn:
            await conn.execute(text("DROP INDEX ix_tickets_escalation_due"))
            await conn.commit()
        await engine.dispose()  # fresh connections: no statement planned with the dropped index
        async with engine.connect() as conn:
            ms, rows = await timed(conn, scan)
            print(f"baseline, without ix_tickets_escalation_due (the other indexes only), 1,000 due: {ms:8.2f} ms"
                  f" ({rows:,} rows)")
            print("its plan:\n" + await explain(engine, conn, scan))
    finally:
        await engine.dispose()


async def digest_ms(engine: AsyncEngine, codes: list[str]) -> float:
    """Median milliseconds of the kabupaten digest's figures over these kecamatan (3 runs)."""
    sample = load_profile(SAMPLE_PROFILE)
    profiles = [sample.model_copy(update={
        "code": code, "ticket_prefix": f"K{chr(65 + j)}", "desa": [Desa(name=f"Desa {j}")],
        "telegram": TelegramChats(desk_chat_id=-100 - 10 * j, field_chat_ids=[-101 - 10 * j], camat_user_id=j + 1)})
        for j, code in enumerate(codes)]
    kabupaten = Kabupaten("bench", "Kabupaten Bench", profiles)
    ctx = Context(sessions=make_sessions(engine), profile=profiles[0], clock=lambda: NOW, kabupaten=kabupaten)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        await build_comparison(ctx, NOW.astimezone(ctx.profile.zone).date())
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


async def main(n: int, k: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", n, k)
    pg = os.environ.get("LAPOR_TEST_DATABASE", "")
    if pg.startswith("postgresql"):
        await measure(await fresh_postgres(pg), n, k)
    else:
        print("\n(PostgreSQL skipped: run under scripts/with-postgres.sh)")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(args[0] if args else 1_000_000, args[1] if len(args) > 1 else 1))
