"""Throughput of the Telegram simulator: N sendMessage calls through PTB's Bot, in-process, limits off.

.venv/bin/python bench/simulator_telegram.py [N] [concurrency]
"""

from __future__ import annotations

import asyncio
import sys
import time

import _common  # noqa: F401  (puts the tree under test on sys.path)
import httpx
from telegram import Bot
from telegram.request import HTTPXRequest

from simulator.telegram import TelegramSimulator


async def main(n: int, concurrency: int) -> None:
    sim = TelegramSimulator(token="123:ABC")
    sim.limits.enabled = False
    desk = sim.group("Desk Pattallassang", chat_id=-1001)

    def request() -> HTTPXRequest:
        return HTTPXRequest(
            connection_pool_size=concurrency, httpx_kwargs={"transport": httpx.ASGITransport(app=sim.app)}
        )

    async with (
        sim,
        Bot(sim.token, base_url=f"{sim.base_url}/bot", request=request(), get_updates_request=request()) as bot,
    ):
        queue = iter(range(n))

        async def worker() -> None:
            for i in queue:
                await bot.send_message(desk.id, f"pesan {i}")

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    assert len(desk.messages) == n
    print(
        f"{n} sendMessage via PTB Bot, in-process, concurrency {concurrency}: "
        f"{elapsed:.2f} s, {n / elapsed:.0f} requests/s"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000, int(sys.argv[2]) if len(sys.argv) > 2 else 8))
