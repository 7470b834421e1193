"""The bot's own rows: conversation state, the citizen's language, delivery state of sent messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.engine import insert_for, is_sqlite, wake_outbox
from core.db.models import Citizen, Conversation, InboxUpdate, OutboxMessage, SentMessage, Ticket
from core.domain.conversation import Step
from core.domain.people import Actor, normalise_phone
from core.inbox import mark_processed_in
from core.outbox import Record, owed
from reporter_bot.draft import Draft
from reporter_bot.webhook_body import Status, line_of

STATUS_ORDER = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


@dataclass(frozen=True)
class CitizenInfo:
    id: int
    wa_id: str
    name: str
    locale: str
    last_inbound_at: datetime | None


async def citizen_info(ctx: Context, citizen_id: int) -> CitizenInfo | None:
    async with ctx.sessions() as session:
        row = await session.get(Citizen, citizen_id)
        if row is None:
            return None
        return CitizenInfo(row.id, row.wa_id, row.name, row.locale, row.last_inbound_at)


@dataclass(frozen=True)
class TurnStart:
    """What a message's turn starts from, read at the start of its unit of work."""

    actor: Actor
    citizen: CitizenInfo
    step: Step
    draft: Draft
    first_contact: bool  # the citizen never talked to the bot before
    waiting: int  # held updates (outside the 24-hour window) this message releases


async def known_citizen(ctx: Context, wa_id: str, name: str) -> CitizenInfo:
    """The sender's row, read; a citizen new to the bot gets one (inside the turn's unit: the first write
    of the turn, so SQLite's write lock is then held from here to the turn's commit)."""
    phone = normalise_phone(wa_id)
    async with ctx.sessions() as session:
        row = await session.scalar(select(Citizen).where(Citizen.wa_id == phone))
    if row is None:
        async with ctx.sessions.begin() as session:
            await session.execute(insert_for(session)(Citizen).values(
                wa_id=phone, name=name, locale=ctx.profile.default_locale, created_at=ctx.now(),
            ).on_conflict_do_nothing(index_elements=[Citizen.wa_id]))
            row = await session.scalar(select(Citizen).where(Citizen.wa_id == phone))
    assert row is not None
    return CitizenInfo(row.id, row.wa_id, row.name, row.locale, row.last_inbound_at)


async def start_turn(ctx: Context, citizen: CitizenInfo, key: str | None = None) -> TurnStart:
    """Inside the turn's unit: load the citizen's conversation. Reads only on SQLite, so the write lock
    is taken at the turn's end (`record_inbound`), not held while the conversation runs; on PostgreSQL
    the citizen's row is locked first, until the turn commits, so two replicas never run one citizen's
    turns at once (on SQLite one process writes, and its workers take a citizen's messages in turn).
    `key` is the conversation's kecamatan key when it is not `ctx`'s (the kabupaten-wide number's)."""
    if not is_sqlite(ctx.sessions):
        async with ctx.sessions.begin() as session:
            await session.execute(select(Citizen.id).where(Citizen.id == citizen.id).with_for_update())
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, (citizen.id, key or ctx.kecamatan))
        held = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "whatsapp", OutboxMessage.recipient == f"citizen:{citizen.id}",
            owed(), OutboxMessage.next_attempt_at > ctx.now()))
    if conversation is None:
        return TurnStart(Actor.citizen(citizen.id), citizen, Step.IDLE, Draft(), True, held or 0)
    return TurnStart(Actor.citizen(citizen.id), citizen, Step.stored(conversation.step),
                     Draft.from_dict(conversation.draft or {}), False, held or 0)


async def record_inbound(session: AsyncSession, citizen: CitizenInfo, name: str, locale: str, now: datetime) -> None:
    """In the turn's commit, one statement: the message opened the 24-hour window (and named a citizen
    we knew unnamed, or changed their language)."""
    values: dict[str, Any] = {"last_inbound_at": now}
    if name and not citizen.name:
        values["name"] = name
    if locale != citizen.locale:
        values["locale"] = locale
    await session.execute(update(Citizen).where(Citizen.id == citizen.id).values(**values))


async def save_conversation(session: AsyncSession, citizen_id: int, kecamatan: str, step: Step, draft: Draft,
                            now: datetime, idle_keeps: tuple[str, ...] = ()) -> None:
    """Write the step and draft of the citizen's conversation with `kecamatan` (on the kabupaten-wide
    number: the kabupaten's code) in the caller's transaction, one upsert (an idle step keeps no draft,
    only the fields `idle_keeps` names)."""
    data = {k: v for k, v in draft.to_dict().items() if k in idle_keeps} if step == Step.IDLE else draft.to_dict()
    stmt = insert_for(session)(Conversation).values(citizen_id=citizen_id, kecamatan=kecamatan, step=step.value,
                                                    draft=data, updated_at=now)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=[Conversation.citizen_id, Conversation.kecamatan],
        set_={"step": stmt.excluded.step, "draft": stmt.excluded.draft, "updated_at": stmt.excluded.updated_at}))


