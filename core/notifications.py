"""Who is told what when a ticket changes, written as outbox rows (the table: `core.domain.notices`).

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
from core.domain.notices import NOTICES, SUBMIT, Owed, owed

__all__ = ["INTAKE_FAILED_KIND", "NOTICES", "SUBMIT", "notify_change", "owed", "queue"]

# Who hears of what is one table, `core.domain.notices.NOTICES` (pure, so `lifecycle.decide` reads it
# too); this module writes what it owes as outbox rows: the citizen's and each follower's WhatsApp
# message, and one Telegram row carrying what each staff chat is sent (`data["staff"]`).

# A desk notice: a citizen's message could not be processed (the citizen was told staff will check it).
INTAKE_FAILED_KIND = "intake.failed"


def queue(
    session: AsyncSession,
    *,
    channel: str,
    recipient: str,
    kecamatan: str,
    kind: str,
    data: dict[str, Any],
    dedupe_key: str,
    now: datetime,
    ticket_id: int | None = None,
) -> None:
    """Add one outbox row to the caller's transaction (its commit wakes the dispatchers); `kecamatan`
    says whose number or chats it goes out on."""
    wake_outbox(session, channel)
    session.add(OutboxMessage(
        channel=channel, recipient=recipient, kecamatan=kecamatan, kind=kind, data=data, dedupe_key=dedupe_key,
        ticket_id=ticket_id, attempts=0, next_attempt_at=now, created_at=now,
    ))


async def notify_change(session: AsyncSession, ticket: Ticket, event: TicketEvent, notices: Owed,
                        now: datetime) -> None:
    """Queue what `event` on `ticket` owes (the lifecycle's decision): the cards in Telegram, the citizen, followers."""
    data = {"ticket_id": ticket.id, "number": ticket.number, "state": ticket.state,
            "action": event.action, "actor": event.actor_name, **event.data}
    staff = {str(chat): str(post) for chat, post in notices.staff.items()}
    queue(session, channel="telegram", recipient=f"ticket:{ticket.id}", kecamatan=ticket.kecamatan,
          kind="ticket.changed",
          data={**data, "staff": staff}, dedupe_key=f"event:{event.id}:telegram", now=now, ticket_id=ticket.id)
    told = [(ticket.reporter_id, notices.reporter)] if notices.reporter else []
    if notices.followers:
        followers = await session.scalars(select(Follower.citizen_id).where(Follower.ticket_id == ticket.id))
        told += [(c, notices.followers) for c in followers if c != ticket.reporter_id]
    for citizen_id, kind in told:
        asks = notices.asks if citizen_id == ticket.reporter_id else None
        queue(session, channel="whatsapp", recipient=f"citizen:{citizen_id}", kecamatan=ticket.kecamatan, kind=kind,
              data={**data, "asks": str(asks) if asks else None},
              dedupe_key=f"event:{event.id}:whatsapp:{citizen_id}", now=now, ticket_id=ticket.id)
