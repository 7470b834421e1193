"""The one path every ticket action takes: lock, check, change, audit, notify — in one transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.models import Staff, Ticket, TicketEvent
from core.domain.errors import NotAssignee, NotYourTicket, TicketNotFound
from core.domain.lifecycle import (
    REPORTER_ONLY,
    Action,
    AlreadyTaken,
    IllegalTransition,
    TicketState,
    decide,
    must_be_assignee,
)
from core.domain.people import Actor
from core.domain.sla import STAGE_OF_STATE
from core.notifications import citizen_kind_for, notify_change


async def lock_ticket(session: AsyncSession, ticket_id: int) -> Ticket:
    """The ticket, locked against concurrent changes until the transaction ends.

    PostgreSQL takes a row lock; SQLite transactions already hold the write lock (BEGIN IMMEDIATE).
    """
    ticket = await session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise TicketNotFound(ticket=ticket_id)
    return ticket


async def check_party(session: AsyncSession, ticket: Ticket, action: Action, actor: Actor) -> None:
    """Refuse actions on someone else's ticket: the reporter's own, or the assignee's own."""
    if action in REPORTER_ONLY and not (actor.kind == "citizen" and actor.id == ticket.reporter_id):
        raise NotYourTicket(number=ticket.number)
    if must_be_assignee(action, actor.roles) and ticket.assignee_id != actor.id:
        if ticket.state == TicketState.IN_PROGRESS:
            raise NotAssignee(number=ticket.number, by=await staff_name(session, ticket.assignee_id))
        raise IllegalTransition(TicketState(ticket.state), action)


async def staff_name(session: AsyncSession, staff_id: int | None) -> str:
    if staff_id is None:
        return ""
    return await session.scalar(select(Staff.name).where(Staff.id == staff_id)) or ""


async def transition(
    ctx: Context,
    session: AsyncSession,
    ticket: Ticket,
    action: Action,
    actor: Actor,
    data: dict[str, Any] | None = None,
) -> TicketEvent:
    """Apply `action` to a locked ticket: new state, stage clock, audit event and outbox rows."""
    await check_party(session, ticket, action, actor)
    old = TicketState(ticket.state)
    try:
        new = decide(old, action, actor.roles)
    except IllegalTransition:
        if action is Action.ACCEPT and ticket.assignee_id is not None:
            raise AlreadyTaken(old, action, by=await staff_name(session, ticket.assignee_id)) from None
        raise
    now = ctx.now()
    ticket.state = new
    ticket.updated_at = now
    if new != old:
        restart_stage_clock(ctx, ticket)
    event = new_event(ticket.id, action.value, actor, old.value, new.value, data or {}, now)
    session.add(event)
    await session.flush()
    await notify_change(session, ticket, event, citizen_kind_for(action, event.data), now)
    return event


def new_event(ticket_id: int, action: str, actor: Actor, from_state: str | None, to_state: str,
              data: dict[str, Any], now: datetime) -> TicketEvent:
    """An audit event. A citizen is recorded by id alone: their WhatsApp profile name never enters the
    trail (or the outbox rows made from it), so no history, card, digest or export can name an
    anonymous reporter; whoever shows a citizen's event names them by their part (`core.audit`)."""
    return TicketEvent(ticket_id=ticket_id, action=action, actor_kind=actor.kind, actor_id=actor.id,
                       actor_name="" if actor.kind == "citizen" else actor.name, from_state=from_state,
                       to_state=to_state, data=data, created_at=now)


def restart_stage_clock(ctx: Context, ticket: Ticket) -> None:
    """Start the deadline of the stage the ticket is now in (none once it is finished)."""
    now = ctx.now()
    ticket.stage_started_at = now
    ticket.escalation_level = 0
    stage = STAGE_OF_STATE.get(TicketState(ticket.state))
    ticket.stage_deadline_at = ctx.stage_deadline(ticket.category, stage, now) if stage else None
