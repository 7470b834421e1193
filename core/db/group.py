"""Group commit: what concurrent callers ask to write goes out together, one transaction for all.

Each caller still waits until its own item is durable (its commit is done), so a webhook is answered
200, or a row counted sent, only once it is. The first caller starts a writer; what arrives while it
writes goes in the next transaction: no timer, so a lone caller waits for nothing but its own commit.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """`write(take)` opens one transaction, calls `take()` for the items waiting at that moment (once the
    write lock is had: what arrived while waiting for it goes too), and returns one result per item."""

    def __init__(self, write: Callable[[Callable[[], list[Item]]], Awaitable[Sequence[Result]]],
                 limit: int = 500) -> None:
        self._write, self._limit = write, limit
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        """Write `item` with whatever else is waiting; returns once its transaction committed.

        Not from inside a unit of work: the writer would wait for the write lock that unit holds."""
        done = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if self._writer is None or self._writer.done():
            # A context of its own: the writer must not join a caller's unit of work or write gate.
            self._writer = asyncio.get_running_loop().create_task(self._run(), context=contextvars.Context())
        return await asyncio.shield(done)  # a caller that gives up does not cancel the others' commit

    async def settle(self) -> None:
        """Return once nothing waits and no transaction is being written (a stop: not mid-commit)."""
        while self._writer is not None and not self._writer.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(self._writer)

    async def _run(self) -> None:
        await asyncio.sleep(0)  # callers of this same moment join the first transaction
        while self._pending:
            batch: list[tuple[Item, asyncio.Future[Result]]] = []
            try:
                results = await self._write(functools.partial(self._take, batch))
            except BaseException as exc:
                if not batch:  # failed before taking: what waits fails with it (no spinning on an outage)
                    self._take(batch)
                _fail(batch, exc)
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, done), result in zip(batch, results, strict=True):
                if not done.done():
                    done.set_result(result)

    def _take(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> list[Item]:
        """Move what waits now (up to the limit) into `batch`; its items."""
        batch.extend(self._pending[:self._limit])
        del self._pending[:len(batch)]
        return [item for item, _ in batch]


def _fail(batch: Sequence[tuple[object, asyncio.Future[Result]]], exc: BaseException) -> None:
    for _, done in batch:
        if done.done():
            continue
        if isinstance(exc, asyncio.CancelledError):
            done.cancel()
        else:
            done.set_exception(exc)
