"""The Kasus list: which kecamatan a viewer may read, and one page of their cases with its filters.

Nothing about the reporter is read here (not even a join to `citizens`), and the story and address are
shown with every phone number in them masked: the list cannot leak a citizen's number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select

from console.signin import Viewer
from core.context import Context
from core.db.models import StaffRoles, Ticket
from core.domain.lifecycle import OPEN_STATES, TicketState
from core.domain.people import mask_phones_in

PAGE_SIZE = 25
SORTS = ("baru", "lama", "tenggat")  # newest first, oldest first, deadline first
EXCERPT = 140


async def viewer_kecamatan(ctx: Context, viewer: Viewer) -> list[str]:
    """The kecamatan codes (kabupaten order) whose cases a viewer may read: all for a kabupaten role,
    else those where they hold a role."""
    if viewer.kabupaten_roles:
        return [p.code for p in ctx.kabupaten]
    async with ctx.sessions() as session:
        held = {code for code, roles in await session.execute(
            select(StaffRoles.kecamatan, StaffRoles.roles).where(StaffRoles.staff_id == viewer.staff_id)) if roles}
    return [p.code for p in ctx.kabupaten if p.code in held]


@dataclass(frozen=True)
class CaseFilter:
    """What the list's form asks for (GET parameters, already checked)."""

    kecamatan: tuple[str, ...]
    state: str = ""
    category: str = ""
    desa: str = ""
    overdue: bool = False
    since: date | None = None
    until: date | None = None
    search: str = ""
    sort: str = "baru"
    page: int = 1


@dataclass(frozen=True)
class CaseRow:
    number: str
    kecamatan: str
    state: str
    category: str | None
    desa: str | None
    created_at: datetime
    deadline: datetime | None
    overdue: bool
    excerpt: str
    address: str


@dataclass
class CasePage:
    rows: list[CaseRow]
    total: int
    page: int
    pages: int
    counts: dict[str, int] = field(default_factory=dict)  # per state, over every filter but the state


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(ctx: Context, wanted: CaseFilter, now: datetime) -> list[ColumnElement[bool]]:
    """Every filter but the state's."""
    found: list[ColumnElement[bool]] = [Ticket.kecamatan.in_(wanted.kecamatan) if wanted.kecamatan else false()]
    if wanted.category:
        found.append(Ticket.category == wanted.category)
    if wanted.desa:
        found.append(Ticket.desa == wanted.desa)
    if wanted.overdue:
        found += [Ticket.state.in_([s.value for s in OPEN_STATES]), Ticket.stage_deadline_at < now]
    zone = ctx.profile.zone
    if wanted.since:
        found.append(Ticket.created_at >= datetime.combine(wanted.since, time(), zone))
    if wanted.until:
        found.append(Ticket.created_at < datetime.combine(wanted.until + timedelta(days=1), time(), zone))
    if wanted.search:
        pattern = _like(wanted.search.strip())
        found.append(or_(func.lower(Ticket.number).like(pattern, escape="\\"),
                         func.lower(Ticket.description).like(pattern, escape="\\"),
                         func.lower(Ticket.address).like(pattern, escape="\\")))
    return found


def _order(sort: str) -> tuple[Any, ...]:
    if sort == "lama":
        return Ticket.created_at, Ticket.id
    if sort == "tenggat":
        return Ticket.stage_deadline_at.is_(None), Ticket.stage_deadline_at, Ticket.id
    return Ticket.created_at.desc(), Ticket.id.desc()


async def case_page(ctx: Context, wanted: CaseFilter) -> CasePage:
    """One page of the cases the filter asks for, with the total and the counts per state."""
    now = ctx.now()
    shared = _conditions(ctx, wanted, now)
    listed = [*shared, Ticket.state == wanted.state] if wanted.state else shared
    async with ctx.sessions() as session:
        counts = {state: n for state, n in await session.execute(
            select(Ticket.state, func.count()).where(*shared).group_by(Ticket.state))}
        total = sum(counts.values()) if not wanted.state else counts.get(wanted.state, 0)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, wanted.page), pages)
        query = (select(Ticket.number, Ticket.kecamatan, Ticket.state, Ticket.category, Ticket.desa, Ticket.created_at,
                        Ticket.stage_deadline_at, Ticket.description, Ticket.address)
                 .where(*listed).order_by(*_order(wanted.sort)).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE))
        rows = (await session.execute(query)).all()
    return CasePage([_row(r, now) for r in rows], total, page, pages,
                    {s.value: counts.get(s.value, 0) for s in TicketState})


def _row(r: Any, now: datetime) -> CaseRow:
    story = mask_phones_in(r.description)  # masked before it is cut, so no half number slips through
    story = story if len(story) <= EXCERPT else story[:EXCERPT - 1] + "…"
    late = TicketState(r.state) in OPEN_STATES and r.stage_deadline_at is not None and r.stage_deadline_at < now
    return CaseRow(r.number, r.kecamatan, r.state, r.category, r.desa, r.created_at, r.stage_deadline_at, late,
                   story, mask_phones_in(r.address or ""))


async def case_in_scope(ctx: Context, number: str, kecamatan: list[str]) -> CaseRow | None:
    """One case by number, if it is in one of the viewer's kecamatan (else None, as if it did not exist)."""
    async with ctx.sessions() as session:
        found = (await session.execute(
            select(Ticket.number, Ticket.kecamatan, Ticket.state, Ticket.category, Ticket.desa, Ticket.created_at,
                   Ticket.stage_deadline_at, Ticket.description, Ticket.address)
            .where(func.upper(Ticket.number) == number.upper(), Ticket.kecamatan.in_(kecamatan)))).first()
    return None if found is None else _row(found, ctx.now())
