"""What a citizen does: report, follow, answer, confirm or dispute the fix, rate, cancel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.engine import insert_for
from core.db.models import Citizen, Ticket, TicketCounter
from core.domain.errors import InvalidInput, Refused, TicketNotFound
from core.domain.lifecycle import OPEN_STATES, Action, TicketState
from core.domain.people import Actor, normalise_phone
from core.domain.reports import AttachmentRole, NewAttachment, NewReport, Privacy, format_number
from core.notifications import SUBMIT, notify_change, owed
from core.usecases._ticket import lock_ticket, new_event, restart_stage_clock, transition
from core.usecases.attachments import attach
from core.usecases.follows import add_follower


class TooManyReports(Refused):
    code = "error.too_many_reports"


@dataclass(frozen=True)
class Submitted:
    ticket_id: int
    number: str
    deadline: datetime | None


async def citizen_actor(ctx: Context, phone: str, name: str = "", inbound: bool = False) -> Actor:
    """The citizen with this number (created on first contact); `inbound` records a message now."""
    async with ctx.sessions.begin() as session:
        citizen = await citizen_row(ctx, session, phone, name, inbound)
        return Actor.citizen(citizen.id)


async def citizen_row(ctx: Context, session: AsyncSession, phone: str, name: str = "",
                      inbound: bool = False) -> Citizen:
    """`citizen_actor` inside the caller's transaction: the citizen's row, created and flushed if new."""
    wa_id = normalise_phone(phone)
    citizen = await session.scalar(select(Citizen).where(Citizen.wa_id == wa_id))
    if citizen is None:
        citizen = Citizen(wa_id=wa_id, name=name, locale=ctx.profile.default_locale, created_at=ctx.now())
        session.add(citizen)
    if name and not citizen.name:
        citizen.name = name
    if inbound:
        citizen.last_inbound_at = ctx.now()
    await session.flush()
    return citizen


async def next_number(session: AsyncSession, prefix: str) -> str:
    """The next ticket number for `prefix`, taken atomically inside the caller's transaction."""
    stmt = insert_for(session)(TicketCounter).values(prefix=prefix, last_value=1)
    upsert = stmt.on_conflict_do_update(
        index_elements=[TicketCounter.prefix], set_={"last_value": TicketCounter.last_value + 1}
    ).returning(TicketCounter.last_value)
    value = (await session.execute(upsert)).scalar_one()
    return format_number(prefix, value)


async def submit_ticket(ctx: Context, actor: Actor, report: NewReport) -> Submitted:
    """Turn a finished report into a ticket, acknowledge it to the citizen and put it on the desk."""
    check_report(ctx, report)
    async with ctx.sessions.begin() as session:
        done = await already_submitted(session, report.source_ref)
        if done is not None:
            return done
        await _check_daily_limit(ctx, session, actor)
        ticket = await create_ticket(ctx, session, actor.id or 0, report)
        return Submitted(ticket.id, ticket.number, ticket.stage_deadline_at)


def check_report(ctx: Context, report: NewReport) -> None:
    """Refuse a report naming a category or desa the profile lacks, or carrying nothing at all."""
    if report.category and ctx.profile.category(report.category) is None:
        raise InvalidInput(f"unknown category {report.category!r}", field="category")
    if report.desa and ctx.profile.desa_named(report.desa) is None:
        raise InvalidInput(f"unknown desa {report.desa!r}", field="desa")
    if not report.description.strip() and not report.attachments:
        raise InvalidInput("a report needs a description or an attachment", field="description")


async def already_submitted(session: AsyncSession, source_ref: str | None) -> Submitted | None:
    """The ticket a redelivered or reprocessed submission already made, if any."""
    if source_ref is None:
        return None
    done = await session.scalar(select(Ticket).where(Ticket.source_ref == source_ref))
    return Submitted(done.id, done.number, done.stage_deadline_at) if done is not None else None


