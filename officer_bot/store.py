"""What the officer bot keeps in the database: cards, chat bindings after migration, and prompts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from telegram import Update

from core.context import Context
from core.db.engine import insert_for
from core.db.models import ChatBinding, TelegramCard, TelegramPrompt, Ticket
from core.notifications import queue
from officer_bot.callbacks import NOT_TICKETS, decode

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Card:
    ticket_id: int
    chat_id: int
    message_id: int
    role: str  # desk, field, camat; bundle_desk / bundle_field while listed in a bundle (or WAITING for one)


@dataclass(frozen=True)
class Prompt:
    id: int
    chat_id: int
    message_id: int
    kind: str
    ticket_id: int | None
    user_id: int
    data: dict[str, Any]


def _card(row: TelegramCard) -> Card:
    return Card(row.ticket_id, row.chat_id, row.message_id, row.role)


async def cards_of(ctx: Context, ticket_id: int) -> list[Card]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(TelegramCard).where(TelegramCard.ticket_id == ticket_id)
                                     .order_by(TelegramCard.id))
        return [_card(r) for r in rows]


async def card_at(ctx: Context, chat_id: int, message_id: int) -> list[Card]:
    """The cards shown by one message (one card, or every ticket of a bundle)."""
    async with ctx.sessions() as session:
        rows = await session.scalars(select(TelegramCard).where(
            TelegramCard.chat_id == chat_id, TelegramCard.message_id == message_id).order_by(TelegramCard.id))
        return [_card(r) for r in rows]


async def save_card(ctx: Context, card: Card) -> None:
    """Record (or move) the one message that shows `card.ticket_id` in `card.chat_id`."""
    now = ctx.now()
    async with ctx.sessions.begin() as session:
        row = await session.scalar(select(TelegramCard).where(
            TelegramCard.ticket_id == card.ticket_id, TelegramCard.chat_id == card.chat_id))
        if row is None:
            session.add(TelegramCard(ticket_id=card.ticket_id, chat_id=card.chat_id, message_id=card.message_id,
                                     role=card.role, created_at=now, updated_at=now))
        else:
            row.message_id, row.role, row.updated_at = card.message_id, card.role, now


WAITING = 0  # a bundled card's message id until a bundle post shows it: listed, waiting for the chat's next post


async def bundle_tickets(ctx: Context, chat_id: int, role: str, message_id: int) -> list[int]:
    """The tickets one bundle message lists (or, for WAITING, those waiting for the next post), in order."""
    async with ctx.sessions() as session:
        return list(await session.scalars(select(TelegramCard.ticket_id).where(
            TelegramCard.chat_id == chat_id, TelegramCard.role == role, TelegramCard.message_id == message_id)
            .order_by(TelegramCard.id)))


async def newest_bundle(ctx: Context, chat_id: int, role: str) -> int | None:
    """The chat's newest bundle message (of `role`, e.g. bundle_desk) showing any ticket."""
    async with ctx.sessions() as session:
        found = await session.scalar(select(func.max(TelegramCard.message_id)).where(
            TelegramCard.chat_id == chat_id, TelegramCard.role == role, TelegramCard.message_id != WAITING))
        return int(found) if found is not None else None


async def move_cards(ctx: Context, chat_id: int, ticket_ids: list[int], message_id: int) -> None:
    """Record that one message now shows these tickets' cards in this chat (one transaction)."""
    async with ctx.sessions.begin() as session:
        await session.execute(update(TelegramCard).where(
            TelegramCard.chat_id == chat_id, TelegramCard.ticket_id.in_(ticket_ids)).values(
            message_id=message_id, updated_at=ctx.now()))


async def current_chat(ctx: Context, configured_id: int) -> int:
    """Where a chat named in the profile lives now (its supergroup id after a migration)."""
    async with ctx.sessions() as session:
        binding = await session.get(ChatBinding, configured_id)
        return binding.current_id if binding else configured_id


async def configured_chat(ctx: Context, chat_id: int) -> int:
    """The profile's id for a chat we may know under its new id."""
    async with ctx.sessions() as session:
        found = await session.scalar(select(ChatBinding.configured_id).where(ChatBinding.current_id == chat_id))
        return found if found is not None else chat_id


