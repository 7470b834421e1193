"""Reporter replicas on one PostgreSQL behind nginx: the processing rate with 1, 2 and 3, and how long the
survivors take to pick up a killed replica's citizens and outbox claims.

    scripts/with-postgres.sh .venv/bin/python bench/replicas.py [--citizens 200] [--messages 5] [--replicas 1,2,3]

For each count K: a fresh database; K `lapor-camat run --only reporter` processes behind Debian's nginx
(tests/replicas/nginx.py, as the replica test runs them); the WhatsApp simulator in this process (uvicorn)
with CITIZENS citizens, each sending MESSAGES texts ("status": the bot answers with their cases) one after
another, each as soon as the last one's webhook was answered, all citizens at once (at most 50 webhooks in
flight). Measured from the first
message: every webhook answered (stored), every message processed (inbox), every answer sent (outbox), as
messages per second, and the longest any one message waited from its webhook to its processing.

Then K = 3 twice more at a citizen's pace (60 citizens, each sending the next text once the last one's answer
came: no queue builds), the second time with one replica killed by SIGKILL once a third of the messages are
processed (not started again): the longest a citizen's message waited to be processed across the kill (its
turn on the dead replica is taken by a survivor when the citizen's next message comes, or by the sweep after
reporter_bot/citizens.STRANDED_AFTER), and the longest an answer waited between being written and being
sent (a claim of the dead dispatcher is taken over when its lease runs out, core/outbox.LEASE), next to the
same figures without the kill.

The machine's cores are shared by the replicas, PostgreSQL, nginx and the simulator (printed with the
figures): this shows where one machine saturates, not what a larger one gives.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from _common import fresh_postgres  # (also puts the tree under test on sys.path)
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.db.migrate import upgrade_async
from core.outbox import LEASE
from core.profile import SAMPLE_PROFILE, load_profile
from reporter_bot.citizens import STRANDED_AFTER
from simulator.sandbox import SANDBOX_SETTINGS, build_sandbox
from simulator.whatsapp import Citizen
from simulator.whatsapp.received import Received
from tests.replicas.nginx import Nginx, Replica, free_port

PACED_CITIZENS = 60  # the takeover runs: citizens who wait for each answer (the bot keeps up with 60)
CONCURRENT = 50  # webhooks in flight at once (httpx's pool, the simulator's client, slows past ~100 waiting)
LIMIT = float(os.environ.get("BENCH_LIMIT", "600"))  # seconds a run may take
PROGRESS = """select count(*) filter (where processed_at is not null),
                     (select count(*) from outbox where channel = 'whatsapp' and sent_at is null
                                                        and set_aside_at is null)
              from inbox where platform = 'whatsapp' and external_id not like 'status:%'"""
WAITED = """select coalesce(max(extract(epoch from processed_at - received_at)), 0)
            from inbox where platform = 'whatsapp' and external_id not like 'status:%'"""
STUCK = """select sent_at is not null, set_aside_at is not null, attempts, left(coalesce(last_error, ''), 80),
                 count(*) from outbox where channel = 'whatsapp' group by 1, 2, 3, 4 order by 5 desc limit 12"""
ANSWER_WAITED = """select coalesce(max(extract(epoch from sent_at - created_at)), 0)
                   from outbox where channel = 'whatsapp'"""


@dataclass
class Result:
    replicas: int
    messages: int
    acked: float  # seconds from the first message until every webhook was answered
    processed: float  # ... until every message was processed
    sent: float  # ... until every answer was sent (the bot answers several quick texts at once: fewer answers)
    waited: float  # the longest a message waited from its webhook to its processing
    answer_waited: float  # the longest an answer waited from written to sent
    killed: bool = False
    paced: bool = False  # each citizen waited for the answer before the next message


async def _scalar_rows(engine: AsyncEngine, query: str) -> tuple[Any, ...]:
    async with engine.connect() as conn:
        return tuple((await conn.execute(text(query))).one())


ACK_TIMES: list[float] = []


async def _citizen(c: Citizen, messages: int, posting: asyncio.Semaphore, paced: bool) -> None:
    for _ in range(messages):
        async with posting:
            began, seen = time.perf_counter(), len(c.received)
            await c.sends_text("status")  # returns once the webhook was answered (stored by a replica)
            ACK_TIMES.append(time.perf_counter() - began)
        if paced:  # as people do: the next message once the bot has answered this one
            await c.wait_for(functools.partial(_after, c, seen), timeout=120)


def _after(c: Citizen, seen: int, message: Received) -> bool:
    return c.received.index(message) >= seen


async def run_once(admin_url: str, count: int, citizens: int, messages: int, kill: bool, paced: bool = False
                   ) -> Result:
    url = await fresh_postgres(admin_url)
    await upgrade_async(url)
    engine = create_async_engine(url)
    total = citizens * messages
    with tempfile.TemporaryDirectory(prefix="bench-replicas-") as tmp_dir:
        tmp = Path(tmp_dir)
        wa_port, tg_port = free_port(), free_port()
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp), "PTB_TIMEDELTA": "true", **SANDBOX_SETTINGS,
               "DATABASE_URL": url, "WHATSAPP_API_URL": f"http://127.0.0.1:{wa_port}",
               "TELEGRAM_API_URL": f"http://127.0.0.1:{tg_port}", "MEDIA_DIR": str(tmp / "media"),
               "LOG_LEVEL": os.environ.get("BENCH_LOG_LEVEL", "WARNING"), "KECAMATAN_PROFILE": str(SAMPLE_PROFILE)}
        replicas = [Replica(n, tmp, env, ("run", "--only", "reporter")) for n in range(1, count + 1)]
        async with Nginx([r.port for r in replicas]) as proxy:
            sandbox = build_sandbox(load_profile(SAMPLE_PROFILE), f"{proxy.url}/webhook/whatsapp",
                                    f"http://127.0.0.1:{wa_port}", f"http://127.0.0.1:{tg_port}")
            wa = sandbox.whatsapp
            wa.webhook_retry_base_delay, wa._sender.max_attempts = 0.2, 8  # a replica killed: Meta sends again
            server = uvicorn.Server(uvicorn.Config(wa.app, host="127.0.0.1", port=wa_port, log_level="warning",
                                                   lifespan="off"))
            serving = asyncio.create_task(server.serve())
            try:
                while not server.started:
                    await asyncio.sleep(0.02)  # uvicorn offers no "listening" event
                await asyncio.gather(*(r.start() for r in replicas))
                people = [wa.citizen(f"0816{5000_0000 + i:08d}", name=f"Warga {i}") for i in range(citizens)]
                started = time.perf_counter()
                posting = asyncio.Semaphore(CONCURRENT)
                stream = asyncio.gather(*(_citizen(c, messages, posting, paced) for c in people))
                acked = processed = 0.0
                killed = False
                while True:
                    done, owed = await _scalar_rows(engine, PROGRESS)
                    now = time.perf_counter() - started
                    if stream.done() and not acked:
                        await stream
                        acked = now
                    if kill and not killed and done >= total // 3:
                        await replicas[1].kill()
                        killed = True
                        print(f"    killed replica 2 at {now:.1f} s, {done:,} of {total:,} processed", flush=True)
                    if done >= total and not processed:
                        processed = now
                    if processed and acked and not owed:
                        break
                    if now > LIMIT:
                        for r in replicas:
                            print(f"--- {r.log.name} (last lines)\n" + "\n".join(r.log.read_text().splitlines()[-15:]))
                        async with engine.connect() as conn:
                            for row in await conn.execute(text(STUCK)):
                                print("   outbox", tuple(row))
                        answers = Counter(str(a) for d in wa.deliveries for a in d.attempts)
                        print(f"   webhook answers: {dict(answers)}")
                        raise TimeoutError(f"not finished after {LIMIT} s: {done:,} processed, {owed:,} owed")
                    await asyncio.sleep(0.05)
                answers = Counter(str(a) for d in wa.deliveries for a in d.attempts)
                ACK_TIMES.sort()
                print(f"    webhook answers: {dict(answers)}; a message's webhook answered in p50 "
                      f"{ACK_TIMES[len(ACK_TIMES) // 2] * 1000:.0f} ms, max {ACK_TIMES[-1] * 1000:.0f} ms", flush=True)
                ACK_TIMES.clear()
                waited, answer_waited = (await _scalar_rows(engine, WAITED))[0], (
                    await _scalar_rows(engine, ANSWER_WAITED))[0]
                return Result(count, total, acked, processed, now, float(waited), float(answer_waited), kill, paced)
            finally:
                for r in replicas:
                    await r.stop()
                server.should_exit = True
                await serving
                await wa.aclose()
                await engine.dispose()


def show(r: Result, base: Result | None) -> None:
    name = (f"{r.replicas} replica{'s' if r.replicas > 1 else ''}" + (", paced" if r.paced else "")
            + (", one killed" if r.killed else ""))
    speedup = f"{(r.messages / r.processed) / (base.messages / base.processed):5.2f}×" if base else "   —  "
    print(f"{name:<32} {r.messages:>8,} {r.messages / r.acked:>10,.0f} {r.messages / r.processed:>12,.0f} "
          f"{r.messages / r.sent:>10,.0f} {speedup:>8} {r.waited:>12.2f} {r.answer_waited:>12.2f}", flush=True)


async def main(citizens: int, messages: int, counts: list[int], kill: bool) -> None:
    admin = os.environ.get("LAPOR_TEST_DATABASE", "")
    if not admin.startswith("postgresql"):
        sys.exit("replicas share a PostgreSQL database: run under scripts/with-postgres.sh")
    print(f"{citizens} citizens × {messages} texts through nginx; {os.cpu_count()} cores; "
          f"STRANDED_AFTER {STRANDED_AFTER.total_seconds():.0f} s, outbox LEASE {LEASE.total_seconds():.0f} s")
    print(f"\n{'':<32} {'messages':>8} {'acked/s':>10} {'processed/s':>12} {'answered/s':>10} {'vs 1':>8} "
          f"{'max wait s':>12} {'answer max s':>12}", flush=True)
    base: Result | None = None
    for count in counts:
        result = await run_once(admin, count, citizens, messages, kill=False)
        base = base or result
        show(result, base)
    if kill:  # at a pace with no queue, so that a wait is the takeover's and not the backlog's
        show(await run_once(admin, 3, PACED_CITIZENS, messages, kill=False, paced=True), base)
        show(await run_once(admin, 3, PACED_CITIZENS, messages, kill=True, paced=True), base)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--replicas", default="1,2,3", help="replica counts to measure, comma-separated")
    parser.add_argument("--no-kill", action="store_true", help="skip the run with one replica killed")
    args = parser.parse_args()
    asyncio.run(main(args.citizens, args.messages, [int(n) for n in args.replicas.split(",")], not args.no_kill))
