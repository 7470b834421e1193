"""Background passes stop between two passes, never inside one (core/periodic.py)."""

from __future__ import annotations

import asyncio

from core.periodic import Periodic


async def test_stop_lets_the_pass_in_hand_finish_and_starts_no_other() -> None:
    inside, release = asyncio.Event(), asyncio.Event()
    passes: list[str] = []

    async def work() -> None:
        passes.append("began")
        inside.set()
        await release.wait()  # a query in flight
        passes.append("ended")

    periodic = Periodic(work, 0.01, "test")
    periodic.start()
    await inside.wait()
    stopping = asyncio.create_task(periodic.stop())
    await asyncio.sleep(0)
    assert not stopping.done()  # waits for the pass instead of cancelling it
    release.set()
    await stopping
    assert passes == ["began", "ended"]


async def test_stop_while_waiting_ends_at_once() -> None:
    ran: list[int] = []

    async def work() -> None:
        ran.append(1)

    periodic = Periodic(work, 3600, "test")
    periodic.start()
    await asyncio.wait_for(periodic.stop(), 1)  # not an hour
    assert ran == []
    await periodic.stop()  # a second stop is harmless
