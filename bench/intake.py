"""Intake ceiling: signed WhatsApp text webhooks acknowledged by `lapor-camat run --only reporter`, against a bare app.

    .venv/bin/python bench/intake.py [--seconds 10] [--connections 32] [--rate 200] [--citizens 10000]
    scripts/with-postgres.sh .venv/bin/python bench/intake.py      # also on PostgreSQL (a fresh database)
    .venv/bin/python bench/intake.py --numbers 10 --no-peer        # routing: a kabupaten of ten on one number, on ten

Everything on 127.0.0.1. The system runs as a subprocess (settings by environment, `--migrate`, SQLite in a
temp dir or a fresh PostgreSQL database); its WhatsApp API URL points at a stub Graph API in a process of
its own (not the load generator's), which answers every send. Two loads, each against the bare Starlette
baseline (same uvicorn settings, `bench/_bare_app.py`), the peer a user would otherwise pick — a plain pywa
bot (`bench/_pywa_peer.py`: pywa's own Starlette webhook routes, signatures checked with the app secret,
a handler replying from memory to the same Graph stub, nothing stored; `--no-peer` skips it) — and the system:

- fixed rate: `--rate` msg/s for `--seconds` (httpx, open loop; latency from each request's scheduled time);
- ceiling: `wrk` (apt-get install wrk) with `--connections` keep-alive connections for `--seconds`,
  unique wamids from `--citizens` citizens (bench/_intake.lua); then the time to process the backlog.

After each run of the system its database is read: every webhook acknowledged must be stored and processed
(none failed), and the replies are counted per kecamatan (routing by number reached every one).

`--numbers N` (issue 13, routing overhead) also runs the system as a kabupaten of N kecamatan
(`KABUPATEN_FILE`, written to the temp dir: the Takalar sample's profiles, then copies with their own code,
prefix, number, chats and desa), on each engine right after the lone profile's run (`KECAMATAN_PROFILE`, the
sample), twice with the same loads: every webhook to one kecamatan's number (its first, Pattallassang), then
spread round-robin over the N phone number ids (each citizen writes to one number). The two differ only in
how the webhooks spread over the numbers: it prints them side by side with N/one for the ceiling and the
ack p50/p99, and whether each is within 10 %, and the lone profile beside them (a kabupaten file against
one profile). `--routing-only` skips the lone profile's run; `--repeat K` runs the pair K times, alternating
(the machine's load drifts: one pair is not enough to show 10 %).

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
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
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

from core.kabupaten import SAMPLE_KABUPATEN, load_kabupaten
from simulator.sandbox import SANDBOX_SETTINGS

SECRET = SANDBOX_SETTINGS["WHATSAPP_APP_SECRET"].encode()
PHONE_ID = SANDBOX_SETTINGS["WHATSAPP_PHONE_ID"]
WABA_ID = SANDBOX_SETTINGS["WHATSAPP_WABA_ID"]
STORIES = ("Lampu jalan mati di depan masjid", "Sampah menumpuk di pasar", "Saluran tersumbat, air meluap",
           "Jalan berlubang dekat sekolah", "cek status")


def webhook(n: int, citizens: int, prefix: str, lines: tuple[str, ...] = (PHONE_ID,)) -> tuple[str, bytes]:
    """A signed text-message webhook as WhatsApp sends it: (signature, body); wamid unique per (prefix, n);
    sent to the business number `lines[n % len(lines)]` (round-robin over the install's numbers)."""
    wa_id = f"62813{n % citizens:08d}"
    line = n % len(lines)
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": f"62411000000{line:02d}",
                                                           "phone_number_id": lines[line]},
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
    acked: int = 0  # webhooks answered 200 (both loads)
    stored: int = 0  # inbox rows after the run
    unprocessed: int = 0
    failed: int = 0  # processed with an error kept
    replies: dict[str, int] = field(default_factory=dict)  # outbox rows per kecamatan


async def fixed_rate(url: str, rate: int, seconds: float, citizens: int, prefix: str, f: Figures,
                     lines: tuple[str, ...] = (PHONE_ID,)) -> None:
    """Open loop: request i is due at start + i/rate; latency counts from when it was due (bench/_http_load.py)."""
    n = int(rate * seconds)
    requests = [({"X-Hub-Signature-256": signature, "Content-Type": "application/json"}, body)
                for signature, body in (webhook(i, citizens, prefix, lines) for i in range(n))]
    latencies, f.fixed_errors = await open_loop(url, "/webhook/whatsapp", requests, rate)
    f.acked += n - f.fixed_errors
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
                  spy: tuple[int, str] | None = None, lines: tuple[str, ...] = (PHONE_ID,)) -> None:
    """wrk with pre-signed unique bodies (round-robin over `lines`): requests/s and latency percentiles."""
    bodies = folder / f"bodies-{prefix}-{len(lines)}.tsv"
    count = int(args.expect * args.seconds)
    with open(bodies, "w") as out:
        for i in range(count):
            signature, body = webhook(i, args.citizens, prefix, lines)
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
    f.acked += int(re.search(r"(\d+) requests in", output).group(1)) - f.errors  # type: ignore[union-attr]
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


