"""The web pages over 100,000 tickets: server time p50/p95 per page next to a bare page, and first-load weight.

.venv/bin/python bench/web_pages.py [N] [REQUESTS]                           # SQLite only
scripts/with-postgres.sh .venv/bin/python bench/web_pages.py [N] [REQUESTS]  # SQLite and PostgreSQL

N tickets (100,000) spread over the nine kecamatan of the Takalar sample install, reported over the last
6 months with states that follow their age (old ones mostly closed, recent ones still open), the steps'
TicketEvent rows (submit, verify, accept, resolve, close, some escalations), report photos and proof
photos, a few confidential. The console's list, a case and its statistics (month, week; one kecamatan and
the kabupaten admin's nine) are measured. One Starlette app made of `console_routes`, `public_routes` (its figures'
cache off: `cache_for=0`) and `open311_routes`, as `lapor-camat run` builds it, plus a bare Route; every
request goes through httpx.ASGITransport, one at a time, REQUESTS (50) per page after 3 warm-ups (a page
still going after 40 s stops at 10 or more: column n). The server time is read by an ASGI wrapper around
the app (its call to the answer's last byte), so the client's own work is not in it; "queries" counts the
statements one request sent; the garbage collector is settled as `lapor-camat run` settles it. Two more rows
show the public pages as served, with the 60 s cache warm. The console is read signed in (a one-time link
redeemed, as the bot's `/konsol` gives), as a verifier of Pattallassang, as a kabupaten admin and as an officer
(whose list shows their own cases first).

Targets (the issues): server time p95 < 150 ms on both engines; first load (HTML + CSS) < 150 kB.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _common import fresh_postgres, pct  # (also puts the tree under test on sys.path)
from sqlalchemy import event, func, insert, select, text
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
from core.db.models import Attachment, Citizen, Staff, StaffRoles, Ticket, TicketCounter, TicketEvent
from core.kabupaten import SAMPLE_KABUPATEN, load_kabupaten
from core.settings import Settings
from lapor_camat.run import settle_garbage_collector
from open311 import open311_routes
from public.pages import public_routes

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # a Monday, 09.00 WITA (the tests' clock)
DAYS = 183
BATCH = 10_000
WARMUP = 3
PAGE_SECONDS = 40.0  # a page slower than this in all stops after MIN_REQUESTS (its n says so)
MIN_REQUESTS = 10
TARGET_MS = 150.0
TARGET_KB = 150.0
VERIFIER, ADMIN, OFFICER = 1001, 9101, 2001  # Telegram ids: a verifier of Pattallassang, a kabupaten admin, an officer
HOME = "pattallassang"
# Each kecamatan's share of the tickets (Pattallassang, the sample's own, is the busiest).
WEIGHTS = {"pattallassang": 16, "galesong": 14, "galesong_selatan": 11, "galesong_utara": 11,
           "mangarabombang": 11, "mappakasunggu": 8, "polombangkeng_selatan": 10, "polombangkeng_utara": 12,
           "sanrobone": 7}
WORDS = ("Sampah menumpuk di depan pasar sudah tiga hari", "Lampu jalan mati sejak minggu lalu dekat masjid",
         "Jalan berlubang besar, motor sering jatuh", "Got tersumbat, air meluap ke rumah warga saat hujan",
         "Pohon tumbang menutup sebagian jalan desa", "Pelayanan KTP di kantor desa lambat",
         "Mohon perbaikan jembatan kecil di dusun", "Bantuan sosial belum diterima, tolong dicek")
TAKALAR = load_kabupaten(SAMPLE_KABUPATEN)


def _pick(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([s for s, _ in table], [w for _, w in table])[0]


def final_state(rng: random.Random, age_days: float) -> str:
    """The state a ticket reported `age_days` ago is in now: the older, the likelier finished."""
    if age_days > 30:
        table = (("closed", 78), ("rejected", 8), ("duplicate", 4), ("cancelled", 3), ("resolved", 1),
                 ("in_progress", 3), ("forwarded", 2), ("verified", 0.6), ("received", 0.4))
    elif age_days > 7:
        table = (("closed", 45), ("resolved", 12), ("in_progress", 18), ("forwarded", 5), ("verified", 5),
                 ("received", 3), ("rejected", 7), ("duplicate", 3), ("cancelled", 2))
    else:
        table = (("received", 22), ("verified", 18), ("in_progress", 25), ("resolved", 10), ("closed", 8),
                 ("forwarded", 3), ("rejected", 8), ("duplicate", 4), ("cancelled", 2))
    return _pick(rng, table)


# The steps (action, from, to) a ticket went through to reach each state, after its submit.
PATHS = {
    "received": (),
    "verified": (("verify", "received", "verified"),),
    "in_progress": (("verify", "received", "verified"), ("accept", "verified", "in_progress")),
    "forwarded": (("verify", "received", "verified"), ("forward", "verified", "forwarded")),
    "resolved": (("verify", "received", "verified"), ("accept", "verified", "in_progress"),
                 ("resolve", "in_progress", "resolved")),
    "closed": (("verify", "received", "verified"), ("accept", "verified", "in_progress"),
               ("resolve", "in_progress", "resolved"), ("confirm_fixed", "resolved", "closed")),
    "rejected": (("reject", "received", "rejected"),),
    "duplicate": (("mark_duplicate", "received", "duplicate"),),
    "cancelled": (("cancel", "received", "cancelled"),),
}
STAGE_OF_ACTION = {"verify": "verify", "accept": "accept", "resolve": "resolve"}
OPEN = {"received": "verify", "verified": "accept", "in_progress": "resolve", "resolved": "confirm",
        "forwarded": "agency"}


def rows(n: int, seed: int = 7) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]]:
    """(ticket, its events, its attachments) for `n` tickets; ids are given here (1..n) so children can point."""
    rng = random.Random(seed)
    codes = list(WEIGHTS)
    counters = dict.fromkeys(codes, 0)
    created_times = sorted(NOW - timedelta(seconds=rng.uniform(0, DAYS * 86400)) for _ in range(n))
    for tid, created in enumerate(created_times, start=1):
        code = rng.choices(codes, [WEIGHTS[c] for c in codes])[0]
        profile = TAKALAR.profile(code)
        counters[code] += 1
        age = (NOW - created).total_seconds() / 86400
        state = final_state(rng, age)
        category = rng.choice(profile.categories).code
        desa = rng.choice(profile.desa).name
        located = rng.random() < 0.6 and profile.office is not None
        lat = profile.office[0] + rng.uniform(-0.03, 0.03) if located else None  # type: ignore[index]
        lon = profile.office[1] + rng.uniform(-0.03, 0.03) if located else None  # type: ignore[index]
        privacy = _pick(rng, (("normal", 85), ("anonymous", 10), ("confidential", 5)))
        at = created
        times: dict[str, datetime] = {}
        events = [{"ticket_id": tid, "action": "submit", "actor_kind": "citizen", "actor_id": 1 + tid % 20_000,
                   "actor_name": "", "from_state": None, "to_state": "received", "data": {}, "created_at": at}]
        span = max(60.0, (NOW - created).total_seconds())
        for action, before, after in PATHS[state]:
            at = min(NOW - timedelta(seconds=1), at + timedelta(seconds=rng.uniform(0.02, 0.3) * span / 3))
            stage = STAGE_OF_ACTION.get(action)
            if stage and rng.random() < 0.15:  # this stage ran late: escalated on the way
                events.append({"ticket_id": tid, "action": "escalate", "actor_kind": "system", "actor_id": None,
                               "actor_name": "", "from_state": before, "to_state": before,
                               "data": {"stage": stage, "level": 1}, "created_at": at - timedelta(minutes=30)})
            if action == "resolve" and rng.random() < 0.3:
                events.append({"ticket_id": tid, "action": "add_progress", "actor_kind": "staff", "actor_id": 3,
                               "actor_name": "Petugas", "from_state": before, "to_state": before,
                               "data": {"text": "Sedang dikerjakan"}, "created_at": at - timedelta(minutes=10)})
            events.append({"ticket_id": tid, "action": action, "actor_kind": "staff", "actor_id": 2 + tid % 3,
                           "actor_name": "Petugas", "from_state": before, "to_state": after,
                           "data": {"reason": "Data kurang lengkap"} if action == "reject" else {}, "created_at": at})
            times[action] = at
        attachments = []
        if rng.random() < 0.35:
            attachments.append(_attachment(tid, "report", "citizen", created))
        if "resolve" in times and rng.random() < 0.7:
            attachments.append(_attachment(tid, "proof", "staff", times["resolve"]))
        waiting = OPEN.get(state)
        deadline = at + timedelta(days=rng.uniform(0.5, 5)) if waiting else None
        ticket = {
            "id": tid, "number": f"{profile.ticket_prefix}-{counters[code]:06d}", "kecamatan": code,
            "report_type": "complaint", "category": category, "description": rng.choice(WORDS),
            "latitude": lat, "longitude": lon, "address": f"Jl. Poros {desa} no. {rng.randrange(1, 200)}",
            "desa": desa, "reporter_id": 1 + tid % 20_000, "privacy": privacy, "state": state,
            "stage_started_at": at, "stage_deadline_at": deadline,
            "escalation_level": (2 if deadline < NOW else 0) if deadline else rng.randrange(2),
            "assignee_id": 3 if "accept" in times else None,
            "rating": rng.randrange(3, 6) if state == "closed" and rng.random() < 0.5 else None,
            "reject_reason": "Data kurang lengkap" if state == "rejected" else None,
            "forward_agency": rng.choice(("pupr", "pdam", "pln")) if state == "forwarded" or (
                state == "closed" and rng.random() < 0.05) else None,
            "created_at": created, "updated_at": at, "verified_at": times.get("verify"),
            "accepted_at": times.get("accept"), "resolved_at": times.get("resolve"),
            "closed_at": times.get("confirm_fixed") or (at if state in ("rejected", "duplicate", "cancelled")
                                                        else None),
        }
        yield ticket, events, attachments


def _attachment(tid: int, role: str, by: str, at: datetime) -> dict[str, Any]:
    return {"ticket_id": tid, "kind": "photo", "role": role, "platform": "whatsapp" if by == "citizen" else "telegram",
            "platform_ref": f"ref-{tid}-{role}", "sha256": None, "mime": "image/jpeg", "size": 120_000,
            "stored_path": f"{tid % 100:02d}/{tid}-{role}.jpg", "caption": "", "added_by_kind": by,
            "added_by_id": 3 if by == "staff" else 1 + tid % 20_000, "created_at": at}


async def fill(engine: AsyncEngine, n: int) -> dict[str, int]:
    """Citizens, staff (a verifier of Pattallassang, officers, a kabupaten admin), then the tickets."""
    async with engine.begin() as conn:
        await conn.execute(insert(Citizen), [{"wa_id": f"62812{i:07d}", "name": "", "locale": "id",
                                              "created_at": NOW - timedelta(days=DAYS)} for i in range(1, 20_001)])
        await conn.execute(insert(Staff), [
            {"id": 1, "telegram_id": ADMIN, "name": "Admin Kabupaten", "kabupaten_roles": ["kabupaten_admin"],
             "desa": [], "active": True, "created_at": NOW - timedelta(days=DAYS)},
            {"id": 2, "telegram_id": VERIFIER, "name": "Verifikator", "kabupaten_roles": [], "desa": [],
             "active": True, "created_at": NOW - timedelta(days=DAYS)},
            {"id": 3, "telegram_id": 2001, "name": "Petugas Lapangan", "kabupaten_roles": [], "desa": [],
             "active": True, "created_at": NOW - timedelta(days=DAYS)},
            {"id": 4, "telegram_id": 2002, "name": "Camat", "kabupaten_roles": [], "desa": [],
             "active": True, "created_at": NOW - timedelta(days=DAYS)}])
        await conn.execute(insert(StaffRoles), [
            {"staff_id": 2, "kecamatan": HOME, "roles": ["verifier"], "on_duty": True, "duty_until": None},
            {"staff_id": 3, "kecamatan": HOME, "roles": ["officer"], "on_duty": True, "duty_until": None},
            {"staff_id": 4, "kecamatan": HOME, "roles": ["camat"], "on_duty": True, "duty_until": None}])
    tickets: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    counts = {"tickets": 0, "events": 0, "attachments": 0}
    per_prefix: dict[str, int] = {}

    async def flush() -> None:
        async with engine.begin() as conn:
            if tickets:
                await conn.execute(insert(Ticket), tickets)
            if events:
                await conn.execute(insert(TicketEvent), events)
            if files:
                await conn.execute(insert(Attachment), files)
        counts["tickets"] += len(tickets)
        counts["events"] += len(events)
        counts["attachments"] += len(files)
        tickets.clear()
        events.clear()
        files.clear()

    for ticket, evs, atts in rows(n):
        tickets.append(ticket)
        events.extend(evs)
        files.extend(atts)
        prefix = ticket["number"].partition("-")[0]
        per_prefix[prefix] = per_prefix.get(prefix, 0) + 1
        if len(tickets) == BATCH:
            await flush()
    await flush()
    async with engine.begin() as conn:
        await conn.execute(insert(TicketCounter), [{"prefix": p, "last_value": v} for p, v in per_prefix.items()])
        if engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in ("tickets", "ticket_events", "attachments", "staff"):
                await conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                        f"(SELECT max(id) FROM {table}))"))
        await conn.execute(text("ANALYZE"))
    if engine.dialect.name == "postgresql":  # as autovacuum soon would after a load: index-only scans then skip
        async with engine.connect() as conn:  # the table (its visibility map set), instead of whenever it runs
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).execute(text("VACUUM"))
    return counts


class Timed:
    """An ASGI wrapper: the server's time of each request, from its call to the answer's last byte."""

    def __init__(self, app: Any) -> None:
        self.app, self.last = app, 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()
        await self.app(scope, receive, send)
        self.last = time.perf_counter() - started


class Queries:
    """Counts the statements the engine sends (per request)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.count = 0
        event.listen(engine.sync_engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: Any) -> None:
        self.count += 1


