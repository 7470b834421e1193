"""What the desk is told about a message that did not go out: still tried (stuck) or given up (set aside).

The notice is a telegram outbox row for the desk chat. Its data says what the message was about in
terms staff know (the ticket number, the citizen's masked number, the kind of message) and why it
failed in a word (`core.outbox.Failure`); the officer bot turns that into plain words and local time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Citizen, OutboxMessage, Ticket
from core.domain.people import mask_phone
from core.notifications import queue

STUCK_KIND = "outbox.stuck"


async def notice_data(session: AsyncSession, row: OutboxMessage, set_aside: bool) -> dict[str, Any]:
    """The notice's facts about `row`; a reporter who chose Anonim or Rahasia is not shown by number."""
    ticket = await session.get(Ticket, row.ticket_id) if row.ticket_id is not None else None
    role, _, key = row.recipient.partition(":")
    citizen = await session.get(Citizen, int(key)) if role == "citizen" and key.isdigit() else None
    hidden = citizen is not None and ticket is not None and ticket.privacy != "normal" \
        and ticket.reporter_id == citizen.id
    return {
        "outbox_id": row.id, "channel": row.channel, "kind": row.kind, "recipient": role,
        "number": ticket.number if ticket is not None else None,
        "citizen": mask_phone(citizen.wa_id) if citizen is not None and not hidden else None,
        "anonymous": hidden, "failure": row.failure_reason, "attempts": row.attempts,
        "since": row.created_at.isoformat(), "set_aside": set_aside,
    }


def notice_key(outbox_id: int, set_aside: bool) -> str:
    """One notice per row and per kind of news: stuck once, set aside once."""
    return f"{STUCK_KIND}:{outbox_id}:set_aside" if set_aside else f"{STUCK_KIND}:{outbox_id}"


async def tell_desk(session: AsyncSession, row: OutboxMessage, now: datetime, set_aside: bool) -> None:
    """Queue the desk's notice about `row` in the caller's transaction."""
    queue(session, channel="telegram", recipient="chat:desk", kecamatan=row.kecamatan, kind=STUCK_KIND,
          data=await notice_data(session, row, set_aside), dedupe_key=notice_key(row.id, set_aside), now=now)
