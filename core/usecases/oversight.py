"""What the camat and the scheduler do: escalate, extend, reassign, close."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.context import Context
from core.db.models import Staff
from core.domain.errors import InvalidInput
from core.domain.lifecycle import Action, NotAllowed, TicketState, assignable, may, next_state
from core.domain.people import Actor
from core.usecases._ticket import lock_ticket, transition
from core.usecases.staff import holds_role_in

KABUPATEN_LEVEL = 3  # the third escalation level: the kabupaten's chat


async def escalate_ticket(ctx: Context, actor: Actor, ticket_id: int, level: int, *,
                          due_at: datetime | None = None, details: dict[str, Any] | None = None) -> bool:
    """Raise the escalation level (1 reminded, 2 to the camat, 3 to the kabupaten); False if it was already that high.

    The scheduler passes the `due_at` it saw: if the stage has moved on since (accepted, extended),
    nothing happens. Staff escalating by hand (/eskalasi) pass none: a role or a state the lifecycle
    does not allow is refused before "already that high" is answered. `details` (stage, minutes overdue;
    a reason given by hand) go into the event and the outbox row.
    """
    if level not in (1, 2, KABUPATEN_LEVEL):
        raise InvalidInput("escalation level is 1, 2 or 3", field="level")
    if not may(actor.roles, Action.ESCALATE):
        raise NotAllowed(Action.ESCALATE, actor.roles)
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        if due_at is None:  # by hand: a closed case is refused as such, not called "already escalated"
            next_state(TicketState(ticket.state), Action.ESCALATE, actor.roles, ticket.report_type)
        if ticket.escalation_level >= level or (due_at is not None and ticket.stage_deadline_at != due_at):
            return False
        await transition(ctx, session, ticket, Action.ESCALATE, actor, {**(details or {}), "level": level})
        return True


async def extend_deadline(ctx: Context, actor: Actor, ticket_id: int, days: int) -> None:
    """Give the current stage more days; reminders start over."""
    if not 1 <= days <= ctx.profile.extension_max_days:
        raise InvalidInput(f"extension is 1 to {ctx.profile.extension_max_days} days", field="days")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.EXTEND_DEADLINE, actor, {"days": days})  # the clock: EXTEND


async def reassign_ticket(ctx: Context, actor: Actor, ticket_id: int, officer_id: int) -> None:
    """Give the ticket to another active officer."""
    async with ctx.sessions.begin() as session:
        officer = await session.scalar(select(Staff).where(Staff.id == officer_id, Staff.active.is_(True)))
        if officer is None or not assignable(await holds_role_in(session, officer_id, ctx.kecamatan)):
            raise InvalidInput("not an active officer", field="officer")
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.REASSIGN, actor, {"officer": officer.name})
        ticket.assignee_id = officer.id
        ticket.forward_agency = ticket.agency_holder = ticket.agency_accepted_at = None  # taken back from an agency
        ticket.accepted_at = ticket.accepted_at or ctx.now()  # the clock restarts: the new officer gets full time


async def close_ticket(ctx: Context, actor: Actor, ticket_id: int, reason: str = "") -> None:
    """The camat closes the ticket by hand, with a reason."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.CLOSE, actor, {"reason": reason})
        ticket.closed_at = ctx.now()


async def auto_close_ticket(ctx: Context, actor: Actor, ticket_id: int) -> None:
    """The scheduler closes a resolved ticket whose citizen stayed silent past the confirm deadline."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.AUTO_CLOSE, actor)
        ticket.closed_at = ctx.now()
