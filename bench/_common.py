"""Shared pieces of the benchmarks: percentiles, loopback servers, `lapor-camat run` as a subprocess, RSS."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx
import uvicorn

ROOT = pathlib.Path(__file__).resolve().parents[1]
# the tree whose code is measured: this one, or another checkout (bench/compare.py sets it, and PYTHONPATH
# to the same tree so that subprocesses such as `lapor-camat run` import it too); the venv stays ROOT's
TREE = pathlib.Path(os.environ.get("LAPOR_BENCH_TREE") or ROOT).resolve()
sys.path.insert(0, str(TREE))
LAPOR_CAMAT = ROOT / ".venv" / "bin" / "lapor-camat"
HOST = "127.0.0.1"


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of `values`, in the same unit."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    """p50/p99/max of seconds, printed in milliseconds."""
    return (f"p50 {pct(values, 50) * 1000:7.1f} ms, p99 {pct(values, 99) * 1000:7.1f} ms, "
            f"max {max(values) * 1000:7.1f} ms" if values else "no samples")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def loopback(app: Any, port: int | None = None) -> AsyncIterator[str]:
    """Serve an ASGI app on 127.0.0.1 in this event loop; yields its base URL."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on accepted sockets whose proto is TCP
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((HOST, port or 0))
    listener.listen(1024)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    try:
        yield f"http://{HOST}:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task


def system_env(database_url: str, port: int, folder: pathlib.Path, **more: str) -> dict[str, str]:
    """The environment `lapor-camat run` gets: the sandbox credentials, loopback URLs, a temp media dir."""
    from core.profile import SAMPLE_PROFILE
    from simulator.sandbox import SANDBOX_SETTINGS

    env = {k: v for k, v in os.environ.items() if not k.startswith(("WHATSAPP_", "TELEGRAM_", "DATABASE_"))}
    env.update(SANDBOX_SETTINGS)
    env.update({"DATABASE_URL": database_url, "KECAMATAN_PROFILE": str(SAMPLE_PROFILE), "HTTP_HOST": HOST,
                "HTTP_PORT": str(port), "LOG_LEVEL": "WARNING",
                "MEDIA_DIR": str(folder / "media"), **more})
    return env


@contextlib.asynccontextmanager
async def system(argv: list[str], env: Mapping[str, str], port: int, log: pathlib.Path,
                 timeout: float = 60) -> AsyncIterator[subprocess.Popen[bytes]]:
    """A server subprocess (e.g. `lapor-camat run`; cwd = the log's temp dir: no .env), ready when /healthz answers."""
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, env=dict(env), cwd=log.parent, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        await wait_healthy(f"http://{HOST}:{port}", proc, log, timeout)
        yield proc
    finally:
        proc.terminate()
        try:
            await asyncio.to_thread(proc.wait, 30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def wait_healthy(base: str, proc: subprocess.Popen[bytes] | None, log: pathlib.Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base, timeout=2) as client:
        while time.monotonic() < deadline:
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"process exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get("/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise TimeoutError(f"{base} not healthy after {timeout}s:\n{log.read_text()[-3000:]}")


async def pending(base: str) -> dict[str, Any]:
    """inbox_pending / outbox_pending of a running system: its /metrics gauges (the peers, and trees from before
    /readyz, give them in /healthz)."""
    from prometheus_client.parser import text_string_to_metric_families

    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        health = dict((await client.get("/healthz")).json())
        if "inbox_pending" in health:
            return health
        found: dict[str, dict[str, int]] = {"inbox_pending": {}, "outbox_pending": {}}
        for family in text_string_to_metric_families((await client.get("/metrics")).text):
            gauge = found.get(family.name.removeprefix("lapor_"))
            for sample in family.samples if gauge is not None else ():  # the same from every replica
                key = sample.labels.get("platform") or sample.labels.get("channel") or ""
                gauge[key] = max(gauge.get(key, 0), int(sample.value))
        return {**health, **found}


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in kB."""
    found: dict[str, int] = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


async def fresh_postgres(admin_url: str) -> str:
    """A new empty database on the server of `admin_url` (LAPOR_TEST_DATABASE from scripts/with-postgres.sh)."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from core.db.engine import make_engine

    name = f"lapor_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def postgres_admin_url() -> str | None:
    url = os.environ.get("LAPOR_TEST_DATABASE", "")
    return url if url.startswith("postgresql") else None
