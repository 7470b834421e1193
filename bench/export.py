"""The console's Ekspor over 100,000 cases: CSV, XLSX and the monthly XLSX, time and peak extra memory.

.venv/bin/python bench/export.py [N]                           # SQLite only
scripts/with-postgres.sh .venv/bin/python bench/export.py [N]  # SQLite and PostgreSQL

N tickets (100,000) in Pattallassang over the last year, inserted in bulk: states that follow their age,
the stage times, a submit event each and an escalation for about one in ten (so "on time per stage" has
something to find), a tenth anonymous or confidential. The app is `console_routes` plus a bare Route,
served by uvicorn on loopback in this process and read with httpx over real HTTP, the answer streamed
and thrown away as it comes (httpx's ASGITransport would hold the whole body, which is not the server's
memory). The viewer is the kecamatan's admin, the widest export (the reporter's column and its join).

Every route is first warmed with an empty range; then each download runs twice: once timed, once under
tracemalloc for the peak of Python memory above what was allocated before it (the server's and the
client's together; the client keeps nothing). The baseline, in the same run and measured alike: the bare
page. Also ru_maxrss before and after every timed export (it grows only past the process's earlier peak).
Targets (issue 14): each export < 30 s and < 50 MB extra.
"""

from __future__ import annotations

import asyncio
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from _common import fresh_postgres, loopback  # (also puts the tree under test on sys.path)
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from console.routes import console_routes
from console.signin import SESSION_COOKIE, issue_link, redeem_link
from core.context import Context
from core.db.engine import make_engine, make_sessions
from core.db.migrate import upgrade_async
from core.db.models import Citizen, Staff, StaffRoles, Ticket, TicketCounter, TicketEvent
from core.kabupaten import SAMPLE_KABUPATEN, load_kabupaten
from core.settings import Settings

NOW = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
DAYS = 365
BATCH = 10_000
HOME, ADMIN = "pattallassang", 9001
TAKALAR = load_kabupaten(SAMPLE_KABUPATEN)
TARGET_S, TARGET_MB = 30.0, 50.0
STEPS = ("verified_at", "accepted_at", "resolved_at", "closed_at")
STATE_AFTER = {0: "received", 1: "verified", 2: "in_progress", 3: "resolved", 4: "closed"}


def rows(n: int, seed: int = 11) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """(ticket, its events) for `n` tickets of Pattallassang, ids 1..n, oldest first."""
    rng = random.Random(seed)
    profile = TAKALAR.profile(HOME)
    categories = [c.code for c in profile.categories]
    desa = [d.name for d in profile.desa]
    created_times = sorted(NOW - timedelta(seconds=rng.uniform(0, DAYS * 86400)) for _ in range(n))
    for tid, created in enumerate(created_times, start=1):
        age = (NOW - created).total_seconds() / 86400
        done = 4 if age > 30 and rng.random() < 0.85 else rng.randrange(5)
        times, at = {}, created
        for step in STEPS[:done]:
            at += timedelta(hours=rng.uniform(0.5, 48))
            times[step] = at if at < NOW else NOW
        state = STATE_AFTER[done]
        privacy = "normal" if rng.random() < 0.9 else rng.choice(("anonymous", "confidential"))
        ticket = {"id": tid, "number": f"PTL-{tid:06d}", "kecamatan": HOME, "report_type": "complaint",
                  "category": rng.choice(categories), "description": "Lampu jalan mati sejak minggu lalu",
                  "latitude": -5.4 + rng.uniform(-0.05, 0.05), "longitude": 119.6 + rng.uniform(-0.05, 0.05),
                  "address": rng.choice(("", "Jl. Poros Takalar", "=dekat pasar", "Dusun Bontoa")),
                  "desa": rng.choice(desa), "reporter_id": 1 + tid % 20_000, "privacy": privacy, "state": state,
                  "stage_started_at": at, "stage_deadline_at": None if done == 4 else at + timedelta(days=2),
                  "escalation_level": 0, "assignee_id": 3 if done >= 2 else None,
                  "rating": rng.randrange(1, 6) if done == 4 and rng.random() < 0.5 else None,
                  "created_at": created, "updated_at": at} | {s: times.get(s) for s in STEPS}
        events = [{"ticket_id": tid, "action": "submit", "actor_kind": "citizen", "actor_id": ticket["reporter_id"],
                   "actor_name": "", "from_state": None, "to_state": "received", "data": {}, "created_at": created}]
        if done and rng.random() < 0.1:
            stage = rng.choice(("verify", "accept", "resolve")[:min(done, 3)])
            events.append({"ticket_id": tid, "action": "escalate", "actor_kind": "system", "actor_id": None,
                           "actor_name": "scheduler", "from_state": state, "to_state": state,
                           "data": {"stage": stage, "level": 1}, "created_at": created + timedelta(hours=1)})
        yield ticket, events


