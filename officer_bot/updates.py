"""How the officer bot takes updates: kept as they are fetched, several at once, each chat's in order."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor, ExtBot

from core.locks import KeyedLocks

CONCURRENT = 8
Keep = Callable[[Sequence[Update]], Awaitable[None]]
Handle = Callable[[object, Awaitable[Any]], Awaitable[None]]


class Turns(Protocol):
    async def take(self, update: Update, coroutine: Awaitable[Any]) -> None: ...


class NotKept(TelegramError):
    """A fetched batch could not be stored: it is not handed on, so Telegram is not told it arrived."""


class KeepingBot(ExtBot[None]):
    """An ExtBot whose getUpdates stores each batch before returning it.

    The Updater confirms a batch with the offset of its next getUpdates, and an update may then wait
    in memory (behind a busy chat) for a long time: kept here first, it survives a kill. A batch that
    cannot be kept raises NotKept, a TelegramError, so the Updater backs off and fetches it again.
    """

    __slots__ = ("_keep",)

    def __init__(self, token: str, keep: Keep, **kwargs: Any) -> None:
        super().__init__(token, **kwargs)
        with self._unfrozen():
            self._keep = keep

    async def get_updates(self, *args: Any, **kwargs: Any) -> tuple[Update, ...]:
        updates = await super().get_updates(*args, **kwargs)
        if updates:
            try:
                await self._keep(updates)
            except Exception as exc:
                raise NotKept(f"fetched updates not stored, fetching them again: {exc!r}") from exc
        return updates


async def _run(update: object, coroutine: Awaitable[Any]) -> None:
    await coroutine


class ChatOrdered(BaseUpdateProcessor):
    """Up to CONCURRENT updates at once, so a burst of taps on different cards overlaps; messages of
    one chat (a reply, then the photo of the fix) are still handled in the order they were sent. Taps
    are not ordered: each use case locks its ticket, so two taps on one card have one winner.

    `handle(update, coroutine)` runs each update's handling (its turn in the chat comes first); when
    replicas share the bot, `turns` (officer_bot/chat_turns.py) takes each update's turn across them."""

    def __init__(self, handle: Handle = _run, max_concurrent_updates: int = CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self._chats = KeyedLocks()
        self._handle = handle
        self.turns: Turns | None = None

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) and update.callback_query is None else None
        if chat is None:
            await self._take(update, coroutine)
            return
        async with self._chats.hold(chat.id):
            await self._take(update, coroutine)

    async def _take(self, update: object, coroutine: Awaitable[Any]) -> None:
        if self.turns is not None and isinstance(update, Update):
            await self.turns.take(update, coroutine)
        else:
            await self._handle(update, coroutine)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
