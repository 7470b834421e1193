"""Ordered work per key (one citizen's messages in arrival order), parallel across keys."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
YIELD_AT_MOST = 0.1  # seconds an item waits for the acknowledgements in flight


class KeyedWorkers(Generic[T]):
    """A queue and a worker task per key; a worker ends when its queue runs dry.

    At most `concurrency` items are handled at once, whatever the number of keys: a burst from many
    citizens then queues here, in memory and in the inbox, instead of in the connection pool and the
    database's lock, where it would also hold up the acknowledgement of new webhooks.
    """

    def __init__(self, handle: Callable[[T], Awaitable[None]], concurrency: int = 4,
                 quiet: asyncio.Event | None = None) -> None:
        self._handle = handle
        self._slots = asyncio.Semaphore(concurrency)
        self._quiet = quiet
        self._queues: dict[str, asyncio.Queue[T]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    def put(self, key: str, item: T) -> None:
        queue = self._queues.setdefault(key, asyncio.Queue())
        queue.put_nowait(item)
        self._idle.clear()
        if key not in self._tasks:
            self._tasks[key] = asyncio.get_running_loop().create_task(self._run(key, queue))

    async def _run(self, key: str, queue: asyncio.Queue[T]) -> None:
        try:
            while not queue.empty():
                item = queue.get_nowait()
                try:
                    async with self._slots:
                        await self._after_quiet()
                        await self._handle(item)
                except Exception:
                    log.exception("worker failed on an item")
        finally:
            self._tasks.pop(key, None)
            self._queues.pop(key, None)
            if not self._tasks:
                self._idle.set()

    async def _after_quiet(self) -> None:
        """Let what is urgent go first (`quiet` is clear while webhooks are being acknowledged), but
        wait at most YIELD_AT_MOST: a steady stream of webhooks must not stop the processing."""
        if self._quiet is not None and not self._quiet.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(YIELD_AT_MOST):
                    await self._quiet.wait()

    def __contains__(self, key: str) -> bool:
        """Whether `key` has work queued or in hand here."""
        return key in self._tasks

    @property
    def busy(self) -> int:
        return sum(q.qsize() for q in self._queues.values()) + len(self._tasks)

    async def drain(self) -> None:
        """Wait until every queued item has been handled."""
        await self._idle.wait()

    async def cancel(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
