"""The one path every ticket action takes: lock, decide, change, audit, notify — in one transaction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.models import Staff, Ticket, TicketEvent
from core.domain.errors import OtherKecamatan, TicketNotFound
from core.domain.lifecycle import Action, Clock, Decision, Snapshot, TicketState, decide
from core.domain.people import Actor
from core.domain.sla import STAGE_OF_STATE
from core.notifications import notify_change


async def lock_ticket(ctx: Context, session: AsyncSession, ticket_id: int) -> Ticket:
    """The ticket of `ctx`'s kecamatan, locked against concurrent changes until the transaction ends.

    PostgreSQL takes a row lock; SQLite transactions already hold the write lock (BEGIN IMMEDIATE).
    """
    ticket = await session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update())
    if ticket is None:
        raise TicketNotFound(ticket=ticket_id)
    return in_kecamatan(ctx, ticket)


def in_kecamatan(ctx: Context, ticket: Ticket) -> Ticket:
    """The ticket, if it is `ctx`'s kecamatan's: a case of another kecamatan is refused, naming whose it is."""
    if ticket.kecamatan != ctx.kecamatan:
        try:
            owner = ctx.kabupaten.profile(ticket.kecamatan).name
        except KeyError:
            owner = ticket.kecamatan
        raise OtherKecamatan(number=ticket.number, kecamatan=owner, here=ctx.profile.name)
    return ticket


def agency_facts(ctx: Context, code: str | None) -> dict[str, Any]:
    """What an event says of the agency it concerns: its code and, for every reader, its name."""
    return {"agency": code or "", "agency_name": ctx.kabupaten.agency_name(code) or "-"}


def snapshot_of(ctx: Context, ticket: Ticket, assignee: str = "") -> Snapshot:
    """What the lifecycle reads of a ticket row (and of its agency, in the kabupaten file)."""
    agency = ctx.kabupaten.agency(ticket.forward_agency) if ticket.forward_agency else None
    return Snapshot(TicketState(ticket.state), ticket.number, ticket.reporter_id, ticket.assignee_id, assignee,
                    agency=ticket.forward_agency, agency_holder=ticket.agency_holder,
                    agency_has_group=agency is not None and agency.has_group, report_type=ticket.report_type)


async def decide_on(ctx: Context, session: AsyncSession, ticket: Ticket, action: Action, actor: Actor,
                    data: dict[str, Any] | None = None) -> Decision:
    """The lifecycle's decision on `ticket`; a refusal naming who holds the ticket is worded with their name."""
    decision = decide(snapshot_of(ctx, ticket), action, actor, data)
    if decision.needs_holder:
        holder = await staff_name(session, ticket.assignee_id)
        decision = decide(snapshot_of(ctx, ticket, holder), action, actor, data)
    return decision


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
    """Apply the lifecycle's decision on a locked ticket: new state, stage clock, audit event, outbox rows."""
    data = data or {}
    decision = (await decide_on(ctx, session, ticket, action, actor, data)).check()
    assert decision.notices is not None
    now = ctx.now()
    ticket.state = decision.new
    ticket.updated_at = now
    set_clock(ctx, ticket, decision.clock, data)
    event = new_event(ticket.id, action.value, actor, decision.old.value, decision.new.value, data, now)
    session.add(event)
    await session.flush()
    await notify_change(session, ticket, event, decision.notices, now)
    return event


def set_clock(ctx: Context, ticket: Ticket, clock: Clock, data: dict[str, Any]) -> None:
    """Do to the stage clock what the lifecycle decided (an extension's `days`, an escalation's `level`)."""
    if clock is Clock.RESTART:  # from now, or from when the event says the stage starts (the next shift)
        start = data.get("clock_from")
        restart_stage_clock(ctx, ticket, datetime.fromisoformat(start) if isinstance(start, str) else None)
    elif clock is Clock.EXTEND:
        now = ctx.now()
        ticket.stage_deadline_at = max(ticket.stage_deadline_at or now, now) + timedelta(days=int(data["days"]))
        ticket.escalation_level = 0
    elif clock is Clock.RAISE:
        ticket.escalation_level = int(data["level"])


def new_event(ticket_id: int, action: str, actor: Actor, from_state: str | None, to_state: str,
              data: dict[str, Any], now: datetime) -> TicketEvent:
    """An audit event. A citizen is recorded by id alone: their WhatsApp profile name never enters the
    trail (or the outbox rows made from it), so no history, card, digest or export can name an
    anonymous reporter; whoever shows a citizen's event names them by their part (`core.audit`)."""
    return TicketEvent(ticket_id=ticket_id, action=action, actor_kind=actor.kind, actor_id=actor.id,
                       actor_name="" if actor.kind == "citizen" else actor.name, from_state=from_state,
                       to_state=to_state, data=data, created_at=now)


def restart_stage_clock(ctx: Context, ticket: Ticket, start: datetime | None = None) -> None:
    """Start the deadline of the stage the ticket is now in (none once it is finished), from `start` or now."""
    start = start or ctx.now()
    ticket.stage_started_at = start
    ticket.escalation_level = 0
    stage = STAGE_OF_STATE.get(TicketState(ticket.state))
    ticket.stage_deadline_at = (ctx.stage_deadline(ticket.category, stage, start, ticket.forward_agency)
                                if stage else None)
