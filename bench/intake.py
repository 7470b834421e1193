"""Intake ceiling: signed WhatsApp text webhooks acknowledged by `lapor-camat run --only reporter`, against a bare app.

    .venv/bin/python bench/intake.py [--seconds 10] [--connections 32] [--rate 200] [--citizens 10000]
    scripts/with-postgres.sh .venv/bin/python bench/intake.py      # also on PostgreSQL (a fresh database)

Everything on 127.0.0.1. The system runs as a subprocess (settings by environment, `--migrate`, SQLite in a
temp dir or a fresh PostgreSQL database); its WhatsApp API URL points at a stub Graph API in a process of
its own (not the load generator's), which answers every send. Two loads, each against the bare Starlette
baseline (same uvicorn settings, `bench/_bare_app.py`), the peer a user would otherwise pick — a plain pywa
bot (`bench/_pywa_peer.py`: pywa's own Starlette webhook routes, signatures checked with the app secret,
a handler replying from memory to the same Graph stub, nothing stored; `--no-peer` skips it) — and the system:

- fixed rate: `--rate` msg/s for `--seconds` (httpx, open loop; latency from each request's scheduled time);
- ceiling: `wrk` (apt-get install wrk) with `--connections` keep-alive connections for `--seconds`,
  unique wamids from `--citizens` citizens (bench/_intake.lua); then the time to process the backlog.

`--py-spy FILE.txt` records the system's stacks (py-spy, collapsed format) during each load.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import (
    HOST,
    LAPOR_CAMAT,
    ROOT,
    free_port,
    fresh_postgres,
    pct,
    pending,
    postgres_admin_url,
    system,
    system_env,
)
from _http_load import open_loop
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.sandbox import SANDBOX_SETTINGS

SECRET = SANDBOX_SETTINGS["WHATSAPP_APP_SECRET"].encode()
PHONE_ID = SANDBOX_SETTINGS["WHATSAPP_PHONE_ID"]
WABA_ID = SANDBOX_SETTINGS["WHATSAPP_WABA_ID"]
STORIES = ("Lampu jalan mati di depan masjid", "Sampah menumpuk di pasar", "Saluran tersumbat, air meluap",
           "Jalan berlubang dekat sekolah", "cek status")


def webhook(n: int, citizens: int, prefix: str) -> tuple[str, bytes]:
    """A signed text-message webhook as WhatsApp sends it: (signature, body); wamid unique per (prefix, n)."""
    wa_id = f"62813{n % citizens:08d}"
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "6241100000001",
                                                           "phone_number_id": PHONE_ID},
             "contacts": [{"wa_id": wa_id, "user_id": f"ID.{n % citizens}", "profile": {"name": "Warga"}}],
             "messages": [{"from": wa_id, "id": f"wamid.{prefix}{n:09d}", "timestamp": str(int(time.time())),
                           "type": "text", "text": {"body": f"{STORIES[n % len(STORIES)]} {n}"}}]}
    body = json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": WABA_ID, "changes": [{"field": "messages", "value": value}]}]},
                      separators=(",", ":")).encode()
    return "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest(), body


def graph_stub() -> Starlette:
    """Answers every Graph API call the bot makes (send, mark read) the way the Cloud API does."""
    ids = itertools.count()

    async def messages(request: Request) -> Response:
        payload = json.loads(await request.body() or b"{}")
        # a phone number (`to`) comes back as wa_id, a business-scoped user id (`recipient`, pywa's default) as user_id
        contact = ({"input": str(payload["to"]), "wa_id": str(payload["to"])} if payload.get("to") else
                   {"input": str(payload.get("recipient", "")), "user_id": str(payload.get("recipient", ""))})
        return JSONResponse({"messaging_product": "whatsapp", "success": True,
                             "contacts": [contact], "messages": [{"id": f"wamid.stub{next(ids)}"}]})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/{version}/{phone}/messages", messages, methods=["POST"]),
                             Route("/healthz", healthz)])


def stub_process(folder: Path) -> tuple[str, Any]:
    """The Graph stub in a process of its own (the load generator's loop must not also serve the sends)."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "--factory", "intake:graph_stub", "--host", HOST, "--port", str(port),
            "--log-level", "warning", "--no-access-log"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), str(ROOT)])}
    return f"http://{HOST}:{port}", system(argv, env, port, folder / "graph-stub.log")


@dataclass
class Figures:
    rate: float = 0.0
    p50: float = 0.0
    p99: float = 0.0
    errors: int = 0
    fixed_p50: float = 0.0
    fixed_p99: float = 0.0
    fixed_errors: int = 0
    drained_s: float | None = None
    note: str = ""


