"""Sliding-window rate limits: per bot, per group chat, per private chat."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Hashable

from .rules import too_many_requests


class FakeClock:
    """An injectable clock (epoch seconds) that only moves when told to."""

    def __init__(self, start: float = 1_750_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class SlidingWindow:
    def __init__(self, limit: int | None, period: float) -> None:
        self.limit = limit
        self.period = period
        self._hits: dict[Hashable, deque[float]] = {}

    def retry_after(self, key: Hashable, now: float, count: int = 1) -> float | None:
        """Seconds until ``count`` more hits fit, or None when they fit now."""
        if self.limit is None:
            return None
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.period:
            hits.popleft()
        if len(hits) + count <= self.limit:
            return None
        index = min(len(hits) + count - self.limit - 1, len(hits) - 1)
        return max(hits[index] + self.period - now, 0.001)

    def hit(self, key: Hashable, now: float, count: int = 1) -> None:
        if self.limit is not None:
            self._hits.setdefault(key, deque()).extend([now] * count)


class RateLimits:
    """Telegram's flood limits; a 429 carries ``parameters.retry_after`` in whole seconds."""

    def __init__(
        self,
        clock: Callable[[], float] | None = None,
        per_bot_per_second: int | None = 30,
        per_group_per_minute: int | None = 20,
        per_private_per_second: int | None = 1,
    ) -> None:
        self.clock = clock or time.time
        self.enabled = True
        self.per_bot = SlidingWindow(per_bot_per_second, 1.0)
        self.per_group = SlidingWindow(per_group_per_minute, 60.0)
        self.per_private = SlidingWindow(per_private_per_second, 1.0)

    def configure(
        self,
        per_bot_per_second: int | None = None,
        per_group_per_minute: int | None = None,
        per_private_per_second: int | None = None,
    ) -> None:
        self.per_bot.limit = per_bot_per_second
        self.per_group.limit = per_group_per_minute
        self.per_private.limit = per_private_per_second

    def acquire(self, chat_id: int, chat_type: str, count: int = 1) -> None:
        """Count ``count`` messages to a chat, or raise 429 without counting them."""
        if not self.enabled:
            return
        now = self.clock()
        window = self.per_private if chat_type == "private" else self.per_group
        waits = [
            w
            for w in (self.per_bot.retry_after("bot", now, count), window.retry_after(chat_id, now, count))
            if w is not None
        ]
        if waits:
            raise too_many_requests(max(1, math.ceil(max(waits))))
        self.per_bot.hit("bot", now, count)
        window.hit(chat_id, now, count)