async def release_waiting(session: AsyncSession, citizen_id: int, now: datetime) -> int:
    """Make this citizen's held WhatsApp rows due now (the 24-hour window is open again)."""
    wake_outbox(session, "whatsapp")
    result = await session.execute(update(OutboxMessage).where(
        OutboxMessage.channel == "whatsapp", OutboxMessage.recipient == f"citizen:{citizen_id}",
        owed(), OutboxMessage.next_attempt_at > now).values(next_attempt_at=now))
    return int(getattr(result, "rowcount", 0) or 0)


async def template_sent_for(ctx: Context, outbox_id: int) -> bool:
    """Whether a message already went out for this (still unsent) outbox row: the window template."""
    async with ctx.sessions() as session:
        found = await session.scalar(select(SentMessage.id).where(SentMessage.outbox_id == outbox_id).limit(1))
        return found is not None


def sent_record(ctx: Context, wamid: str, outbox_id: int) -> Record:
    """`record_sent` as the outbox's `Record`: written with the row's sent mark, in one transaction."""
    async def record(session: AsyncSession) -> None:
        now = ctx.now()
        stmt = insert_for(session)(SentMessage).values(
            channel="whatsapp", external_id=wamid, outbox_id=outbox_id, status="sent", created_at=now, updated_at=now)
        await session.execute(stmt.on_conflict_do_update(  # its status webhook came first: keep that status
            index_elements=[SentMessage.channel, SentMessage.external_id], set_={"outbox_id": outbox_id}))
    return record


async def record_statuses(ctx: Context, statuses: Sequence[Status], finishes_item: int | None = None) -> None:
    """Move sent messages' delivery states forward (sent → delivered → read, or failed), in one
    transaction; with `finishes_item` the same commit marks that inbox item processed."""
    await _upsert(ctx, [(s.wamid, None, s.status, s.error) for s in statuses], finishes_item)


def _rank(status: Any) -> Any:
    return case(STATUS_ORDER, value=status, else_=0)


async def record_statuses_in(session: AsyncSession, statuses: Sequence[Status], now: datetime) -> None:
    """`record_statuses` in the caller's transaction (the webhook's own acknowledgement): one upsert
    each, so a send recorded at the same moment elsewhere cannot make it fail."""
    insert = insert_for(session)
    for s in statuses:
        first = s.status if STATUS_ORDER.get(s.status, 0) else "sent"  # a status we do not know stays "sent"
        stmt = insert(SentMessage).values(channel="whatsapp", external_id=s.wamid, status=first,
                                          error=s.error[:300] or None, created_at=now, updated_at=now)
        await session.execute(stmt.on_conflict_do_update(
            index_elements=[SentMessage.channel, SentMessage.external_id],
            set_={"status": stmt.excluded.status, "updated_at": now,
                  "error": func.coalesce(stmt.excluded.error, SentMessage.error)},
            where=_rank(stmt.excluded.status) >= _rank(SentMessage.status)))


async def record_sent(ctx: Context, wamid: str, outbox_id: int | None) -> None:
    """Remember a message the platform accepted (its status webhook may have come first)."""
    await _upsert(ctx, [(wamid, outbox_id, None, "")])


async def _upsert(ctx: Context, changes: list[tuple[str, int | None, str | None, str]],
                  finishes_item: int | None = None) -> None:
    for _ in range(3):
        try:
            async with ctx.sessions.begin() as session:
                now = ctx.now()
                for wamid, outbox_id, status, error in changes:
                    row = await session.scalar(select(SentMessage).where(
                        SentMessage.channel == "whatsapp", SentMessage.external_id == wamid))
                    if row is None:
                        row = SentMessage(channel="whatsapp", external_id=wamid, status="sent", created_at=now,
                                          updated_at=now)
                        session.add(row)
                    if outbox_id is not None:
                        row.outbox_id = outbox_id
                    if status and STATUS_ORDER.get(status, 0) >= STATUS_ORDER.get(row.status, 0):
                        row.status, row.updated_at = status, now
                        row.error = error[:300] or row.error
                if finishes_item is not None:
                    await mark_processed_in(session, finishes_item, now)
                return
        except IntegrityError:  # the same message recorded at the same moment elsewhere: read it again
            continue


async def ticket_line(ctx: Context, ticket_id: int, citizen_id: int) -> str:
    """The business number the citizen wrote to when they filed this ticket ("" if not theirs, or not
    filed from WhatsApp): its `source_ref` names the stored message that filed it."""
    async with ctx.sessions() as session:
        found = await session.execute(select(Ticket.source_ref, Ticket.reporter_id).where(Ticket.id == ticket_id))
        row = found.first()
        if row is None or row.reporter_id != citizen_id or not (row.source_ref or "").startswith("whatsapp:"):
            return ""
        inbox_id = row.source_ref.split(":")[1]
        payload = await session.scalar(select(InboxUpdate.payload).where(InboxUpdate.id == int(inbox_id))) \
            if inbox_id.isdigit() else None
    try:
        return line_of(payload) if payload else ""
    except ValueError:
        return ""


async def ticket_kecamatan(ctx: Context, ticket_id: int) -> str | None:
    """The kecamatan a ticket is filed in."""
    async with ctx.sessions() as session:
        return await session.scalar(select(Ticket.kecamatan).where(Ticket.id == ticket_id))
