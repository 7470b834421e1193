"""Each chat's updates in order across replicas (PostgreSQL, webhook mode).

Behind the proxy any replica may receive a chat's update; it stores it, answers 200 and queues it. The
replica that then takes the chat (a transaction-scoped advisory lock on the bot's chat,
`core.db.advisory.turn`) handles every stored update of that chat still to do, in Telegram's order
(update_id), whoever stored it. It keeps the chat while an update it took is still open (an album gathering
its photos, officer_bot/albums.py), taking what other replicas store meanwhile, and looks once more after
letting go, so an update stored while it held the chat is never left behind. A replica that finds the chat
taken leaves the update to the holder. A tap is a turn of its own (the use case locks its ticket: taps are
not ordered, one of two on a card wins), so no two replicas answer one tap. A replica that dies loses its
locks with its connection; what it stored and did not handle is found by any replica's sweep (`stranded`)
a few seconds later. The reporter's citizens take turns the same way (reporter_bot/citizens.py).

With one process (SQLite, or polling: one poller per bot) ChatOrdered's in-process order is all there is.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application

from core import inbox
from core.context import Context
from core.db.advisory import turn
from core.inbox import InboxItem
from officer_bot.update_inbox import PLATFORM, UpdateInbox, drop

log = logging.getLogger(__name__)
STRANDED_AFTER = timedelta(seconds=5)  # a row still to do this long after it was stored has lost its replica
OPEN_LOOK_EVERY = 0.2  # seconds: while an update of the turn is open, how often to look for the chat's next ones


class ChatTurns:
    """One bot's turns: `take(update, coroutine)` is ChatOrdered's handling of an update when replicas share
    the bot (the update's own row, or its chat's rows in order, each through `UpdateInbox.handle`)."""

    def __init__(self, ctx: Context, update_inbox: UpdateInbox, app: Application[Any, Any, Any, Any, Any, Any]
                 ) -> None:
        self.ctx, self.inbox, self.app = ctx, update_inbox, app

    async def take(self, update: Update, coroutine: Awaitable[Any]) -> None:
        key = self.inbox.key(update)
        chat = update.effective_chat
        keys = self.inbox.chat_keys(chat.id) if chat is not None and update.callback_query is None else ()
        if not keys or not key.startswith(keys):  # a tap (or an update of no chat's): a turn of its own
            async with turn(self.ctx, f"telegram-update:{key}") as held:
                if held:
                    await self.inbox.handle(update, coroutine)
            drop(coroutine)
            return
        try:
            await self._chat(update, key, keys, coroutine)
        finally:
            drop(coroutine)  # not handled here: the chat's holder has it, or it was handled already

    async def _chat(self, update: Update, key: str, keys: tuple[str, ...], coroutine: Awaitable[Any]) -> None:
        tried: set[str] = set()  # each row once per call: one that stays to do (its failure kept) waits
        while True:
            async with turn(self.ctx, f"telegram-chat:{keys[0]}") as held:
                if not held:
                    return  # the holder looks again after letting go: it takes this one too
                while True:
                    for found in self._in_order(await self._pending(keys), tried, update, key):
                        tried.add(self.inbox.key(found))
                        await self.inbox.handle(found, coroutine if found is update else self.app.process_update(found))
                    if not self.inbox.open(tried):
                        break
                    await asyncio.sleep(OPEN_LOOK_EVERY)  # an album still gathering: its next photos may come
            # A row stored meanwhile (by a replica that found the chat taken) may have committed after the last
            # look: whatever is still to do and untried, take it now.
            if all(row.external_id in tried for row in await self._pending(keys)):
                return

    async def _pending(self, keys: tuple[str, ...]) -> list[InboxItem]:
        return await inbox.pending(self.ctx, PLATFORM, 1_000, keys=keys)

    def _in_order(self, rows: list[InboxItem], tried: set[str], update: Update, key: str) -> list[Update]:
        """The rows not tried yet, as updates in Telegram's order (the one at hand as it is)."""
        found: list[Update] = []
        for row in rows:
            if row.external_id in tried:
                continue
            if row.external_id == key:
                found.append(update)
                continue
            try:
                found.append(Update.de_json(json.loads(row.payload), self.app.bot))
            except (ValueError, TypeError, KeyError):
                log.exception("stored telegram update unreadable; left for the start's replay to set aside",
                              extra={"inbox_id": row.id})
        return sorted(found, key=lambda u: u.update_id)


async def stranded(ctx: Context, lines: list[tuple[UpdateInbox, Application[Any, Any, Any, Any, Any, Any]]]
                   ) -> int:
    """Queue again what some replica stored well over STRANDED_AFTER ago and nobody handled (it died between
    the 200 and the handling): one update per chat (its turn takes the rest), each tap. How many were queued."""
    rows = await inbox.pending(ctx, PLATFORM, 500, received_before=ctx.now() - STRANDED_AFTER)
    queued, chats = 0, set()
    for row in rows:
        line = next(((box, app) for box, app in lines if box.mine(row.external_id)), None)
        if line is None or line[0].open([row.external_id]):
            continue
        box, app = line
        try:
            update = Update.de_json(json.loads(row.payload), app.bot)
        except (ValueError, TypeError, KeyError):
            continue  # the start's replay sets it aside with its error
        chat = update.effective_chat
        if chat is not None and update.callback_query is None:
            if (box.prefix, chat.id) in chats:
                continue
            chats.add((box.prefix, chat.id))
        await app.update_queue.put(update)
        queued += 1
    return queued
