"""Who is told what when a ticket changes: the one table of notifications, written as outbox rows.

Rows are channel-neutral (`kind` + `data`); the reporter bot renders `whatsapp` rows for citizens
and the officer bot renders `telegram` rows for the desk, field and camat chats.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import wake_outbox
from core.db.models import Follower, OutboxMessage, Ticket, TicketEvent
from core.domain.lifecycle import Action

A = Action

# Which citizen-facing message each action causes; actions absent here tell the citizen nothing.
CITIZEN_KIND: dict[Action, str] = {
    A.VERIFY: "ticket.verified",
    A.REJECT: "ticket.rejected",
    A.MARK_DUPLICATE: "ticket.duplicate",
    A.FORWARD: "ticket.forwarded",
    A.ASK_CITIZEN: "ticket.question",
    A.ACCEPT: "ticket.accepted",
    A.ADD_PROGRESS: "ticket.progress",
    A.RESOLVE: "ticket.resolved",
    A.CONFIRM_FIXED: "ticket.closed",
    A.REPORT_NOT_FIXED: "ticket.reopened",
    A.RATE: "ticket.rated",
    A.CLOSE: "ticket.closed",
    A.AUTO_CLOSE: "ticket.closed_auto",
    A.CANCEL: "ticket.cancelled",
    A.CORRECT: "ticket.corrected",
}
# Actions that tell the citizen only when their event's data holds this flag: a corrected category
# matters to the citizen when it moves the deadline they were given, not otherwise.
CITIZEN_ONLY_IF: dict[Action, str] = {A.CORRECT: "sla_changed"}
# Messages only the reporter gets (followers do not answer questions or rate someone else's ticket).
REPORTER_ONLY_KINDS = frozenset({"ticket.question", "ticket.rated", "ticket.cancelled", "ticket.received"})
# A desk notice: a citizen's message could not be processed (the citizen was told staff will check it).
INTAKE_FAILED_KIND = "intake.failed"


def queue(
    session: AsyncSession,
    *,
    channel: str,
    recipient: str,
    kind: str,
    data: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    ticket_id: int | None = None,
) -> None:
    """Add one outbox row to the caller's transaction (its commit wakes the dispatchers)."""
    wake_outbox(session, channel)
    session.add(OutboxMessage(
        channel=channel, recipient=recipient, kind=kind, data=data, dedupe_key=dedupe_key,
        ticket_id=ticket_id, attempts=0, next_attempt_at=now, created_at=now,
    ))


async def notify_change(
    session: AsyncSession, ticket: Ticket, event: TicketEvent, citizen_kind: str | None, now: datetime
) -> None:
    """Queue what `event` on `ticket` owes: the cards in Telegram, and the citizen and followers."""
    data = {"ticket_id": ticket.id, "number": ticket.number, "state": ticket.state,
            "action": event.action, "actor": event.actor_name, **event.data}
    queue(session, channel="telegram", recipient=f"ticket:{ticket.id}", kind="ticket.changed", data=data,
          dedupe_key=f"event:{event.id}:telegram", now=now, ticket_id=ticket.id)
    if citizen_kind is None:
        return
    recipients = [ticket.reporter_id]
    if citizen_kind not in REPORTER_ONLY_KINDS:
        followers = await session.scalars(select(Follower.citizen_id).where(Follower.ticket_id == ticket.id))
        recipients += [c for c in followers if c != ticket.reporter_id]
    for citizen_id in recipients:
        queue(session, channel="whatsapp", recipient=f"citizen:{citizen_id}", kind=citizen_kind, data=data,
              dedupe_key=f"event:{event.id}:whatsapp:{citizen_id}", now=now, ticket_id=ticket.id)


def citizen_kind_for(action: Action, data: dict[str, Any] | None = None) -> str | None:
    """The citizen-facing message `action` causes (given its event data), or None."""
    flag = CITIZEN_ONLY_IF.get(action)
    if flag is not None and not (data or {}).get(flag):
        return None
    return CITIZEN_KIND.get(action)