async def signed_in(client: httpx.AsyncClient, ctx: Context, telegram_id: int) -> None:
    """A session cookie as the link from the bot gives one (issued and redeemed, as the Masuk button does)."""
    token = await redeem_link(ctx, await issue_link(ctx, telegram_id))
    client.cookies.set(SESSION_COOKIE, token, domain="konsol.test", path="/konsol")


async def measure(url: str, n: int, count: int) -> None:
    engine = make_engine(url)
    media = Path(tempfile.mkdtemp(prefix="web-media-"))
    try:
        print(f"\n== {engine.dialect.name}: {n:,} tickets over {len(WEIGHTS)} kecamatan, {count} requests a page ==",
              flush=True)
        await upgrade_async(url)
        started = time.perf_counter()
        made = await fill(engine, n)
        print(f"filled in {time.perf_counter() - started:.1f} s: {made['tickets']:,} tickets, "
              f"{made['events']:,} events, {made['attachments']:,} attachments", flush=True)
        ctx = Context(sessions=make_sessions(engine), profile=TAKALAR.profile(HOME), clock=lambda: NOW,
                      kabupaten=TAKALAR)
        async with engine.connect() as conn:
            home_numbers = list(await conn.scalars(select(Ticket.number).where(Ticket.kecamatan == HOME)
                                                   .order_by(func.random()).limit(count + WARMUP)))
            public_numbers = list(await conn.scalars(
                select(Ticket.number).where(Ticket.kecamatan == HOME, Ticket.privacy != "confidential",
                                            Ticket.state.not_in(["rejected", "cancelled"]))
                .order_by(func.random()).limit(count + WARMUP)))
            by_state = dict((await conn.execute(select(Ticket.state, func.count()).where(Ticket.kecamatan == HOME)
                                                .group_by(Ticket.state))).all())
        print(f"{HOME}: {sum(by_state.values()):,} tickets; "
              + ", ".join(f"{s} {c:,}" for s, c in sorted(by_state.items())))
        settings = Settings(_env_file=None, console_url="https://konsol.test", media_dir=media)  # type: ignore[call-arg]

        async def bare(_request: Request) -> PlainTextResponse:
            return PlainTextResponse("ok")

        app = Timed(Starlette(routes=[Route("/bare", bare), *console_routes(ctx, settings),
                                      *open311_routes(ctx, settings), *public_routes(ctx, settings, cache_for=0)]))
        # the public pages as served, with their 60 s figures cache (warm after the first request): context only
        cached = Timed(Starlette(routes=public_routes(ctx, settings)))
        settle_garbage_collector()  # as `lapor-camat run` does once its parts are up
        queries = Queries(engine)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://konsol.test") as verifier, \
                httpx.AsyncClient(transport=transport, base_url="https://konsol.test") as admin, \
                httpx.AsyncClient(transport=transport, base_url="https://konsol.test") as officer, \
                httpx.AsyncClient(transport=httpx.ASGITransport(app=cached), base_url="https://konsol.test") as warm:
            await signed_in(verifier, ctx, VERIFIER)
            await signed_in(admin, ctx, ADMIN)
            await signed_in(officer, ctx, OFFICER)

            def fixed(path: str) -> Callable[[int], str]:
                return lambda _i: path

            pages: list[tuple[str, httpx.AsyncClient, Callable[[int], str]]] = [
                ("bare page (baseline)", verifier, fixed("/bare")),
                ("/konsol/kasus (verifier, 1 kecamatan)", verifier, fixed("/konsol/kasus")),
                ("/konsol/kasus (kabupaten admin, 9)", admin, fixed("/konsol/kasus")),
                ("/konsol/kasus (officer: their own first)", officer, fixed("/konsol/kasus")),
                ("/konsol/kasus?hal=40 (officer, page 40)", officer, fixed("/konsol/kasus?hal=40")),
                ("/konsol/kasus?status=terbuka (every open state)", verifier, fixed("/konsol/kasus?status=terbuka")),
                ("/konsol/kasus?status=in_progress&kategori=sampah", verifier,
                 fixed("/konsol/kasus?status=in_progress&kategori=sampah")),
                ("/konsol/kasus?terlambat=1&urut=tenggat", verifier, fixed("/konsol/kasus?terlambat=1&urut=tenggat")),
                ("/konsol/kasus?q=jembatan (search)", verifier, fixed("/konsol/kasus?q=jembatan")),
                ("/konsol/kasus?hal=40 (page 40)", verifier, fixed("/konsol/kasus?hal=40")),
                ("/konsol/kasus/{number} (detail)", verifier, lambda i: f"/konsol/kasus/{home_numbers[i]}"),
                ("/konsol/statistik (verifier, this month)", verifier, fixed("/konsol/statistik")),
                ("/konsol/statistik?periode=minggu (verifier)", verifier, fixed("/konsol/statistik?periode=minggu")),
                ("/konsol/statistik (kabupaten admin, 9)", admin, fixed("/konsol/statistik")),
                ("/publik (kabupaten)", verifier, fixed("/publik")),
                (f"/publik/{HOME}", verifier, fixed(f"/publik/{HOME}")),
                (f"/publik/{HOME}/kasus?nomor= (lookup)", verifier,
                 lambda i: f"/publik/{HOME}/kasus?nomor={public_numbers[i]}"),
                *[(f"/open311/v2/requests.{fmt}?page_size=1000", verifier,
                   fixed(f"/open311/v2/requests.{fmt}?page_size=1000&jurisdiction_id={HOME}"))
                  for fmt in ("json", "xml")],
                ("/publik (with its 60 s cache, warm)", warm, fixed("/publik")),
                (f"/publik/{HOME} (with its 60 s cache, warm)", warm, fixed(f"/publik/{HOME}")),
                ("bare page (baseline, again)", verifier, fixed("/bare")),
            ]
            print(f"\n{'page':<52} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'× bare p50':>10} {'queries':>7}"
                  f" {'bytes':>9} {'n':>3}  target p95 < {TARGET_MS:.0f} ms", flush=True)
            base = 0.0
            for name, client, path in pages:
                times: list[float] = []
                statements = size = 0
                try:
                    started = time.perf_counter()
                    for i in range(WARMUP + count):
                        if len(times) >= MIN_REQUESTS and time.perf_counter() - started > PAGE_SECONDS:
                            break  # a slow page: fewer requests (the count is printed)
                        before = queries.count
                        answer = await client.get(path(i))
                        size = len(answer.content)
                        if answer.status_code != 200:
                            raise RuntimeError(f"{path(i)} answered {answer.status_code}: {answer.text[:300]}")
                        if i >= WARMUP:
                            times.append((cached if client is warm else app).last * 1000)
                            statements = queries.count - before
                except Exception as exc:  # another page's failure must not lose the figures measured so far
                    print(f"{name:<52} FAILED: {exc!r}"[:400], flush=True)
                    continue
                p50, p95 = pct(times, 50), pct(times, 95)
                base = base or p50
                verdict = "" if name.startswith("bare") else ("met" if p95 < TARGET_MS else "MISSED")
                print(f"{name:<52} {p50:8.2f} {p95:8.2f} {max(times):8.2f} {p50 / base:10.0f} {statements:7d}"
                      f" {size:9,} {len(times):3d}  {verdict}", flush=True)
            css = {"konsol": len((await verifier.get("/konsol/static/konsol.css")).content),
                   "publik": len((await verifier.get("/publik/static/publik.css")).content)}
            print(f"\n{'first load (HTML + CSS, uncompressed)':<52} {'HTML':>9} {'CSS':>7} {'total kB':>9} "
                  f"{'HTML gzip':>9}  target < {TARGET_KB:.0f} kB", flush=True)
            for label, client, address, sheet in (
                    ("console list /konsol/kasus", verifier, "/konsol/kasus", "konsol"),
                    ("console list, kabupaten admin", admin, "/konsol/kasus", "konsol"),
                    ("console detail", verifier, f"/konsol/kasus/{home_numbers[0]}", "konsol"),
                    ("console statistics /konsol/statistik", verifier, "/konsol/statistik", "konsol"),
                    ("public /publik", verifier, "/publik", "publik"),
                    (f"public /publik/{HOME}", verifier, f"/publik/{HOME}", "publik")):
                answer = await client.get(address)
                if answer.status_code != 200:
                    print(f"{label:<52} FAILED: {answer.status_code}", flush=True)
                    continue
                html, zipped = len(answer.content), len(gzip.compress(answer.content))
                total = (html + css[sheet]) / 1000
                print(f"{label:<52} {html:9,} {css[sheet]:7,} {total:9.1f} {zipped:9,}  "
                      f"{'met' if total < TARGET_KB else 'MISSED'}", flush=True)
    finally:
        await engine.dispose()


async def main(n: int, count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", n, count)
    pg = os.environ.get("LAPOR_TEST_DATABASE", "")
    if pg.startswith("postgresql"):
        await measure(await fresh_postgres(pg), n, count)
    else:
        print("\n(PostgreSQL skipped: run under scripts/with-postgres.sh)")


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    asyncio.run(main(args[0] if args else 100_000, args[1] if len(args) > 1 else 50))