async def measure_system(database_url: str, folder: Path, args: argparse.Namespace, label: str,
                         kabupaten: Path | None = None, lines: tuple[str, ...] = (PHONE_ID,)) -> Figures:
    """The system (one kecamatan profile, or the kabupaten file `kabupaten` answering on `lines`) under both loads."""
    f, port = Figures(), free_port()
    url = f"http://{HOST}:{port}"
    graph, stub = stub_process(folder)
    async with stub:
        env = system_env(database_url, port, folder, WHATSAPP_API_URL=graph)
        if kabupaten is not None:
            del env["KECAMATAN_PROFILE"]  # exactly one of the two (core/settings.py)
            env["KABUPATEN_FILE"] = str(kabupaten)
        command = args.command.split() if args.command else [str(LAPOR_CAMAT)]
        async with system([*command, "run", "--only", "reporter", "--migrate"], env, port,
                          folder / f"{label}.log") as proc:
            spied = record((proc.pid, args.py_spy.replace(".txt", f"-{label}-fixed.txt")) if args.py_spy else None,
                           args.seconds)
            await fixed_rate(url, args.rate, args.seconds, args.citizens, "sf", f, lines)
            if spied is not None:
                await asyncio.to_thread(spied.wait)
            await drained(url, 120)
            if not args.fixed_only:
                spy = (proc.pid, args.py_spy.replace(".txt", f"-{label}.txt")) if args.py_spy else None
                await ceiling(url, folder, args, "sc", f, spy, lines)
                f.drained_s = await drained(url, 300)
    await tally(database_url, f)
    return f


async def tally(database_url: str, f: Figures) -> None:
    """What the stopped system's database holds: webhooks stored, not processed, failed; replies per kecamatan."""
    from sqlalchemy import text

    from core.db.engine import make_engine

    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            inbox = (await conn.execute(text(
                "SELECT count(*), count(*) - count(processed_at), count(error) FROM inbox "
                "WHERE platform = 'whatsapp'"))).one()
            f.stored, f.unprocessed, f.failed = (int(n) for n in inbox)
            rows = await conn.execute(text(
                "SELECT kecamatan, count(*) FROM outbox WHERE channel = 'whatsapp' GROUP BY kecamatan"))
            f.replies = {str(k): int(n) for k, n in rows}
    finally:
        await engine.dispose()


def kabupaten_of(numbers: int, folder: Path) -> tuple[Path, tuple[str, ...]]:
    """A bench-only kabupaten file of `numbers` kecamatan, checked as `lapor-camat run` checks it: the Takalar
    sample's first ones, then copies with their own code, prefix, number, chats and desa. Its path and numbers."""
    sample = SAMPLE_KABUPATEN.read_text(encoding="utf-8")
    names = re.search(r"^kecamatan = (\[.*\])$", sample, re.M)
    assert names is not None, "the sample kabupaten lists its kecamatan on one line"
    files = [str(SAMPLE_KABUPATEN.parent / name) for name in json.loads(names.group(1))][:numbers]
    for i in range(len(files) + 1, numbers + 1):
        copy = folder / f"bench_{i:02d}.toml"
        copy.write_text(f"""code = "bench_{i:02d}"
name = "Kecamatan Bench {i}"
ticket_prefix = "BN{chr(65 + i // 26)}{chr(65 + i % 26)}"
whatsapp_phone_id = "1065403522431{i:02d}"
office = [-5.47, 119.4]

[telegram]
desk_chat_id = {-1001000100000 - 10 * i}
field_chat_ids = [{-1001000100001 - 10 * i}]
camat_user_id = {100100000 + i}

[[desa]]
name = "Bench {i} Satu"
[[desa]]
name = "Bench {i} Dua"
""", encoding="utf-8")
        files.append(str(copy))
    path = folder / f"kabupaten-{numbers}.toml"
    path.write_text(sample.replace(names.group(0), f"kecamatan = {json.dumps(files)}"), encoding="utf-8")
    lines = tuple(p.whatsapp_phone_id or PHONE_ID for p in load_kabupaten(path))
    assert len(set(lines)) == numbers, lines
    return path, lines


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
    if f.stored:
        replies = sorted(f.replies.values())
        answered = (f"replies from {len(replies)} kecamatan ({replies[0]:,}–{replies[-1]:,} each)"
                    if replies else "no replies")
        print(f"{'':<26} stored {f.stored:,} of {f.acked:,} acked, not processed {f.unprocessed}, failed {f.failed}; "
              f"{answered}")


def within(ten: float, one: float) -> str:
    ratio = ten / one if one else float("nan")
    return f"{ratio:4.2f} ({'within' if abs(ratio - 1) <= 0.10 else 'NOT within'} 10 %)"


