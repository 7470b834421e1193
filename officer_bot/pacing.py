"""Pacing our own sends under Telegram's limits, so that floods become bundles instead of 429s."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from core.locks import KeyedLocks

if TYPE_CHECKING:
    from officer_bot.shared_pacing import SharedPacing

GROUP_PER_MINUTE = 20
BOT_PER_SECOND = 30
PRIVATE_GAP = 1.05  # seconds between two messages to one person (Telegram: about one a second)
# Posts per group-minute single cards leave to replies, prompts and bundle messages. Half the minute: in a
# flood, cards spent first leave the next tickets waiting until the minute's first posts expire (17 cards
# and 3 bundles of 20 last 12 s at 400 tickets a minute, then 48 s of waiting; 10 and 10 last 30 s).
RESERVE = 10
# Between replicas a person's gap is timed from the other's start (its answer is not known here): the longest
# a message's request usually takes on top.
SHARED_WIRE = 0.5


class Busy(Exception):
    """This chat has no room now; try again after `after`."""

    def __init__(self, chat_id: int, after: timedelta) -> None:
        super().__init__(f"chat {chat_id} busy for {after.total_seconds():.0f}s")
        self.after = after


def is_group(chat_id: int) -> bool:
    return chat_id < 0


class Pacer:
    """Per-group minute windows and 429 blocks on the application clock; the per-second budget on the loop's.

    With `shared` (officer_bot/shared_pacing.py), a group's minute is the one every replica of the bot posts
    into, a person's gap is kept from the last message any replica sent them, and the bot's second counts
    every replica's calls, not only this process's."""

    def __init__(self, clock: Callable[[], datetime], per_group: int = GROUP_PER_MINUTE,
                 per_second: int = BOT_PER_SECOND, shared: SharedPacing | None = None) -> None:
        self.clock, self.shared = clock, shared
        self.per_group = per_group
        self.per_second = per_second
        self._group_posts: dict[int, deque[datetime]] = {}
        self._blocked: dict[int, datetime] = {}
        self._last_private: dict[int, float] = {}  # when the last message to a person was answered
        self._private = KeyedLocks()
        self._second: deque[float] = deque()

    def _window(self, chat_id: int) -> deque[datetime]:
        posts = self._group_posts.setdefault(chat_id, deque())
        cutoff = self.clock() - timedelta(minutes=1)
        while posts and posts[0] <= cutoff:
            posts.popleft()
        return posts

    def room(self, chat_id: int) -> int:
        """Posts a group can still take this minute, beyond the reserve (large for private chats)."""
        if not is_group(chat_id):
            return 1_000
        return self.per_group - RESERVE - len(self._window(chat_id))

    def blocked_for(self, chat_id: int) -> timedelta | None:
        until = self._blocked.get(chat_id)
        if until is None or until <= self.clock():
            self._blocked.pop(chat_id, None)
            return None
        return until - self.clock()

    def block(self, chat_id: int, after: timedelta) -> None:
        """Telegram said retry_after: nothing more to this chat until then (keeps the chat's order)."""
        self._blocked[chat_id] = max(self._blocked.get(chat_id, self.clock()), self.clock() + after)

    def forget(self, chat_id: int) -> None:
        self._group_posts.pop(chat_id, None)
        self._blocked.pop(chat_id, None)

    async def before_post(self, chat_id: int, count: int = 1) -> None:
        """Wait for the bot-wide budget; raise Busy when the chat is blocked or its minute is full."""
        wait = self.blocked_for(chat_id)
        if wait is not None:
            raise Busy(chat_id, wait)
        if is_group(chat_id) and self.shared is not None:
            window, taken = await self.shared.window(chat_id, count, self.per_group, self.clock())
            self._group_posts[chat_id] = deque(window)  # the others' posts too, for `room`
            if not taken:
                raise Busy(chat_id, self._frees_in(chat_id, count))
        elif is_group(chat_id) and len(self._window(chat_id)) + count > self.per_group:
            raise Busy(chat_id, self._frees_in(chat_id, count))
        await self.before_any(count)
        if is_group(chat_id) and self.shared is None:
            self._group_posts[chat_id].extend([self.clock()] * count)

    def _frees_in(self, chat_id: int, count: int) -> timedelta:
        """How long until the group's minute has room for `count` more posts."""
        posts = self._window(chat_id)
        frees_at = posts[max(len(posts) + count - self.per_group - 1, 0)] + timedelta(minutes=1)
        return max(frees_at - self.clock(), timedelta(0))

    @contextlib.asynccontextmanager
    async def private_turn(self, chat_id: int) -> AsyncIterator[None]:
        """Around one post to a person: one at a time, PRIVATE_GAP after the previous one was answered.

        Timed from the previous answer, not from the previous start: a request slowed on its way
        could otherwise land within a second of the next one (Telegram then answers 429), and two
        senders (a command's reply, an outbox row) could both find the gap already passed.
        """
        if is_group(chat_id):
            yield
            return
        loop = asyncio.get_running_loop()
        async with self._private.hold(chat_id):
            gap = self._last_private.get(chat_id, -PRIVATE_GAP) + PRIVATE_GAP - loop.time()
            if self.shared is not None:  # another replica's last message counts from its start, plus the wire
                gap = max(gap, await self.shared.reserve(chat_id, PRIVATE_GAP + SHARED_WIRE) - time.time())
            if gap > 0:
                await asyncio.sleep(gap)
            try:
                yield
            finally:
                self._last_private[chat_id] = loop.time()

    async def before_any(self, count: int = 1) -> None:
        """Keep under the bot-wide calls per second (edits included), sleeping at most a second at a time;
        with `shared`, every replica's calls count."""
        if self.shared is not None:
            while (wait := await self.shared.second(count, self.per_second)) > 0:
                await asyncio.sleep(wait)
            return
        loop = asyncio.get_running_loop()
        while True:
            now = loop.time()
            while self._second and self._second[0] <= now - 1.0:
                self._second.popleft()
            if len(self._second) + count <= self.per_second:
                self._second.extend([now] * count)
                return
            await asyncio.sleep(self._second[0] + 1.0 - now)