async def migrate_chat(ctx: Context, old_id: int, new_id: int) -> None:
    """Follow a group to its supergroup: bind the profile id to the new id and move cards and prompts."""
    try:
        await _migrate(ctx, old_id, new_id)
    except IntegrityError:  # the service message and a ChatMigrated answer raced; the other one bound it
        await _migrate(ctx, old_id, new_id)
    log.info("telegram chat migrated", extra={"old_chat_id": old_id, "new_chat_id": new_id})


async def _migrate(ctx: Context, old_id: int, new_id: int) -> None:
    now = ctx.now()
    async with ctx.sessions.begin() as session:
        bound = list(await session.scalars(select(ChatBinding).where(ChatBinding.current_id == old_id)))
        if not bound and await session.get(ChatBinding, old_id) is None:
            bound = [ChatBinding(configured_id=old_id, current_id=old_id, updated_at=now)]
            session.add(bound[0])
        for binding in bound:
            binding.current_id, binding.updated_at = new_id, now
        await session.execute(update(TelegramCard).where(TelegramCard.chat_id == old_id).values(chat_id=new_id))
        await session.execute(update(TelegramPrompt).where(TelegramPrompt.chat_id == old_id).values(chat_id=new_id))


async def open_prompt(ctx: Context, chat_id: int, message_id: int, kind: str, user_id: int,
                      ticket_id: int | None = None, data: dict[str, Any] | None = None) -> int:
    async with ctx.sessions.begin() as session:
        row = TelegramPrompt(chat_id=chat_id, message_id=message_id, kind=kind, ticket_id=ticket_id,
                             user_id=user_id, data=data or {}, created_at=ctx.now())
        session.add(row)
        await session.flush()
        return row.id


REGISTRATION = "registration"
REGISTRATION_KIND = "staff.registration"  # the outbox row that posts a request to the desk


async def open_registration(ctx: Context, desk_chat: int, user_id: int, name: str) -> int | None:
    """A person's registration request and the outbox row that posts it to the desk, in one transaction.

    None when the person has a request open already: the unique index on open requests decides, so
    two /daftar at the same moment (on two replicas) make one request. The desk's message goes out
    through the outbox, so a request is never recorded without reaching the desk.
    """
    now = ctx.now()
    async with ctx.sessions.begin() as session:
        insert = insert_for(session)(TelegramPrompt).values(
            chat_id=desk_chat, message_id=0, kind=REGISTRATION, ticket_id=None, user_id=user_id,
            data={"user_id": user_id, "name": name}, created_at=now)
        prompt_id = await session.scalar(insert.on_conflict_do_nothing(
            index_elements=[TelegramPrompt.user_id],
            index_where=text("kind = 'registration' AND closed_at IS NULL")).returning(TelegramPrompt.id))
        if prompt_id is None:
            return None
        queue(session, channel="telegram", recipient="chat:desk", kecamatan=ctx.kecamatan, kind=REGISTRATION_KIND,
              data={"prompt_id": prompt_id, "user_id": user_id, "name": name},
              dedupe_key=f"registration:{prompt_id}", now=now)
        return int(prompt_id)


async def claim_prompt(ctx: Context, prompt_id: int, kind: str) -> Prompt | None:
    """Close an open prompt of this kind and return it; None if it is not open (someone answered first)."""
    async with ctx.sessions.begin() as session:
        row = await session.get(TelegramPrompt, prompt_id)
        if row is None or row.kind != kind:
            return None
        claimed = await session.execute(update(TelegramPrompt).where(
            TelegramPrompt.id == prompt_id, TelegramPrompt.closed_at.is_(None)).values(closed_at=ctx.now()))
        return _prompt(row) if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def _prompt(row: TelegramPrompt) -> Prompt:
    return Prompt(row.id, row.chat_id, row.message_id, row.kind, row.ticket_id, row.user_id, dict(row.data))