def show_routing(engine: str, ones: list[Figures], manys: list[Figures], numbers: int,
                 lone: Figures | None = None) -> None:
    """One number and `numbers` numbers of the same kabupaten side by side (the median of the runs when
    repeated), and their ratio (issue 13: within 10 %); the lone profile's run beside them."""
    many_label = f"{numbers} numbers"
    runs = f" (median of {len(ones)} pairs)" if len(ones) > 1 else ""
    print(f"routing overhead, {engine}{runs}: {'lone profile':>14} {'1 of ' + str(numbers):>12} {many_label:>12}"
          f"   {numbers}/one")
    for name, attr in (("ceiling (acks/s)", "rate"), ("ack p50 (ms)", "p50"), ("ack p99 (ms)", "p99"),
                       (f"at {args_rate}/s p50 (ms)", "fixed_p50"), (f"at {args_rate}/s p99 (ms)", "fixed_p99")):
        a = median([getattr(f, attr) for f in ones])
        b = median([getattr(f, attr) for f in manys])
        alone = f"{getattr(lone, attr):14,.1f}" if lone is not None else f"{'-':>14}"
        ratios = [getattr(m, attr) / getattr(o, attr) if getattr(o, attr) else float("nan")
                  for o, m in zip(ones, manys, strict=True)]
        pairs = "" if len(ones) < 2 else "   pairs: " + " ".join(f"{r:4.2f}" for r in ratios)
        print(f"  {name:<26} {alone} {a:12,.1f} {b:12,.1f}   {within(b, a)}{pairs}")
    runs_all = [*ones, *manys, *([lone] if lone is not None else [])]
    stored = all(f.stored >= f.acked and not f.unprocessed and not f.failed for f in runs_all)
    print(f"  every acked webhook stored and processed, none failed: {'yes' if stored else 'NO'}; "
          f"1 of {numbers} answered from {sorted({len(f.replies) for f in ones})} kecamatan, "
          f"{many_label} from {sorted({len(f.replies) for f in manys})} of {numbers}")


async def routing(engine: str, database: Callable[[str], Awaitable[str]], folder: Path, args: argparse.Namespace,
                  label: str, kabupaten: tuple[Path, tuple[str, ...]], bare: Figures, peer: Figures | None,
                  lone: Figures | None) -> None:
    """The kabupaten of N answering on one of its numbers, then on all N (`--repeat` pairs, alternating)."""
    path, lines = kabupaten
    ones, manys = [], []
    for run in range(1, args.repeat + 1):
        tag = f" (pair {run})" if args.repeat > 1 else ""
        one = await measure_system(await database(f"{label}-{args.numbers}-one-{run}"), folder, args,
                                   f"{label}-{args.numbers}-one-{run}", path, lines[:1])
        show(f"  1 of {args.numbers}, {engine}{tag}", one, bare, peer)
        many = await measure_system(await database(f"{label}-{args.numbers}-{run}"), folder, args,
                                    f"{label}-{args.numbers}-{run}", path, lines)
        show(f"  {args.numbers} numbers, {engine}{tag}", many, bare, peer)
        ones.append(one)
        manys.append(many)
    show_routing(engine, ones, manys, args.numbers, lone)


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
    kabupaten = kabupaten_of(args.numbers, folder) if args.numbers else None
    only_routing = args.routing_only and kabupaten is not None

    async def sqlite_file(name: str) -> str:
        return f"sqlite+aiosqlite:///{folder}/intake-{name}.db"

    if not args.postgres_only:
        sqlite = None
        if not only_routing:
            sqlite = await measure_system(await sqlite_file("sqlite"), folder, args, "sqlite")
            show("lapor-camat, SQLite", sqlite, bare, peer)
        if kabupaten:
            await routing("SQLite", sqlite_file, folder, args, "sqlite", kabupaten, bare, peer, sqlite)
    admin = postgres_admin_url()
    if admin:
        async def postgres_database(name: str) -> str:
            return await fresh_postgres(admin)

        pg = None
        if not only_routing:
            pg = await measure_system(await fresh_postgres(admin), folder, args, "postgres")
            show("lapor-camat, PostgreSQL", pg, bare, peer)
        if kabupaten:
            await routing("PostgreSQL", postgres_database, folder, args, "postgres", kabupaten, bare, peer, pg)
    else:
        print("(PostgreSQL skipped: run under scripts/with-postgres.sh)")
    print("targets (issue 12): >= 3,000 acks/s and >= 1x the plain pywa bot; p99 < 25 ms at 200 msg/s"
          + ("; (issue 13) N numbers' ceiling and ack p99 within 10 % of one number's" if args.numbers else "")
          + f"   (logs in {folder})")


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
    parser.add_argument("--numbers", type=int, default=0, metavar="N",
                        help="also a kabupaten of N kecamatan: every webhook to one of its numbers, then round-robin "
                        "over its N numbers (issue 13, routing overhead)")
    parser.add_argument("--routing-only", action="store_true", help="with --numbers: skip the lone profile's run")
    parser.add_argument("--repeat", type=int, default=1, metavar="K",
                        help="with --numbers: K pairs (one number, N numbers), alternating; the median is compared")
    parser.add_argument("--py-spy", default="", help="record the system's stacks to FILE(.txt) during each load")
    asyncio.run(main(parser.parse_args()))
