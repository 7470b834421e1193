"""The aspirations noted for a Musrenbang (the development planning meeting) of a year: the list a kecamatan
takes to the meeting, per desa. Confidential reports are left out; nobody is named (the reporter's own name in
their words is masked, as are phone numbers: `core.domain.people.public_text`, the one place that rule lives)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from core.context import Context
from core.db.models import Citizen, Ticket, TicketEvent
from core.domain.lifecycle import Action
from core.domain.people import public_text
from core.domain.reports import MUSRENBANG, Outcome, Privacy

FIRST_LISTED = 2000  # the earliest year a Musrenbang list may be asked for
PLANNING_AHEAD = 2  # an aspiration may be noted for this year's Musrenbang or one of the next two


def planning_years(ctx: Context) -> range:
    """The years an aspiration may be noted for (this one, in ctx's time zone, and the next two): what
    `record_outcome` accepts and the Telegram and console menus offer."""
    year = ctx.now().astimezone(ctx.profile.zone).year
    return range(year, year + PLANNING_AHEAD + 1)


def listed_years(ctx: Context) -> range:
    """The years a Musrenbang list may be asked for: any since `FIRST_LISTED`, up to the last planning year."""
    return range(FIRST_LISTED, planning_years(ctx).stop)


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
                   Ticket.created_at, TicketEvent.created_at, Citizen.name)
            .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
            .join(Citizen, Citizen.id == Ticket.reporter_id)
            .where(Ticket.kecamatan == ctx.kecamatan, Ticket.privacy != Privacy.CONFIDENTIAL.value,
                   TicketEvent.action == Action.RECORD_OUTCOME.value,
                   TicketEvent.data["outcome"].as_string().in_(outcomes),
                   TicketEvent.data["year"].as_integer() == year))).all()
    found = [Aspiration(desa or "", "desa" if data["outcome"] == Outcome.MUSRENBANG_DESA.value else "kecamatan",
                        number, category, public_text(story, name or ""), received, noted,
                        public_text(str(data.get("note") or ""), name or ""))
             for desa, data, number, category, story, received, noted, name in rows]
    return sorted(found, key=lambda a: (a.level != "desa", a.desa.casefold(), a.number))
