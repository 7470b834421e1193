"""Read-only views of tickets for consoles and summaries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from core.context import Context
from core.db.models import Attachment, Citizen, Staff, Ticket, TicketEvent


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
    query = _rows().order_by(Ticket.id.desc()).limit(limit)  # type: ignore[attr-defined]
    for column, value in ((Ticket.state, state), (Ticket.category, category), (Ticket.desa, desa)):
        if value:
            query = query.where(column == value)
    async with ctx.sessions() as session:
        return [TicketRow(t, wa, name) for t, wa, name in (await session.execute(query)).all()]


async def ticket_detail(ctx: Context, number: str) -> TicketDetail | None:
    """One ticket with its history and attachments, by public number (case-insensitive)."""
    async with ctx.sessions() as session:
        found = (await session.execute(
            _rows().where(Ticket.number == number.strip().upper())  # type: ignore[attr-defined]
        )).first()
        if found is None:
            return None
        ticket, wa_id, name = found
        events = list(await session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))
        files = list(await session.scalars(
            select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)))
        return TicketDetail(ticket, wa_id, name, events, files)
