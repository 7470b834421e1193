"""Memory: peak RSS of `lapor-camat run` (every part, one process) idle and during a flood of reports.

    .venv/bin/python bench/memory.py [--scale 0.2] [--idle 10]

The system runs as a subprocess on loopback (`--migrate`, SQLite in a temp dir), against both simulators
served by this process on 127.0.0.1 with the platforms' real limits (status webhooks off: see the
comment in main). After `--idle` seconds idle, citizens file `2000 * scale` whole reports
over `300 * scale` seconds (bench/flood.py's pace). VmRSS and VmHWM (the kernel's peak RSS) are read
from /proc/<pid>/status every half second. Baseline in the same run: a bare Python interpreter that has
imported the same packages (`lapor_camat.run`, the bots, the scheduler) and does nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import HOST, LAPOR_CAMAT, free_port, loopback, memory_kb, pending, system, system_env
from flood import drive

from core.profile import SAMPLE_PROFILE, load_profile
from simulator.sandbox import build_sandbox

TARGET_MB = 200
IMPORTS = ("import lapor_camat.run, reporter_bot, officer_bot, scheduler, time; print('ready', flush=True); "
           "time.sleep(60)")


def baseline_kb() -> int:
    """VmHWM of an interpreter that imported what `lapor-camat run` imports."""
    proc = subprocess.Popen([sys.executable, "-c", IMPORTS], stdout=subprocess.PIPE, cwd=Path(__file__).parents[1])
    assert proc.stdout is not None
    proc.stdout.readline()
    try:
        return memory_kb(proc.pid)["VmHWM"]
    finally:
        proc.kill()
        proc.wait()


async def main(scale: float, idle: float) -> None:
    n, seconds = round(2000 * scale), 300 * scale
    folder = Path(tempfile.mkdtemp(prefix="lapor-memory-"))
    port, wa_port, tg_port = free_port(), free_port(), free_port()
    sandbox = build_sandbox(load_profile(SAMPLE_PROFILE), f"http://{HOST}:{port}/webhook/whatsapp",
                            f"http://{HOST}:{wa_port}", f"http://{HOST}:{tg_port}")
    # Off: with sent/delivered/read webhooks on, the simulator's webhook client (one httpx pool) stalled
    # for good once ~2,000 deliveries were queued and some timed out (nothing reached the system again).
    sandbox.whatsapp.status_webhooks = False
    env = system_env(f"sqlite+aiosqlite:///{folder}/memory.db", port, folder,
                     WHATSAPP_API_URL=sandbox.whatsapp.base_url, TELEGRAM_API_URL=sandbox.telegram.base_url)
    base = baseline_kb()
    async with (loopback(sandbox.whatsapp.app, wa_port), loopback(sandbox.telegram.app, tg_port),
                system([str(LAPOR_CAMAT), "run", "--migrate"], env, port, folder / "system.log") as proc):
        await asyncio.sleep(idle)
        idle_mem = memory_kb(proc.pid)
        samples: list[int] = []
        stop = asyncio.Event()

        async def sample() -> None:
            while not stop.is_set():
                samples.append(memory_kb(proc.pid)["VmRSS"])
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        started = time.perf_counter()
        filed, failed = await drive(sandbox.whatsapp, n, seconds)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:  # until the system has delivered what the flood caused
            health = await pending(f"http://{HOST}:{port}")
            if not any(sum(health.get(k, {}).values()) for k in ("outbox_pending", "inbox_pending")):
                break
            await asyncio.sleep(1)
        settled = time.perf_counter() - started
        stop.set()
        await sampler
        final = memory_kb(proc.pid)
    await sandbox.whatsapp.aclose()
    await sandbox.telegram.aclose()
    peak = final["VmHWM"] / 1024
    print(f"memory: nproc {os.cpu_count()}, `lapor-camat run` (reporter, officer, scheduler), SQLite, simulators on "
          f"loopback with real limits; flood scale {scale:g}: {n} reports over {seconds:.0f} s")
    print(f"  baseline (interpreter + imports, idle): {base / 1024:6.1f} MB")
    print(f"  idle after {idle:.0f} s:          RSS {idle_mem['VmRSS'] / 1024:6.1f} MB, "
          f"peak {idle_mem['VmHWM'] / 1024:6.1f} MB")
    print(f"  during the flood:        RSS max {max(samples) / 1024:6.1f} MB (sampled), peak (VmHWM) {peak:6.1f} MB; "
          f"after: RSS {final['VmRSS'] / 1024:6.1f} MB")
    print(f"  reports filed {len(filed)}/{n} (failures {len(failed)}), all delivered {settled:.0f} s after the start")
    print(f"  target: peak < {TARGET_MB} MB: {'met' if peak < TARGET_MB else 'MISSED'}  (log: {folder / 'system.log'})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.2, help="fraction of 2,000 reports / 5 minutes")
    parser.add_argument("--idle", type=float, default=10, help="seconds idle before the flood")
    args = parser.parse_args()
    asyncio.run(main(args.scale, args.idle))
