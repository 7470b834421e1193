"""Floods: when a group's minute has no room for one more card, tickets are listed in bundle messages.

A group takes 20 posts a minute, a message 4,096 characters and 100 buttons: so a ticket that finds
no room is first recorded as waiting (its card row points at WAITING, so a crash loses nothing and its
retried outbox row shows it), and the group's next post carries every ticket waiting, as many to a
message as fit. Edits cost no post, so the newest bundle also takes new tickets by an edit while it
is short; an edit neither notifies nor moves a message down, so past GROWS_TO new tickets come in a
new post at the bottom of the chat.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select

from core import metrics
from core.context import Context
from core.db.models import Ticket
from officer_bot.keyboards import bundle_keyboard
from officer_bot.pacing import Busy
from officer_bot.render import bundle_text
from officer_bot.store import WAITING, Card, bundle_tickets, move_cards, newest_bundle, save_card
from officer_bot.telegram_io import Gone, Telegram, plain

GROWS_TO = 20  # tickets a bundle takes by edits after its post (a post may carry more: see fit)
TEXT_LIMIT = 4096  # characters of a message's text after entities parsing (UTF-16 code units)
BUTTONS_LIMIT = 100  # inline buttons under one message
FLOOD_LASTS = timedelta(minutes=1)  # no single cards while a bundle went to the chat within the group's minute


def rendered_length(body: str) -> int:
    """How long Telegram counts an HTML body: its text once the tags are parsed, in UTF-16 code units."""
    return len(plain(body).encode("utf-16-le")) // 2


class Bundles:
    """The bundle messages of the desk and field groups, and what each one was last seen to show."""

    def __init__(self, ctx: Context, tg: Telegram) -> None:
        self.ctx, self.tg = ctx, tg
        # (chat, message) -> the text and tickets last sent: a row whose ticket is shown already sends
        # nothing (Telegram refuses an edit that changes nothing). Memory: after a restart, one edit more.
        self._shown: dict[tuple[int, int], tuple[str, tuple[int, ...]]] = {}
        self._last_post: dict[int, datetime] = {}  # when a bundle last went to each chat

    def fit(self, tickets: Sequence[Ticket], most: int = BUTTONS_LIMIT) -> int:
        """How many of `tickets` (from the first) one bundle message can list: measured on its rendered text."""
        low, high = min(1, len(tickets)), min(len(tickets), most, BUTTONS_LIMIT)
        while low < high:  # the text grows with every ticket listed: the longest prefix that fits
            middle = (low + high + 1) // 2
            if rendered_length(bundle_text(self.ctx, tickets[:middle])) <= TEXT_LIMIT:
                low = middle
            else:
                high = middle - 1
        return low

    def flooded(self, chat_id: int) -> bool:
        """Whether a bundle went to the chat within the group's minute: cards then wait for a quiet minute,
        or the minute's posts would go to single cards and leave the next tickets waiting for the next one."""
        posted = self._last_post.get(chat_id)
        return posted is not None and self.ctx.now() - posted < FLOOD_LASTS

    async def waiting(self, chat_id: int, role: str) -> bool:
        return bool(await bundle_tickets(self.ctx, chat_id, f"bundle_{role}", WAITING))

    async def add(self, ticket_id: int, role: str, chat_id: int) -> None:
        """List the ticket in the chat's bundles; Busy while it waits for the group's next post."""
        await save_card(self.ctx, Card(ticket_id, chat_id, WAITING, f"bundle_{role}"))
        await self.show(chat_id, f"bundle_{role}", ticket_id)

    async def show(self, chat_id: int, role: str, ticket_id: int) -> None:
        """Show every ticket waiting: the newest bundle takes what it may by an edit, new posts carry the
        rest. Busy while `ticket_id` still waits (the group's minute is full)."""
        waiting = await self._tickets(await bundle_tickets(self.ctx, chat_id, role, WAITING))
        newest = await newest_bundle(self.ctx, chat_id, role)
        if waiting and newest is not None:
            listed = await bundle_tickets(self.ctx, chat_id, role, newest)
            if len(listed) < GROWS_TO:
                taken = waiting[:max(0, self.fit([*await self._tickets(listed), *waiting], GROWS_TO) - len(listed))]
                if taken:
                    await move_cards(self.ctx, chat_id, [t.id for t in taken], newest)
                    waiting = waiting[len(taken):]
        if newest is not None:
            await self.refresh(chat_id, role, newest)
        while waiting:
            batch = waiting[:self.fit(waiting)]
            try:
                await self._post(chat_id, role, batch)
            except Busy:
                if any(t.id == ticket_id for t in waiting):
                    raise
                return  # this row's ticket is shown; the rows of those still waiting retry themselves
            waiting = waiting[len(batch):]

    async def refresh(self, chat_id: int, role: str, message_id: int) -> None:
        """Edit a bundle to list its tickets as they are now (opened ones have left it); nothing if it does."""
        tickets = await self._tickets(await bundle_tickets(self.ctx, chat_id, role, message_id))
        body, ids = bundle_text(self.ctx, tickets), tuple(t.id for t in tickets)
        if self._shown.get((chat_id, message_id)) == (body, ids):
            return
        with contextlib.suppress(Gone):  # someone deleted the bundle; /tiket still shows its tickets
            await self.tg.edit_text(chat_id, message_id, body, bundle_keyboard(tickets))
        self._shown[(chat_id, message_id)] = (body, ids)

    async def _post(self, chat_id: int, role: str, tickets: list[Ticket]) -> None:
        body = bundle_text(self.ctx, tickets)
        sent = await self.tg.send_text(chat_id, body, bundle_keyboard(tickets))
        metrics.bundle_posted()
        self._last_post[sent.chat.id] = self.ctx.now()
        await move_cards(self.ctx, sent.chat.id, [t.id for t in tickets], sent.message_id)
        self._shown[(sent.chat.id, sent.message_id)] = (body, tuple(t.id for t in tickets))

    async def _tickets(self, ids: list[int]) -> list[Ticket]:
        if not ids:
            return []
        async with self.ctx.sessions() as session:
            found = {t.id: t for t in await session.scalars(select(Ticket).where(Ticket.id.in_(ids)))}
        return [found[i] for i in ids if i in found]
