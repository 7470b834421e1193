"""Background work repeated every few seconds (a sweep for a dead replica's rows, an outbox lease's renewal)
that stops between passes, never inside one.

Cancelling a task while it waits on the database strands its pooled connection on PostgreSQL (asyncpg's
connection is left mid-operation and is only found by the garbage collector later), so `stop()` lets the
pass in hand finish and ends the wait before the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class Periodic:
    """`work()` every `every` seconds from `start()` until `stop()`; `work` handles its own errors."""

    def __init__(self, work: Callable[[], Awaitable[object]], every: float, name: str) -> None:
        self.work, self.every, self.name = work, every, name
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._stopping = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self.name)

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.every):
                    await self._stopping.wait()
            if self._stopping.is_set():
                return
            await self.work()

    async def stop(self) -> None:
        """Wait for the pass in hand, if any; no other starts."""
        if self._task is None:
            return
        self._stopping.set()
        await self._task
        self._task = None
