"""The aspirations noted for a Musrenbang (the development planning meeting) of a year: the list a kecamatan
takes to the meeting, per desa. Confidential reports are left out; nobody is named; phone numbers in the
citizen's words are masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.context import Context
from core.db.models import Ticket, TicketEvent
from core.domain.lifecycle import Action
from core.domain.people import mask_phones_in
from core.domain.reports import MUSRENBANG, Outcome, Privacy


@dataclass(frozen=True)
class Aspiration:
    desa: str
    level: str  # "desa" or "kecamatan": which Musrenbang
    number: str
    category: str | None
    story: str
    received_at: datetime
    noted_at: datetime
    note: str


async def musrenbang_list(ctx: Context, year: int) -> list[Aspiration]:
    """ctx's kecamatan's aspirations noted for the Musrenbang of `year`, by level, desa and number."""
    outcomes = [o.value for o in MUSRENBANG]
    async with ctx.sessions() as session:
        rows = (await session.execute(
            select(Ticket.desa, TicketEvent.data, Ticket.number, Ticket.category, Ticket.description,
                   Ticket.created_at, TicketEvent.created_at)
            .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
            .where(Ticket.kecamatan == ctx.kecamatan, Ticket.privacy != Privacy.CONFIDENTIAL.value,
                   TicketEvent.action == Action.RECORD_OUTCOME.value,
                   TicketEvent.data["outcome"].as_string().in_(outcomes),
                   TicketEvent.data["year"].as_integer() == year))).all()
    found = [Aspiration(desa or "", "desa" if data["outcome"] == Outcome.MUSRENBANG_DESA.value else "kecamatan",
                        number, category, mask_phones_in(story), received, noted,
                        mask_phones_in(str(data.get("note") or "")))
             for desa, data, number, category, story, received, noted in rows]
    return sorted(found, key=lambda a: (a.level != "desa", a.desa.casefold(), a.number))
