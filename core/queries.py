"""Read-only views of tickets for consoles and summaries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from core.context import Context
from core.db.models import Attachment, Citizen, InboxUpdate, OutboxMessage, Staff, Ticket, TicketEvent
from core.domain.geo import degree_box, distance_m
from core.domain.lifecycle import OFFICER_LOAD, OPEN_STATES
from core.outbox import owed
from core.usecases._ticket import in_kecamatan


@dataclass(frozen=True)
class TicketRow:
    ticket: Ticket
    reporter_wa_id: str
    assignee: str | None


@dataclass(frozen=True)
class TicketDetail(TicketRow):
    events: list[TicketEvent]
    attachments: list[Attachment]


def _rows() -> object:
    assignee = aliased(Staff)
    return (
        select(Ticket, Citizen.wa_id, assignee.name)
        .join(Citizen, Citizen.id == Ticket.reporter_id)
        .outerjoin(assignee, assignee.id == Ticket.assignee_id)
    )


async def list_tickets(ctx: Context, state: str | None = None, category: str | None = None,
                       desa: str | None = None, limit: int = 50) -> list[TicketRow]:
    """The newest tickets, optionally filtered."""
    query = _rows().where(Ticket.kecamatan == ctx.kecamatan).order_by(  # type: ignore[attr-defined]
        Ticket.id.desc()).limit(limit)
    for column, value in ((Ticket.state, state), (Ticket.category, category), (Ticket.desa, desa)):
        if value:
            query = query.where(column == value)
    async with ctx.sessions() as session:
        return [TicketRow(t, wa, name) for t, wa, name in (await session.execute(query)).all()]


async def ticket_detail(ctx: Context, number: str) -> TicketDetail | None:
    """One ticket with its history and attachments, by public number (case-insensitive); another
    kecamatan's number is refused (OtherKecamatan), naming whose it is."""
    async with ctx.sessions() as session:
        found = (await session.execute(
            _rows().where(Ticket.number == number.strip().upper())  # type: ignore[attr-defined]
        )).first()
        if found is None:
            return None
        ticket, wa_id, name = found
        in_kecamatan(ctx, ticket)
        events = list(await session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))
        files = list(await session.scalars(
            select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)))
        return TicketDetail(ticket, wa_id, name, events, files)


async def officer_load(ctx: Context) -> dict[int, int]:
    """How many open cases (`OFFICER_LOAD`) each staff member holds in ctx's kecamatan; absent: none."""
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(Ticket.assignee_id, func.count()).where(
                Ticket.kecamatan == ctx.kecamatan, Ticket.state.in_(OFFICER_LOAD), Ticket.assignee_id.is_not(None))
            .group_by(Ticket.assignee_id))
        return {staff_id: n for staff_id, n in rows.all() if staff_id is not None}


async def nearby_open_tickets(ctx: Context, category: str | None, latitude: float | None, longitude: float | None,
                              desa: str | None = None, address: str = "", exclude_id: int | None = None,
                              limit: int = 5) -> list[Ticket]:
    """Open tickets of the same category within the profile's radius, or naming the same desa and landmark."""
    if not category:
        return []
    query = select(Ticket).where(Ticket.kecamatan == ctx.kecamatan, Ticket.category == category,
                                 Ticket.state.in_([s.value for s in OPEN_STATES]))
    if exclude_id is not None:
        query = query.where(Ticket.id != exclude_id)
    radius = ctx.profile.duplicate_radius_m
    found: dict[int, Ticket] = {}
    async with ctx.sessions() as session:
        if latitude is not None and longitude is not None:
            south, north, west, east = degree_box(latitude, longitude, radius)
            boxed = await session.scalars(query.where(Ticket.latitude.between(south, north),
                                                      Ticket.longitude.between(west, east)))
            for t in boxed:
                if t.latitude is not None and t.longitude is not None and \
                        distance_m(latitude, longitude, t.latitude, t.longitude) <= radius:
                    found[t.id] = t
        landmark = address.strip().casefold()
        if desa and landmark:
            for t in await session.scalars(query.where(Ticket.desa == desa)):
                if t.address.strip().casefold() == landmark:
                    found[t.id] = t
    return sorted(found.values(), key=lambda t: t.id)[:limit]


@dataclass(frozen=True)
class SystemCounts:
    tickets_by_state: dict[str, int]
    inbox_pending: dict[str, int]
    outbox_pending: dict[str, int]
    outbox_failing: dict[str, int]
    outbox_set_aside: dict[str, int]  # given up on after their fallbacks failed (the desk was told)
    inbox_unreadable: dict[str, int] = field(default_factory=dict)  # signed deliveries kept with the reason
    inbox_failed: dict[str, int] = field(default_factory=dict)  # updates whose processing failed for good


async def system_counts(ctx: Context) -> SystemCounts:
    """What /metrics and /healthz report: tickets by state, unprocessed inbox, undelivered outbox."""
    async with ctx.sessions() as session:
        states = dict((await session.execute(select(Ticket.state, func.count()).group_by(Ticket.state))).all())
        inbox = dict((await session.execute(
            select(InboxUpdate.platform, func.count()).where(InboxUpdate.processed_at.is_(None))
            .group_by(InboxUpdate.platform))).all())
        unsent = owed()
        outbox = dict((await session.execute(
            select(OutboxMessage.channel, func.count()).where(unsent).group_by(OutboxMessage.channel))).all())
        failing = dict((await session.execute(
            select(OutboxMessage.channel, func.count()).where(unsent, OutboxMessage.attempts > 0)
            .group_by(OutboxMessage.channel))).all())
        set_aside = dict((await session.execute(
            select(OutboxMessage.channel, func.count()).where(OutboxMessage.set_aside_at.is_not(None))
            .group_by(OutboxMessage.channel))).all())
        unreadable = InboxUpdate.external_id.startswith("unreadable:")
        failed = [dict((await session.execute(
            select(InboxUpdate.platform, func.count()).where(
                InboxUpdate.processed_at.is_not(None), InboxUpdate.error.is_not(None), which)
            .group_by(InboxUpdate.platform))).all()) for which in (unreadable, ~unreadable)]
    return SystemCounts(states, inbox, outbox, failing, set_aside, *failed)
