"""Albums: Telegram delivers each photo of an album as its own update sharing a `media_group_id`.

They are gathered and handled together, once the album has stopped growing, so a proof or progress
album becomes one use-case call with every photo (one audit event, one notification to the citizen
carrying them all), whatever order or batches the updates came in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Bot, Message

from core.domain.reports import NewAttachment
from officer_bot.media import incoming

log = logging.getLogger(__name__)
# A client sends an album's messages in one request, so its updates come within moments of each
# other; this long without a new one and the album is complete.
QUIET = 1.0
Handle = Callable[[list[Message]], Awaitable[None]]
Finish = Callable[..., Awaitable[None]]  # finish(error=None): the item's update is handled (or failed)


@dataclass
class _Album:
    handle: Handle
    messages: list[Message] = field(default_factory=list)
    finish: list[Finish] = field(default_factory=list)  # run once the album is handled (its updates' rows)
    grown: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class Albums:
    """Albums being received, by (chat, media group)."""

    def __init__(self, quiet: float = QUIET) -> None:
        self.quiet = quiet
        self._open: dict[tuple[int, str], _Album] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def add(self, message: Message, handle: Handle, finish: Finish | None = None) -> None:
        """Take one item; `handle(messages)` runs once for the whole album, items in order, then each
        item's `finish`."""
        key = (message.chat.id, message.media_group_id or "")
        album = self._open.get(key)
        if album is None:
            album = self._open[key] = _Album(handle)
            album.task = asyncio.create_task(self._gather(key, album), name=f"album-{key[1]}")
            self._tasks.add(album.task)
            album.task.add_done_callback(self._tasks.discard)
        album.messages.append(message)
        if finish is not None:
            album.finish.append(finish)
        album.grown.set()

    async def _gather(self, key: tuple[int, str], album: _Album) -> None:
        while True:
            album.grown.clear()
            try:
                async with asyncio.timeout(self.quiet):
                    await album.grown.wait()
            except TimeoutError:
                break
        del self._open[key]  # from here on it is handled, even if the bot is stopping
        error: Exception | None = None
        try:
            await album.handle(sorted(album.messages, key=lambda m: m.message_id))
        except Exception as exc:
            log.exception("album handling failed", extra={"chat_id": key[0], "items": len(album.messages)})
            error = exc
        for finish in album.finish:
            await finish(error)

    async def close(self) -> None:
        """Stop gathering (the bot is stopping): an album still incomplete is left for the next start,
        where its updates, never finished, are replayed and gathered again; one being handled finishes."""
        for album in self._open.values():
            if album.task is not None:
                album.task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


@dataclass(frozen=True)
class Post:
    """What a staff member sent in one go: a message, or every item of an album, in order."""

    messages: tuple[Message, ...]

    @property
    def first(self) -> Message:
        return self.messages[0]

    @property
    def text(self) -> str:
        """The words: the text, or the captions (an album usually has one, on its first item)."""
        return "\n".join(t for m in self.messages if (t := (m.text or m.caption or "").strip()))

    async def files(self, bot: Bot, media_dir: Path, documents: bool = False) -> tuple[NewAttachment, ...]:
        """Every photo of the post (with `documents`, every document too), fetched and kept for the citizen's bot."""
        found: list[NewAttachment] = []
        for message in self.messages:
            found += await incoming(bot, message, media_dir, documents)
        return tuple(found)