async def prompt_at(ctx: Context, chat_id: int, message_id: int) -> Prompt | None:
    """The open prompt a reply answers."""
    async with ctx.sessions() as session:
        row = await session.scalar(select(TelegramPrompt).where(
            TelegramPrompt.chat_id == chat_id, TelegramPrompt.message_id == message_id,
            TelegramPrompt.closed_at.is_(None)))
        return _prompt(row) if row else None


async def prompt_by_id(ctx: Context, prompt_id: int) -> Prompt | None:
    async with ctx.sessions() as session:
        row = await session.get(TelegramPrompt, prompt_id)
        return _prompt(row) if row and row.closed_at is None else None


async def latest_prompt(ctx: Context, chat_id: int, user_id: int) -> Prompt | None:
    """The newest open prompt waiting for this user in a private chat (no reply needed there)."""
    async with ctx.sessions() as session:
        row = await session.scalar(select(TelegramPrompt).where(
            TelegramPrompt.chat_id == chat_id, TelegramPrompt.user_id == user_id,
            TelegramPrompt.closed_at.is_(None)).order_by(TelegramPrompt.id.desc()).limit(1))
        return _prompt(row) if row else None


async def update_prompt(ctx: Context, prompt_id: int, data: dict[str, Any]) -> None:
    async with ctx.sessions.begin() as session:
        await session.execute(update(TelegramPrompt).where(TelegramPrompt.id == prompt_id).values(data=data))


async def close_prompts(ctx: Context, *, prompt_id: int | None = None, ticket_id: int | None = None,
                        kind: str | None = None) -> None:
    """Close one prompt, or every open prompt of a ticket (of one kind)."""
    query = update(TelegramPrompt).where(TelegramPrompt.closed_at.is_(None))
    if prompt_id is not None:
        query = query.where(TelegramPrompt.id == prompt_id)
    if ticket_id is not None:
        query = query.where(TelegramPrompt.ticket_id == ticket_id)
    if kind is not None:
        query = query.where(TelegramPrompt.kind == kind)
    async with ctx.sessions.begin() as session:
        await session.execute(query.values(closed_at=ctx.now()))


async def question_asked(ctx: Context, ticket_id: int, question: str) -> tuple[int, int] | None:
    """Where staff asked the citizen this question (chat, message): the answer goes back under it."""
    async with ctx.sessions() as session:
        rows = await session.scalars(select(TelegramPrompt).where(
            TelegramPrompt.ticket_id == ticket_id, TelegramPrompt.kind == "question",
            TelegramPrompt.closed_at.is_not(None)).order_by(TelegramPrompt.id.desc()).limit(20))
        for row in rows:
            if row.data.get("question") == question:
                return row.chat_id, int(row.data.get("question_message_id") or row.message_id)
    return None


async def bind_prompt(ctx: Context, prompt_id: int, chat_id: int, message_id: int) -> None:
    """Attach a prompt opened before its message was posted to that message."""
    async with ctx.sessions.begin() as session:
        await session.execute(update(TelegramPrompt).where(TelegramPrompt.id == prompt_id).values(
            chat_id=chat_id, message_id=message_id))


async def case_kecamatan(ctx: Context, incoming: Update, chat_id: int) -> str | None:
    """The kecamatan of the case an update in a shared chat is about: the ticket a tapped button names,
    or the one whose card or prompt a message replies to; None when it names none."""
    ticket_id: int | None = None
    query, message = incoming.callback_query, incoming.effective_message
    if query is not None:
        tap = decode(query.data)
        ticket_id = tap.target if tap is not None and tap.op not in NOT_TICKETS else None
    elif message is not None and message.reply_to_message is not None:
        replied = message.reply_to_message.message_id
        prompt = await prompt_at(ctx, chat_id, replied)
        cards = [] if prompt is not None else await card_at(ctx, chat_id, replied)
        ticket_id = prompt.ticket_id if prompt is not None else (cards[0].ticket_id if cards else None)
    return None if ticket_id is None else await ticket_kecamatan(ctx, ticket_id)


async def ticket_kecamatan(ctx: Context, ticket_id: int) -> str | None:
    """The kecamatan a ticket belongs to; None for no such ticket."""
    async with ctx.sessions() as session:
        return await session.scalar(select(Ticket.kecamatan).where(Ticket.id == ticket_id))