async def fill(engine: AsyncEngine, n: int) -> tuple[int, int]:
    """Citizens, the admin and an officer, then the tickets and their events; (tickets, events)."""
    long_ago = NOW - timedelta(days=DAYS + 1)
    async with engine.begin() as conn:
        await conn.execute(insert(Citizen), [{"wa_id": f"62812{i:07d}", "name": "", "locale": "id",
                                              "created_at": long_ago} for i in range(1, 20_001)])
        await conn.execute(insert(Staff), [
            {"id": 2, "telegram_id": ADMIN, "name": "Admin", "kabupaten_roles": [], "desa": [], "active": True,
             "created_at": long_ago},
            {"id": 3, "telegram_id": 2001, "name": "Petugas Lapangan", "kabupaten_roles": [], "desa": [],
             "active": True, "created_at": long_ago}])
        await conn.execute(insert(StaffRoles), [
            {"staff_id": 2, "kecamatan": HOME, "roles": ["admin"], "on_duty": True, "duty_until": None},
            {"staff_id": 3, "kecamatan": HOME, "roles": ["officer"], "on_duty": True, "duty_until": None}])
    tickets: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    made = [0, 0]

    async def flush() -> None:
        async with engine.begin() as conn:
            if tickets:
                await conn.execute(insert(Ticket), tickets)
            if events:
                await conn.execute(insert(TicketEvent), events)
        made[0], made[1] = made[0] + len(tickets), made[1] + len(events)
        tickets.clear()
        events.clear()

    for ticket, evs in rows(n):
        tickets.append(ticket)
        events.extend(evs)
        if len(tickets) == BATCH:
            await flush()
    await flush()
    async with engine.begin() as conn:
        await conn.execute(insert(TicketCounter), [{"prefix": "PTL", "last_value": n}])
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in ("tickets", "ticket_events", "staff"):
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
        await conn.execute(text("ANALYZE"))
    return made[0], made[1]


async def download(client: httpx.AsyncClient, path: str) -> tuple[float, int, int]:
    """Seconds to the last byte, bytes, and lines (CSV rows + 1) of one answer, streamed and dropped."""
    started, size, lines = time.perf_counter(), 0, 0
    async with client.stream("GET", path) as answer:
        assert answer.status_code == 200, (path, answer.status_code)
        async for piece in answer.aiter_raw():
            size += len(piece)
            lines += piece.count(b"\n")
    return time.perf_counter() - started, size, lines


async def traced(client: httpx.AsyncClient, path: str) -> float:
    """Peak MB of Python memory above the start while `path` is downloaded."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        await download(client, path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return (peak - before) / 1e6


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(url: str, n: int) -> None:
    engine = make_engine(url)
    try:
        print(f"\n== {engine.dialect.name}: {n:,} tickets in {HOME}, exported by its admin ==")
        await upgrade_async(url)
        started = time.perf_counter()
        made = await fill(engine, n)
        print(f"filled in {time.perf_counter() - started:.1f} s: {made[0]:,} tickets, {made[1]:,} events")
        ctx = Context(sessions=make_sessions(engine), profile=TAKALAR.profile(HOME), clock=lambda: NOW,
                      kabupaten=TAKALAR)
        settings = Settings(_env_file=None, console_url="https://konsol.test")  # type: ignore[call-arg]

        async def bare(_request: Request) -> PlainTextResponse:
            return PlainTextResponse("ok")

        app = Starlette(routes=[Route("/bare", bare), *console_routes(ctx, settings)])
        token = await redeem_link(ctx, await issue_link(ctx, ADMIN))
        async with loopback(app) as base, httpx.AsyncClient(
                base_url=base, headers={"Cookie": f"{SESSION_COOKIE}={token}"}, timeout=300) as client:
            pages = [("bare page (baseline)", "/bare"), ("Ekspor form page", "/konsol/ekspor"),
                     ("CSV, every case", "/konsol/ekspor.csv"), ("XLSX, every case", "/konsol/ekspor.xlsx"),
                     ("CSV, one month (2026-11)", "/konsol/ekspor.csv?dari=2026-11-01&sampai=2026-11-30"),
                     ("monthly report XLSX (2026-11)", "/konsol/ekspor/bulanan.xlsx?bulan=2026-11")]
            print(f"{'':<32} {'seconds':>8} {'MB sent':>8} {'lines':>8} {'peak extra MB':>14} "
                  f"{'maxrss +MB':>10}  target < {TARGET_S:.0f} s, < {TARGET_MB:.0f} MB")
            for path in ("/bare", "/konsol/ekspor", "/konsol/ekspor.csv?dari=2100-01-01",
                         "/konsol/ekspor.xlsx?dari=2100-01-01", "/konsol/ekspor/bulanan.xlsx?bulan=2100-01"):
                await download(client, path)  # warm: imports, templates, query plans (no rows)
            for name, path in pages:
                rss = max_rss_mb()
                seconds, size, lines = await download(client, path)
                grown = max_rss_mb() - rss
                peak = await traced(client, path)
                verdict = "" if path in ("/bare", "/konsol/ekspor") else (
                    "met" if seconds < TARGET_S and peak < TARGET_MB else "MISSED")
                print(f"{name:<32} {seconds:8.3f} {size / 1e6:8.2f} {lines:8,} {peak:14.2f} {grown:10.1f}  {verdict}")
    finally:
        await engine.dispose()


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", n)
    pg = os.environ.get("LAPOR_TEST_DATABASE", "")
    if pg.startswith("postgresql"):
        await measure(await fresh_postgres(pg), n)
    else:
        print("\n(PostgreSQL skipped: run under scripts/with-postgres.sh)")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
