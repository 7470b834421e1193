"""The data a card (or a command's answer) shows about one ticket, read in one go; `render.py` makes its text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from core.context import Context
from core.db.models import Attachment, Citizen, Staff, Ticket, TicketEvent
from core.domain.errors import TicketNotFound
from core.domain.lifecycle import TicketState
from core.queries import nearby_open_tickets
from core.usecases.duty import OnDuty, on_duty_for


@dataclass(frozen=True)
class TicketView:
    ticket: Ticket
    reporter_wa_id: str
    assignee: str | None
    events: list[TicketEvent]
    attachments: list[Attachment]
    nearby: list[Ticket]
    on_duty: tuple[OnDuty, ...] = ()  # a case waiting for an officer: who is on duty for its desa

    @property
    def state(self) -> TicketState:
        return TicketState(self.ticket.state)

    def last(self, *actions: str) -> TicketEvent | None:
        """The newest event of one of these actions."""
        return next((e for e in reversed(self.events) if e.action in actions), None)

    def report_files(self, kind: str) -> list[Attachment]:
        return [a for a in self.attachments if a.role == "report" and a.kind == kind]


def answered_question(view: TicketView, data: dict[str, Any]) -> TicketEvent | None:
    """The question a relayed citizen message (an outbox row's `data`) answers: the desk's ask just
    before it; None when it is more detail the citizen sent unasked."""
    events = view.events
    mine = next((i for i in range(len(events) - 1, -1, -1) if events[i].action == "citizen_answers"
                 and events[i].data.get("attachment_ids") == data.get("attachment_ids")
                 and events[i].data.get("text") == data.get("text")), None)
    if mine is None:
        return None
    before = next((e for e in reversed(events[:mine]) if e.action in ("ask_citizen", "citizen_answers")), None)
    return before if before is not None and before.action == "ask_citizen" else None


async def load_view(ctx: Context, ticket_id: int, with_nearby: bool = False) -> TicketView:
    """The ticket, its reporter's number, assignee, history, files and (on request) possible duplicates."""
    async with ctx.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFound(ticket=ticket_id)
        wa_id = await session.scalar(select(Citizen.wa_id).where(Citizen.id == ticket.reporter_id)) or ""
        assignee = (await session.scalar(select(Staff.name).where(Staff.id == ticket.assignee_id))
                    if ticket.assignee_id else None)
        events = list(await session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)))
        files = list(await session.scalars(
            select(Attachment).where(Attachment.ticket_id == ticket_id).order_by(Attachment.id)))
    nearby: list[Ticket] = []
    if with_nearby and ticket.state == TicketState.RECEIVED:
        nearby = await nearby_open_tickets(ctx, ticket.category, ticket.latitude, ticket.longitude,
                                           ticket.desa, ticket.address, exclude_id=ticket.id)
    on_duty: tuple[OnDuty, ...] = ()
    if ticket.state == TicketState.VERIFIED:
        on_duty = tuple(await on_duty_for(ctx.at(ticket.kecamatan), ticket.desa, ticket.category))
    return TicketView(ticket, wa_id, assignee, events, files, nearby, on_duty)


async def ticket_id_of(ctx: Context, number: str) -> int | None:
    """A ticket's row id from its public number (case-insensitive)."""
    async with ctx.sessions() as session:
        return await session.scalar(select(Ticket.id).where(Ticket.number == number.strip().upper()))
