"""Crash: `lapor-camat run` is killed with SIGKILL at seeded random moments while citizens report, and restarted.

The simulators run in the test process on loopback sockets, like the platforms; WhatsApp retries a
webhook until it gets a 200 (Meta does, for days). In the end every report whose Kirim got a 200 is
a ticket, every outbox row was delivered, and each citizen got each message; neither platform has an
idempotency key for sends, so a message sent just before a kill and not yet marked is sent again
after the restart: those duplicates on the wire are counted and printed.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sqlite3
import sys
from collections import Counter
from pathlib import Path

import httpx
import uvicorn

from core.profile import SAMPLE_PROFILE, load_profile
from simulator.sandbox import SANDBOX_SETTINGS, build_sandbox
from simulator.whatsapp import Citizen
from tests.faults.conftest import is_ack, number_in, short_report

CLI = str(Path(sys.executable).parent / "lapor-camat")
CITIZENS, KILLS, SEED = 12, 3, 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


UNFINISHED = ("select (select count(*) from outbox where sent_at is null),"
              " (select count(*) from inbox where processed_at is null)")


class System:
    """`lapor-camat run --migrate` as a child process that can be killed and started again."""

    def __init__(self, tmp_path: Path, port: int, wa_port: int, tg_port: int) -> None:
        self.tmp_path, self.port, self.runs = tmp_path, port, 0
        self.db = tmp_path / "lapor.db"
        self.env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PTB_TIMEDELTA": "true",
                    **SANDBOX_SETTINGS, "DATABASE_URL": f"sqlite+aiosqlite:///{self.db}",
                    "WHATSAPP_API_URL": f"http://127.0.0.1:{wa_port}", "TELEGRAM_API_URL": f"http://127.0.0.1:{tg_port}",
                    "HTTP_PORT": str(port), "MEDIA_DIR": str(tmp_path / "media"), "LOG_LEVEL": "WARNING",
                    "KECAMATAN_PROFILE": str(SAMPLE_PROFILE)}
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.runs += 1
        log = open(self.tmp_path / f"run-{self.runs}.log", "wb")  # noqa: SIM115 (the child writes to it)
        self.proc = await asyncio.create_subprocess_exec(CLI, "run", "--migrate", cwd=self.tmp_path, env=self.env,
                                                         stdout=log, stderr=log)
        log.close()
        async with httpx.AsyncClient() as client, asyncio.timeout(30):
            while True:  # the child offers no readiness event; its health check is the signal
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/healthz")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                assert self.proc.returncode is None, (self.tmp_path / f"run-{self.runs}.log").read_text()
                await asyncio.sleep(0.05)

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no draining, no cleanup
        await self.proc.wait()

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            await asyncio.wait_for(self.proc.wait(), 20)

    async def finished(self, timeout: float = 120) -> None:
        """Until nothing is left to process or deliver (a bounded poll: the child offers no event)."""
        async with asyncio.timeout(timeout):
            while self.rows(UNFINISHED) != [(0, 0)]:
                await asyncio.sleep(0.2)

    def rows(self, query: str) -> list[tuple[object, ...]]:
        with sqlite3.connect(self.db) as db:
            return db.execute(query).fetchall()


async def _report(sim_citizen: Citizen, i: int, delivered: dict[str, bool], sim: object) -> None:
    for name, send, answered in short_report(i):
        wamid = await send(sim_citizen)
        while not _got_200(sim, wamid):  # Meta keeps retrying a webhook it could not deliver
            await sim.redeliver(wamid)  # type: ignore[attr-defined]
        if name == "send":
            delivered[sim_citizen.wa_id] = True
        await sim_citizen.wait_for(answered, timeout=90)


def _got_200(sim: object, wamid: str) -> bool:
    return any(d.item_id == wamid and d.delivered for d in sim.deliveries)  # type: ignore[attr-defined]


async def test_killed_and_restarted_it_loses_no_report_and_no_notification(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    port, wa_port, tg_port = _free_port(), _free_port(), _free_port()
    sandbox = build_sandbox(load_profile(SAMPLE_PROFILE), f"http://127.0.0.1:{port}/webhook/whatsapp",
                            f"http://127.0.0.1:{wa_port}", f"http://127.0.0.1:{tg_port}")
    wa, tg = sandbox.whatsapp, sandbox.telegram
    wa.webhook_retry_base_delay, wa._sender.max_attempts = 0.2, 8  # retry for ~50 s, as Meta would
    tg.limits.enabled = False  # the bot paces itself; this run is about crashes, not flood limits
    servers = [uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=p, log_level="warning", lifespan="off"))
               for app, p in ((wa.app, wa_port), (tg.app, tg_port))]
    serving = [asyncio.create_task(server.serve()) for server in servers]
    system = System(tmp_path, port, wa_port, tg_port)
    try:
        while not all(server.started for server in servers):
            await asyncio.sleep(0.02)  # uvicorn offers no "listening" event
        await system.start()
        citizens = [wa.citizen(f"0815{3000_0000 + i:08d}", name=f"Warga {i}") for i in range(CITIZENS)]
        delivered: dict[str, bool] = {}
        stream = asyncio.gather(*(_report(c, i, delivered, wa) for i, c in enumerate(citizens)))
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.3, 2.0))  # a random point in the stream (seeded)
            await system.kill()
            await system.start()
        await asyncio.wait_for(stream, 180)

        desk = tg.chat(sandbox_desk_id())
        numbers = [number_in(next(m for m in c.received if is_ack(m)).text) for c in citizens]
        for number in numbers:
            await desk.wait_for(lambda m, n=number: m.from_bot and n in (m.text or ""), timeout=60)
        await system.finished()  # "then let it finish": the last notifications may still be on their way
    finally:
        await system.stop()
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*serving, return_exceptions=True)
        await wa.aclose()
        await tg.aclose()

    tickets = system.rows("select number from tickets")
    assert len(delivered) == CITIZENS and sorted(n for (n,) in tickets) == sorted(numbers)
    assert system.rows("select count(*) from outbox where sent_at is null") == [(0,)]
    assert system.rows("select count(*) from inbox where processed_at is null") == [(0,)]
    acks = Counter(number_in(m.text) for c in citizens for m in c.received if is_ack(m))
    sent = {wamid for (wamid,) in system.rows("select external_id from sent_messages where channel = 'whatsapp'")}
    wire = Counter({"whatsapp": sum(1 for c in citizens for m in c.received if m.wamid not in sent),
                    "telegram": sum(max(0, sum(1 for m in desk.bot_messages if (m.text or "").startswith(f"{n} ·")) - 1)
                                    for n in numbers)})
    print(f"\n{system.runs} runs ({KILLS} kills); {len(tickets)} tickets; acknowledgements per ticket "
          f"{sorted(set(acks.values()))}; duplicates on the wire {dict(wire)}")
    assert set(acks) == set(numbers)


def sandbox_desk_id() -> int:
    return load_profile(SAMPLE_PROFILE).telegram.desk_chat_id
