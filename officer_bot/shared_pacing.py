"""Telegram's limits kept across the replicas that post as one bot, in the database (officer_bot/pacing.py
keeps them within one process; three replicas would post 60 a minute to a group, or two messages to a person
within a second when a private chat's turn moves from one replica to the next).

Used where replicas share the bot (webhook mode on PostgreSQL, `OfficerBot.shared`), one row per chat
(`telegram_pacing`), each touched in one short transaction that locks it:
- a group's minute: before each post the posts older than a minute go, the new ones are recorded if they
  fit; the window read back is every replica's, so the pacer's room (the flood's bundles) counts theirs too;
- a person's next free second: each message reserves its start, a gap after the one reserved before it,
  whoever reserved that (timed on the wall clock, as Telegram counts);
- the bot's second (`BOT`, edits included): the calls of the last second, every replica's, under the bot's
  30 a second.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.engine import insert_for
from core.db.models import TelegramPacing

MINUTE = timedelta(minutes=1)
# Our clock reads a post's time before it leaves; Telegram counts its arrival. Two posts a minute apart by our
# clock can be less than a minute apart by Telegram's when the first was slower on the wire.
SLACK = timedelta(seconds=2)
BOT = "bot"  # the row of the bot's own second, beside its chats' rows


class SharedPacing:
    """The shared windows of one bot's chats (`line`: "" for the kabupaten's bot, else its own)."""

    def __init__(self, ctx: Context, line: str = "") -> None:
        self.ctx, self.line = ctx, line

    async def _row(self, session: AsyncSession, chat_id: int | str) -> TelegramPacing:
        key = f"{self.line}:{chat_id}"
        await session.execute(insert_for(session)(TelegramPacing).values(key=key, posts=[]).on_conflict_do_nothing())
        row = await session.scalar(select(TelegramPacing).where(TelegramPacing.key == key).with_for_update())
        assert row is not None  # inserted above, never deleted
        return row

    async def window(self, chat_id: int, count: int, limit: int, now: datetime) -> tuple[list[datetime], bool]:
        """Record `count` posts to a group at `now` if its minute has room for them under `limit`.

        Returns the minute's posts (every replica's, these included when taken) and whether they were taken."""
        async with self.ctx.sessions.begin() as session:
            row = await self._row(session, chat_id)
            posts = [t for t in map(datetime.fromisoformat, row.posts) if t > now - MINUTE - SLACK]
            taken = len(posts) + count <= limit
            if taken:
                posts += [now] * count
            row.posts = [t.isoformat() for t in posts]
            return posts, taken

    async def reserve(self, chat_id: int, gap: float) -> float:
        """The wall-clock time (time.time()) at which this replica may send its next message to a person:
        `gap` seconds after the start the last message to them reserved, or now."""
        async with self.ctx.sessions.begin() as session:
            row = await self._row(session, chat_id)
            start = max(time.time(), float(row.posts[0]) + gap if row.posts else 0.0)
            row.posts = [repr(start)]
            return start

    async def second(self, count: int, limit: int) -> float:
        """Take `count` of the bot's calls now if every replica's calls of the last second leave room under
        `limit`: 0.0; else the seconds until they would (nothing taken)."""
        async with self.ctx.sessions.begin() as session:
            row = await self._row(session, BOT)
            now = time.time()  # read under the row's lock: the calls are recorded in the order they are taken
            calls = [t for t in map(float, row.posts) if t > now - 1.0]
            wait = 0.0 if len(calls) + count <= limit else calls[len(calls) + count - limit - 1] + 1.0 - now
            row.posts = [repr(t) for t in calls + ([now] * count if wait == 0.0 else [])]
            return wait
