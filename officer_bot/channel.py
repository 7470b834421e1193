"""The "telegram" outbox channel (reporter_bot/channel.py is the "whatsapp" one): the `send` core.outbox's
dispatcher calls for each claimed row, which becomes card edits, new cards and replies in the right staff chats."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from html import escape
from typing import Any

from sqlalchemy import func, select
from telegram import Message
from telegram.error import TelegramError

from core.context import Context
from core.db.models import SentMessage
from core.domain.lifecycle import Chat, TicketState
from core.domain.notices import Post
from core.notifications import INTAKE_FAILED_KIND, owed
from core.outbox import Delivery, Failure, RetryLater
from core.texts import text, when
from core.usecases.held import NOTICE_KIND
from core.usecases.staff import STAFF_CHANGED_KIND
from officer_bot.answers import relay_answer
from officer_bot.card_data import TicketView, load_view
from officer_bot.cards import Board
from officer_bot.handlers import held, staff
from officer_bot.intake_notice import post_intake_failed
from officer_bot.pacing import Busy
from officer_bot.render import distance_label, duty_lines, next_shift_line
from officer_bot.store import REGISTRATION_KIND, Card
from officer_bot.telegram_io import chunks, outcome
from officer_bot.undelivered import notice

log = logging.getLogger(__name__)


def told(data: dict[str, Any]) -> dict[Chat, Post]:
    """What each staff chat is told of a change: as the row says, or (a row queued before rows said it)
    as the notices table says for its action."""
    staff = data.get("staff")
    if isinstance(staff, dict):
        return {Chat(chat): Post(post) for chat, post in staff.items()}
    return dict(owed(str(data.get("action", "")), TicketState(str(data.get("state"))), data).staff)


class Steps:
    """Posts made for one outbox row, logged, so a retried row skips the ones already in the chat."""

    def __init__(self, ctx: Context, delivery: Delivery, done: int) -> None:
        self.ctx, self.delivery, self.done, self.index = ctx, delivery, done, 0

    @classmethod
    async def of(cls, ctx: Context, delivery: Delivery) -> Steps:
        async with ctx.sessions() as session:
            done = await session.scalar(select(func.count()).select_from(SentMessage).where(
                SentMessage.outbox_id == delivery.id))
        return cls(ctx, delivery, done or 0)

    async def __call__(self, run: Callable[[], Awaitable[Message | tuple[Message, ...]]]) -> None:
        self.index += 1
        if self.index <= self.done:
            return
        sent = await run()
        first = sent[0] if isinstance(sent, tuple) else sent
        now = self.ctx.now()
        async with self.ctx.sessions.begin() as session:
            session.add(SentMessage(outbox_id=self.delivery.id, channel="telegram",
                                    external_id=f"{first.chat.id}:{first.message_id}", status="sent",
                                    created_at=now, updated_at=now))


# Rows that only post a summary to one chat: they touch no card or bundle, so they need not wait for the
# board lock (a camat's second digest waits out Telegram's one-message-a-second gap to a person without
# holding up a desk card); deliver_batch still sends each recipient's rows in order.
SUMMARY_KINDS = frozenset({"digest", "digest.weekly", "digest.kabupaten"})


class TelegramChannel:
    """`send` delivers one board row at a time, so each chat sees its cards in order; a row goes to
    the chats of its kecamatan (its board)."""

    def __init__(self, boards: dict[str, Board]) -> None:
        self.boards = boards
        self._lock = asyncio.Lock()

    def board(self, kecamatan: str) -> Board:
        """The kecamatan's board ("" is a row from before kabupaten installs: the one kecamatan's)."""
        if kecamatan in self.boards:
            return self.boards[kecamatan]
        return self.boards[next(iter(self.boards.values())).ctx.kabupaten.profile(kecamatan).code]

    async def send(self, delivery: Delivery) -> None:
        async with contextlib.nullcontext() if delivery.kind in SUMMARY_KINDS else self._lock:
            try:
                await self._send(self.board(delivery.kecamatan), delivery)
            except Busy as exc:
                raise RetryLater(str(exc), exc.after, Failure.RATE_LIMITED) from exc
            except TelegramError as exc:  # what telegram_io's fallbacks (plain text, split) could not get past
                log.warning("telegram refused a delivery", extra={"outbox_id": delivery.id, "error": str(exc)})
                raise outcome(exc) from exc

    async def _send(self, board: Board, delivery: Delivery) -> None:
        steps = await Steps.of(board.ctx, delivery)
        if delivery.kind == "ticket.changed":
            await self.ticket_changed(board, delivery, steps)
        elif delivery.kind in SUMMARY_KINDS:
            await self.summary(board, delivery.recipient, str(delivery.data.get("text", "")), steps)
        elif delivery.kind == "outbox.stuck":
            await self.stuck(board, delivery.data, steps)
        elif delivery.kind == NOTICE_KIND:
            await held.post_notice(board, delivery.data, steps)
        elif delivery.kind == REGISTRATION_KIND:
            await staff.post_request(board, delivery.data, steps)
        elif delivery.kind == STAFF_CHANGED_KIND:
            await staff.post_change(board, delivery.data, steps)
        elif delivery.kind == INTAKE_FAILED_KIND:
            await post_intake_failed(board, board.ctx, delivery.data, steps)
        else:
            log.warning("unknown telegram outbox kind; skipped", extra={"outbox_id": delivery.id,
                                                                           "kind": delivery.kind})

    async def ticket_changed(self, board: Board, delivery: Delivery, steps: Steps) -> None:
        """Render what the row says each staff chat is told (core's notices table decided it)."""
        data = delivery.data
        view = await load_view(board.ctx, int(data["ticket_id"]), with_nearby=True)
        chats = told(data)
        cards = await board.sync(view, chats)
        for chat, post in chats.items():
            card = cards.get(chat.value)
            if card is None:
                continue
            if post is Post.EXTRAS and card.role == chat.value:  # a bundled ticket shows its media when opened
                await board.post_extras(view, card, steps)
            elif post is Post.ANSWER:
                await relay_answer(board, view, data, card, steps)
            elif post is Post.REMINDER:
                await self.remind(board, view, card, steps)
            elif post is Post.NOTE:
                await self.note(board, view, data, card, steps)

    async def remind(self, board: Board, view: TicketView, card: Card, steps: Steps) -> None:
        """A reminder under the card in the chat whose stage is late."""
        t = view.ticket
        if t.stage_deadline_at is None:
            return
        due = when(t.stage_deadline_at, board.ctx.now(), board.ctx.profile.zone)
        agency = board.ctx.kabupaten.agency(t.forward_agency or "")
        if card.role == Chat.DESK and view.state is TicketState.FORWARDED and agency is not None:
            key = "tg.reply.chase" if agency.contact else "tg.reply.chase_no_contact"  # no group: the desk calls
            body = escape(text(key, number=t.number, when=due, agency=agency.name, contact=agency.contact))
        else:
            body = escape(text("tg.reply.reminder", number=t.number, when=due))
            if card.role == Chat.FIELD and view.on_duty:  # for those on duty now (mentioned), not the whole roll
                body += "\n" + duty_lines(board.ctx, view, "id")[0]
        await steps(lambda: board.tg.send_text(card.chat_id, body, reply_to=card.message_id))

    async def note(self, board: Board, view: TicketView, data: dict[str, Any], card: Card, steps: Steps) -> None:
        """A line under the card saying what just happened there (an agency gave the case back, proof came
        from far away)."""
        if data.get("action") == "verify":
            verify = view.last("verify")
            starts = next_shift_line(board.ctx, verify.data if verify is not None else {}, "id")
            body = escape(" ".join(filter(None, [text("tg.duty.nobody_desk", number=view.ticket.number,
                                                      desa=view.ticket.desa or "-"), starts])))
        elif data.get("action") == "resolve":
            body = escape(text("tg.proof.flagged", number=view.ticket.number, officer=str(data.get("actor") or "-"),
                               distance=distance_label(int(data.get("proof_distance_m") or 0), "id")))
        else:
            body = escape(text("tg.reply.agency_returned", number=view.ticket.number,
                               agency=str(data.get("agency_name") or "-"), reason=str(data.get("reason") or "-")))
        await steps(lambda: board.tg.send_text(card.chat_id, body, reply_to=card.message_id))

    async def summary(self, board: Board, role: str, body: str, steps: Steps) -> None:
        """A summary (the camat's digests, the kabupaten's comparison) to the role's chat, in parts."""
        if not board.has_home(role):  # the kabupaten file lost its chat since the row was queued
            log.warning("summary for a chat the profile no longer names; skipped", extra={"role": role})
            return
        chat = await board.home(role)
        for part in chunks(body):
            await steps(lambda part=part: board.tg.send_text(chat, escape(part)))  # type: ignore[misc]

    async def stuck(self, board: Board, data: dict[str, object], steps: Steps) -> None:
        """Tell the desk, in plain words and local time, about a message that did not go out."""
        body = notice(board.ctx, data)
        chat = await board.home("desk")
        await steps(lambda: board.tg.send_text(chat, escape(body)))
