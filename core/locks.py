"""One asyncio lock per key (a citizen, a chat), kept only while somebody holds or waits for it."""

from __future__ import annotations

import asyncio
import collections
import contextlib
from collections.abc import AsyncIterator, Hashable


class KeyedLocks:
    """`async with locks.hold(key)`: one holder per key at a time, in arrival order; no lock kept per
    key forever (a kecamatan meets thousands of citizens)."""

    def __init__(self) -> None:
        self._locks: dict[Hashable, asyncio.Lock] = {}
        self._users: dict[Hashable, int] = {}  # holding or waiting, per key

    @contextlib.asynccontextmanager
    async def hold(self, key: Hashable) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[key] -= 1
            if not self._users[key]:
                del self._users[key], self._locks[key]

    def __len__(self) -> int:
        return len(self._locks)


class InTurn:
    """Sections run one at a time, in the order their places were taken: what each caller does between
    taking its place (`place()`, synchronously) and entering it (`async with place`) may run at once
    with the others', yet they come through the section in line. A place never entered is left with
    `leave()` (leaving twice is nothing), or the line waits for it."""

    def __init__(self) -> None:
        self._line: collections.deque[Place] = collections.deque()

    def place(self) -> Place:
        taken = Place(self)
        self._line.append(taken)
        if len(self._line) == 1:
            taken.turn.set_result(None)
        return taken

    def _leave(self, place: Place) -> None:
        if place not in self._line:
            return
        was_first = self._line[0] is place
        self._line.remove(place)
        if was_first and self._line and not self._line[0].turn.done():
            self._line[0].turn.set_result(None)

    def __len__(self) -> int:
        return len(self._line)


class Place:
    """One caller's place in an `InTurn` line."""

    def __init__(self, line: InTurn) -> None:
        self._line = line
        self.turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def __aenter__(self) -> None:
        try:
            await asyncio.shield(self.turn)
        except BaseException:
            self.leave()
            raise

    async def __aexit__(self, *exc: object) -> None:
        self.leave()

    def leave(self) -> None:
        self._line._leave(self)
