"""How the officer bot takes updates: several at once, each chat's messages in order."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from core.locks import KeyedLocks

CONCURRENT = 8


class ChatOrdered(BaseUpdateProcessor):
    """Up to CONCURRENT updates at once, so a burst of taps on different cards overlaps; messages of
    one chat (a reply, then the photo of the fix) are still handled in the order they were sent. Taps
    are not ordered: each use case locks its ticket, so two taps on one card have one winner."""

    def __init__(self, max_concurrent_updates: int = CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self._chats = KeyedLocks()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat if isinstance(update, Update) and update.callback_query is None else None
        if chat is None:
            await coroutine
            return
        async with self._chats.hold(chat.id):
            await coroutine

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
