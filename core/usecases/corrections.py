"""The desk corrects the category or desa a citizen picked: audited, and the deadline follows the category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.models import Ticket
from core.domain.errors import InvalidInput
from core.domain.lifecycle import Action, TicketState, next_state
from core.domain.people import Actor
from core.domain.sla import STAGE_OF_STATE
from core.usecases._ticket import lock_ticket, transition

Changes = dict[str, list[str | None]]  # field -> [before, after]


@dataclass(frozen=True)
class Correction:
    number: str
    changes: Changes
    sla_changed: bool


def set_details(ctx: Context, ticket: Ticket, category: str | None, desa: str | None) -> Changes:
    """Give the ticket a category and/or desa from the profile; what changed, as [before, after]."""
    changes: Changes = {}
    if category is not None:
        found = ctx.profile.category(category)
        if found is None:
            raise InvalidInput(f"unknown category {category!r}", field="category")
        if ticket.category != found.code:
            changes["category"] = [ticket.category, found.code]
        ticket.category, ticket.report_type = found.code, found.report_type
    if desa is not None:
        named = ctx.profile.desa_named(desa)
        if named is None:
            raise InvalidInput(f"unknown desa {desa!r}", field="desa")
        if ticket.desa != named.name:
            changes["desa"] = [ticket.desa, named.name]
        ticket.desa = named.name
    return changes


async def correct_ticket(ctx: Context, actor: Actor, ticket_id: int, category: str | None = None,
                         desa: str | None = None) -> Correction:
    """Change the category and/or desa of an open ticket; the citizen is told when the deadline moves."""
    if category is None and desa is None:
        raise InvalidInput("nothing to correct", field="category")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        next_state(TicketState(ticket.state), Action.CORRECT, actor.roles, ticket.report_type)  # refuse the state first
        old_category = ticket.category
        changes = set_details(ctx, ticket, category, desa)
        if not changes:
            return Correction(ticket.number, {}, sla_changed=False)
        sla_changed = follow_sla(ctx, ticket, old_category)
        await record_correction(ctx, session, ticket, actor, changes, sla_changed)
        return Correction(ticket.number, changes, sla_changed)


def follow_sla(ctx: Context, ticket: Ticket, old_category: str | None) -> bool:
    """Move the current stage's deadline to the new category's SLA; whether it moved.

    The stage keeps its start, and any extension the camat gave on top of the old SLA is kept too.
    """
    stage = STAGE_OF_STATE.get(TicketState(ticket.state))
    if stage is None or ticket.category == old_category:
        return False
    started, due = ticket.stage_started_at, ticket.stage_deadline_at
    before = ctx.stage_deadline(old_category, stage, started)
    after = ctx.stage_deadline(ticket.category, stage, started)
    if after is not None and before is not None and due is not None:
        after += max(due - before, timedelta(0))
    if after == due:
        return False
    ticket.stage_deadline_at = after
    if after is not None and after > ctx.now():
        ticket.escalation_level = 0  # a reminder about a deadline that no longer holds starts over
    return True


async def record_correction(ctx: Context, session: AsyncSession, ticket: Ticket, actor: Actor, changes: Changes,
                            sla_changed: bool) -> None:
    """The correction's audit event and notifications (the citizen's only when `sla_changed`)."""
    data: dict[str, Any] = {"category": ticket.category, "desa": ticket.desa, "changes": changes,
                            "sla_changed": sla_changed}
    await transition(ctx, session, ticket, Action.CORRECT, actor, data)