async def fixed_rate(url: str, rate: int, seconds: float, citizens: int, prefix: str, f: Figures) -> None:
    """Open loop: request i is due at start + i/rate; latency counts from when it was due (bench/_http_load.py)."""
    n = int(rate * seconds)
    requests = [({"X-Hub-Signature-256": signature, "Content-Type": "application/json"}, body)
                for signature, body in (webhook(i, citizens, prefix) for i in range(n))]
    latencies, f.fixed_errors = await open_loop(url, "/webhook/whatsapp", requests, rate)
    f.fixed_p50, f.fixed_p99 = pct(latencies, 50) * 1000, pct(latencies, 99) * 1000


def record(spy: tuple[int, str] | None, seconds: float) -> subprocess.Popen[bytes] | None:
    """py-spy recording the process's stacks for `seconds` (collapsed format), if asked for."""
    if spy is None:
        return None
    return subprocess.Popen([str(ROOT / ".venv" / "bin" / "py-spy"), "record", "--pid", str(spy[0]),
                             "--duration", str(int(seconds)), "--format", "raw", "--rate", "200", "--output", spy[1],
                             "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


async def ceiling(url: str, folder: Path, args: argparse.Namespace, prefix: str, f: Figures,
                  spy: tuple[int, str] | None = None) -> None:
    """wrk with pre-signed unique bodies: requests/s and latency percentiles."""
    bodies = folder / f"bodies-{prefix}.tsv"
    count = int(args.expect * args.seconds)
    with open(bodies, "w") as out:
        for i in range(count):
            signature, body = webhook(i, args.citizens, prefix)
            out.write(f"{signature}\t{body.decode()}\n")
    env = dict(os.environ, INTAKE_BODIES=str(bodies), INTAKE_THREADS=str(args.threads))
    recorder = record(spy, args.seconds)
    wrk = await asyncio.create_subprocess_exec(
        "wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{int(args.seconds)}s", "--latency", "-s",
        str(Path(__file__).with_name("_intake.lua")), f"{url}/webhook/whatsapp", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output = (await wrk.communicate())[0].decode()
    if recorder is not None:
        await asyncio.to_thread(recorder.wait)
    try:
        f.rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
        f.p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
        f.p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    except AttributeError:
        raise RuntimeError(f"could not read wrk's output:\n{output}") from None
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    f.errors = int(errors.group(1)) if errors else 0
    wrapped = int(re.search(r"BODIES_WRAPPED (\d+)", output).group(1))  # type: ignore[union-attr]
    if wrapped:
        f.note += f" (bodies ran out {wrapped}x: later wamids repeated; raise --expect)"
    if socket_errors:
        f.note += f" (wrk socket errors: {socket_errors.group(1)})"


async def drained(url: str, timeout: float) -> float | None:
    """Seconds until the system has processed every stored webhook (None: not within `timeout`)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not sum((await pending(url)).get("inbox_pending", {}).values()):
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    return None


async def measure_bare(folder: Path, args: argparse.Namespace) -> Figures:
    f, port = Figures(), free_port()
    url = f"http://{HOST}:{port}"
    async with system([sys.executable, str(Path(__file__).with_name("_bare_app.py")), str(port)],
                      os.environ, port, folder / "bare.log"):
        await fixed_rate(url, args.rate, args.seconds, args.citizens, "bf", f)
        await ceiling(url, folder, args, "bc", f)
        f.note = ""  # repeated wamids do not matter to the bare app
    return f


async def measure_peer(folder: Path, args: argparse.Namespace) -> Figures:
    """The plain pywa bot (bench/_pywa_peer.py): pywa's own webhook routes, signatures checked, replies from memory."""
    f, port = Figures(), free_port()
    url = f"http://{HOST}:{port}"
    graph, stub = stub_process(folder)
    async with stub:
        env = {**os.environ, **SANDBOX_SETTINGS}
        async with system([sys.executable, str(Path(__file__).with_name("_pywa_peer.py")), str(port), graph,
                           args.peer_client], env, port, folder / "pywa-peer.log"):
            await fixed_rate(url, args.rate, args.seconds, args.citizens, "pf", f)
            await drained(url, 120)
            if args.fixed_only:
                return f
            await ceiling(url, folder, args, "pc", f)
            f.drained_s = await drained(url, 300)  # its replies still owed (nothing was stored)
    return f


async def measure_system(database_url: str, folder: Path, args: argparse.Namespace, label: str) -> Figures:
    f, port = Figures(), free_port()
    url = f"http://{HOST}:{port}"
    graph, stub = stub_process(folder)
    async with stub:
        env = system_env(database_url, port, folder, WHATSAPP_API_URL=graph)
        command = args.command.split() if args.command else [str(LAPOR_CAMAT)]
        async with system([*command, "run", "--only", "reporter", "--migrate"], env, port,
                          folder / f"{label}.log") as proc:
            spied = record((proc.pid, args.py_spy.replace(".txt", f"-{label}-fixed.txt")) if args.py_spy else None,
                           args.seconds)
            await fixed_rate(url, args.rate, args.seconds, args.citizens, "sf", f)
            if spied is not None:
                await asyncio.to_thread(spied.wait)
            await drained(url, 120)
            if args.fixed_only:
                return f
            spy = (proc.pid, args.py_spy.replace(".txt", f"-{label}.txt")) if args.py_spy else None
            await ceiling(url, folder, args, "sc", f, spy)
            f.drained_s = await drained(url, 300)
    return f


def show(label: str, f: Figures, bare: Figures, peer: Figures | None = None) -> None:
    ratio = f.rate / bare.rate if bare.rate else float("nan")
    versus = f"  x pywa {f.rate / peer.rate:4.2f}" if peer is not None and peer.rate and f is not peer else ""
    drain = "" if f.drained_s is None and label.startswith("bare") else (
        f"; backlog processed {f.drained_s:.1f} s after" if f.drained_s is not None else "; backlog NOT processed")
    if not f.rate:
        print(f"{label:<26} (ceiling not run)")
    else:
        print(f"{label:<26} {f.rate:9,.0f}/s  p50 {f.p50:6.1f} ms  p99 {f.p99:6.1f} ms  ratio {ratio:4.2f}{versus}  "
              f"non-200 {f.errors}{drain}{f.note}")
    print(f"{'':<26} at {args_rate} msg/s: p50 {f.fixed_p50:6.1f} ms  p99 {f.fixed_p99:6.1f} ms  "
          f"non-200 {f.fixed_errors}")


args_rate = 200


async def main(args: argparse.Namespace) -> None:
    global args_rate
    args_rate = args.rate
    if shutil.which("wrk") is None:
        sys.exit("wrk not found: apt-get install -y wrk")
    folder = Path(tempfile.mkdtemp(prefix="lapor-intake-"))
    print(f"intake: nproc {os.cpu_count()}, wrk -t{args.threads} -c{args.connections} -d{int(args.seconds)}s, "
          f"{args.citizens:,} citizens, unique wamids; fixed rate {args.rate} msg/s for {args.seconds:.0f} s")
    bare = await measure_bare(folder, args)
    show("bare Starlette (baseline)", bare, bare)
    peer = None
    if not args.no_peer:
        peer = await measure_peer(folder, args)
        show(f"plain pywa bot ({args.peer_client})", peer, bare, peer)
    if not args.postgres_only:
        sqlite = await measure_system(f"sqlite+aiosqlite:///{folder}/intake.db", folder, args, "sqlite")
        show("lapor-camat, SQLite", sqlite, bare, peer)
    admin = postgres_admin_url()
    if admin:
        pg = await measure_system(await fresh_postgres(admin), folder, args, "postgres")
        show("lapor-camat, PostgreSQL", pg, bare, peer)
    else:
        print("(PostgreSQL skipped: run under scripts/with-postgres.sh)")
    print(f"targets (issue 12): >= 3,000 acks/s and >= 1x the plain pywa bot; p99 < 25 ms at 200 msg/s   "
          f"(logs in {folder})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--rate", type=int, default=200)
    parser.add_argument("--citizens", type=int, default=10_000)
    parser.add_argument("--expect", type=int, default=6000, help="bodies prepared per second of the ceiling run")
    parser.add_argument("--command", default="", help="what runs the system instead of .venv/bin/lapor-camat "
                        "(e.g. '.venv/bin/python /tmp/patched.py', to try a fix before/after)")
    parser.add_argument("--fixed-only", action="store_true", help="only the fixed-rate load (quick experiments)")
    parser.add_argument("--postgres-only", action="store_true", help="skip SQLite (under with-postgres.sh)")
    parser.add_argument("--no-peer", action="store_true", help="skip the plain pywa bot (bench/_pywa_peer.py)")
    parser.add_argument("--peer-client", choices=("pywa", "pywa_async"), default="pywa",
                        help="the peer's client: pywa (sync, handlers in threads; default) or pywa_async")
    parser.add_argument("--py-spy", default="", help="record the system's stacks to FILE(.txt) during each load")
    asyncio.run(main(parser.parse_args()))
