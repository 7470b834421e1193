"""InTurn: sections come through in the order places were taken, whatever each does before entering."""

from __future__ import annotations

import asyncio

from core.locks import InTurn


async def test_sections_run_in_the_order_places_were_taken_and_one_at_a_time() -> None:
    line, ran, inside = InTurn(), [], []
    gates = [asyncio.Event() for _ in range(3)]

    async def caller(n: int) -> None:
        place = line.place()
        await gates[n].wait()  # the work before the section: here the last caller is ready first
        async with place:
            inside.append(n)
            assert len(inside) == 1
            await asyncio.sleep(0)
            ran.append(n)
            inside.remove(n)

    tasks = [asyncio.create_task(caller(n)) for n in range(3)]
    await asyncio.sleep(0)
    for gate in reversed(gates):
        gate.set()
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert ran == [0, 1, 2] and len(line) == 0


async def test_a_place_left_without_entering_does_not_hold_up_the_line() -> None:
    line = InTurn()
    first, second = line.place(), line.place()
    first.leave()
    first.leave()  # twice is nothing
    async with asyncio.timeout(1):
        async with second:
            pass
    assert len(line) == 0


async def test_a_caller_cancelled_while_waiting_gives_up_its_place() -> None:
    line = InTurn()
    first = line.place()
    waiting = line.place()

    async def wait() -> None:
        async with waiting:
            pass
    task = asyncio.create_task(wait())
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    third = line.place()
    first.leave()
    async with asyncio.timeout(1):
        async with third:
            pass
