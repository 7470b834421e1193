"""SQLite's in-process write gate: one writer at a time, in order, acknowledgements first."""

from __future__ import annotations

import asyncio

import pytest

from core.db.engine import WriteGate


async def test_writers_go_one_at_a_time_in_order_and_first_ones_jump_the_queue() -> None:
    gate, order, inside = WriteGate(), [], 0
    release = asyncio.Event()

    async def writer(name: str, first: bool = False) -> None:
        nonlocal inside
        async with gate.hold(first):
            inside += 1
            assert inside == 1
            order.append(name)
            if name == "holder":
                await release.wait()
            await asyncio.sleep(0)
            inside -= 1

    holder = asyncio.create_task(writer("holder"))
    await asyncio.sleep(0)
    tasks = [asyncio.create_task(writer(n, first=n.startswith("ack"))) for n in ("turn1", "ack1", "turn2", "ack2")]
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, *tasks)
    assert order == ["holder", "ack1", "ack2", "turn1", "turn2"]


async def test_a_cancelled_waiter_neither_blocks_nor_loses_the_gate() -> None:
    gate, done = WriteGate(), []
    release = asyncio.Event()

    async def writer(name: str) -> None:
        async with gate.hold():
            if name == "holder":
                await release.wait()
            done.append(name)

    holder = asyncio.create_task(writer("holder"))
    await asyncio.sleep(0)
    gone, last = asyncio.create_task(writer("gone")), asyncio.create_task(writer("last"))
    await asyncio.sleep(0)
    gone.cancel()
    release.set()
    await asyncio.gather(holder, last)
    assert done == ["holder", "last"] and gone.cancelled()
    async with asyncio.timeout(1), gate.hold():  # free again
        pass


async def test_a_write_inside_a_write_is_refused_not_deadlocked() -> None:
    gate = WriteGate()
    async with gate.hold():
        with pytest.raises(RuntimeError, match="inside another"):
            async with gate.hold():
                pass
