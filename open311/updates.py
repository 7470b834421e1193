"""GET servicerequestupdates (FixMyStreet's extension): each public step of each public case, by when it happened.

An update is a change of a case into one of `public.view`'s PUBLIC_STEPS, read from the ticket's audit trail;
only of a case GET requests lists (one with a service: a report the desk has not yet given a category has none);
its `update_id` is that event's id (stable: events are only ever appended). What the desk wrote is never
shown: each step's description is the catalogue's words for it, so no name or number can leave this way.
Only the resolved step carries a photo: the officer's proof, as GET requests links it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from core.context import Context
from core.db.models import Ticket, TicketEvent
from core.domain.lifecycle import OPEN_STATES, TicketState
from core.texts import text
from open311.render import Value, w3c

# view.py's own rule of what is public (a case neither confidential nor rejected/cancelled), applied in the
# query so a page holds `limit` updates; the cases are read back through `public_cases` all the same.
from public.view import PUBLIC_STEPS, PublicCase, is_public, public_cases


async def request_updates(ctx: Context, kecamatan: str | None, since: datetime, until: datetime, locale: str,
                          media_url: Callable[[PublicCase], str | None], limit: int,
                          offset: int) -> list[Value]:
    """The updates of `kecamatan` (None: the whole install) between `since` and `until`, oldest first."""
    query = (select(TicketEvent.id, TicketEvent.to_state, TicketEvent.created_at, Ticket.number)
             .join(Ticket, Ticket.id == TicketEvent.ticket_id)
             .where(is_public(), Ticket.category.is_not(None),
                    TicketEvent.to_state.in_([s.value for s in PUBLIC_STEPS]),
                    TicketEvent.from_state.is_distinct_from(TicketEvent.to_state),
                    TicketEvent.created_at >= since, TicketEvent.created_at <= until)
             .order_by(TicketEvent.created_at, TicketEvent.id).limit(limit).offset(offset))
    if kecamatan is not None:
        query = query.where(Ticket.kecamatan == kecamatan)
    async with ctx.sessions() as session:
        events = (await session.execute(query)).all()
    if not events:
        return []
    cases = {c.number: c for c in await public_cases(ctx, None, numbers=list({e.number for e in events}))}
    return [_update(ctx, e.id, TicketState(e.to_state), e.created_at, cases[e.number], locale, media_url)
            for e in events if e.number in cases]


def _update(ctx: Context, event_id: int, state: TicketState, at: datetime, case: PublicCase, locale: str,
            media_url: Callable[[PublicCase], str | None]) -> dict[str, Value]:
    """One update, in FixMyStreet's field order; `status` is the request's after the step (open or closed)."""
    zone = ctx.kabupaten.profile(case.kecamatan).zone
    return {
        "update_id": str(event_id),
        "service_request_id": case.number,
        "status": "open" if state in OPEN_STATES else "closed",
        "updated_datetime": w3c(at, zone),
        "description": text(f"open311.update.{state.value}", locale),
        "media_url": media_url(case) if state is TicketState.RESOLVED else None,
    }
