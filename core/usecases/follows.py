"""Following a ticket: one way in, whatever the road (an offered nearby report, a merged duplicate)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.models import Follower, Ticket
from core.domain.people import Actor
from core.usecases._ticket import new_event

FOLLOW = "follow"  # the audit event's action; following changes no state, so it is not a lifecycle action


async def add_follower(session: AsyncSession, ctx: Context, ticket: Ticket, citizen_id: int, actor: Actor,
                       via: str) -> bool:
    """Make the citizen a follower of the locked `ticket`, with its audit event in the caller's transaction.

    False (and nothing written) when they reported it or follow it already. `actor` is who caused it:
    the citizen themselves, or the desk that merged their report into this one.
    """
    if citizen_id == ticket.reporter_id or await session.get(Follower, (ticket.id, citizen_id)) is not None:
        return False
    now = ctx.now()
    session.add(Follower(ticket_id=ticket.id, citizen_id=citizen_id, created_at=now))
    session.add(new_event(ticket.id, FOLLOW, actor, ticket.state, ticket.state,
                          {"citizen_id": citizen_id, "via": via}, now))
    return True