async def create_ticket(ctx: Context, session: AsyncSession, citizen_id: int, report: NewReport,
                        event_data: dict[str, Any] | None = None) -> Ticket:
    """Write a checked report as a received ticket with its submit event and "received" notifications."""
    profile, now = ctx.profile, ctx.now()
    category = profile.category(report.category) if report.category else None
    desa = profile.desa_named(report.desa) if report.desa else None
    ticket = Ticket(
        number=await next_number(session, profile.ticket_prefix), kecamatan=profile.code,
        report_type=category.report_type if category else "complaint",
        category=category.code if category else None, description=report.description.strip(),
        latitude=report.latitude, longitude=report.longitude, address=report.address.strip(),
        desa=desa.name if desa else None, reporter_id=citizen_id, privacy=report.privacy.value,
        source_ref=report.source_ref,
        state=TicketState.RECEIVED.value, escalation_level=0, created_at=now, updated_at=now,
        stage_started_at=now,
    )
    restart_stage_clock(ctx, ticket)
    session.add(ticket)
    await session.flush()
    reporter = Actor.citizen(citizen_id)
    attach(session, ticket.id, report.attachments, AttachmentRole.REPORT, reporter, now)
    event = new_event(ticket.id, "submit", reporter, None, ticket.state, event_data or {}, now)
    session.add(event)
    await session.flush()
    await notify_change(session, ticket, event, owed(SUBMIT, TicketState.RECEIVED, event.data), now)
    return ticket


async def reports_today(ctx: Context, session: AsyncSession, citizen_id: int) -> int:
    """Tickets the citizen filed since the kecamatan's local midnight: what the daily limit counts."""
    local_midnight = datetime.combine(ctx.now().astimezone(ctx.profile.zone).date(), time.min, ctx.profile.zone)
    count = await session.scalar(
        select(func.count()).select_from(Ticket).where(
            Ticket.reporter_id == citizen_id, Ticket.kecamatan == ctx.kecamatan, Ticket.created_at >= local_midnight
        )
    )
    return count or 0


async def _check_daily_limit(ctx: Context, session: AsyncSession, actor: Actor) -> None:
    if await reports_today(ctx, session, actor.id or 0) >= ctx.profile.daily_ticket_limit:
        raise TooManyReports(limit=ctx.profile.daily_ticket_limit)


async def follow_ticket(ctx: Context, actor: Actor, ticket_id: int) -> str:
    """Make the citizen a follower of an open ticket (e.g. the same problem reported by a neighbour)."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        if TicketState(ticket.state) not in OPEN_STATES:
            raise InvalidInput("ticket is no longer open", number=ticket.number)
        if ticket.privacy == Privacy.CONFIDENTIAL and ticket.reporter_id != actor.id:
            raise TicketNotFound(ticket=ticket.id)  # a confidential case is nobody else's to follow, or to know of
        await add_follower(session, ctx, ticket, actor.id or 0, actor, via="offer")
        return ticket.number


async def citizen_answers(ctx: Context, actor: Actor, ticket_id: int, text: str,
                          attachments: tuple[NewAttachment, ...] = ()) -> None:
    """Relay the citizen's message (an answer to the desk, or more detail) to the ticket's chat."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        rows = attach(session, ticket.id, attachments, AttachmentRole.REPORT, actor, ctx.now())
        await session.flush()
        await transition(ctx, session, ticket, Action.CITIZEN_ANSWERS, actor,
                         {"text": text, "attachment_ids": [r.id for r in rows]})


async def confirm_fixed(ctx: Context, actor: Actor, ticket_id: int) -> None:
    """The citizen says the problem is fixed: the ticket closes and a rating is asked for."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.CONFIRM_FIXED, actor)
        ticket.closed_at = ctx.now()


async def report_not_fixed(ctx: Context, actor: Actor, ticket_id: int, reason: str = "") -> None:
    """The citizen says it is not fixed: the ticket goes back to its officer, in progress."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.REPORT_NOT_FIXED, actor, {"reason": reason})
        ticket.resolved_at = None


async def rate_ticket(ctx: Context, actor: Actor, ticket_id: int, stars: int) -> None:
    """Record the citizen's rating, 1 to 5."""
    if not 1 <= stars <= 5:
        raise InvalidInput("rating must be 1 to 5", field="rating")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.RATE, actor, {"rating": stars})
        ticket.rating = stars


async def cancel_ticket(ctx: Context, actor: Actor, ticket_id: int) -> None:
    """The citizen withdraws a report that nobody has started working on."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.CANCEL, actor)
        ticket.closed_at = ctx.now()
