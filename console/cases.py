"""The Kasus list: which kecamatan a viewer may read, and one page of their cases with its filters.

Nothing about the reporter is read here (not even a join to `citizens`), and the story and address are
shown with every phone number in them masked: the list cannot leak a citizen's number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from console.language import current
from console.signin import Viewer
from core.context import Context
from core.db.models import Staff, StaffRoles, Ticket
from core.digest import TYPE_ORDER
from core.domain.lifecycle import OPEN_STATES, Role, TicketState, assignable
from core.domain.people import mask_phones_in

PAGE_SIZE = 25
SORTS = ("baru", "lama", "tenggat")  # newest first, oldest first, deadline first
EXCERPT = 140
ALL_OPEN = "terbuka"  # ?status=terbuka: every open state at once (the camat's "what is still on our desk")


async def viewer_kecamatan(ctx: Context, viewer: Viewer) -> list[str]:
    """The kecamatan codes (kabupaten order) whose cases a viewer may read: all for a kabupaten role,
    else those where they hold a role."""
    return (await list_scope(ctx, viewer))[0]


async def list_scope(ctx: Context, viewer: Viewer) -> tuple[list[str], int | None]:
    """`viewer_kecamatan`, and the viewer's staff id when they are only an officer (the list shows their own
    cases first: the issue's "an officer sees cases of their kecamatan, and their own first"), else None."""
    if viewer.kabupaten_roles:
        return [p.code for p in ctx.kabupaten], None
    async with ctx.sessions() as session:
        held = {code: set(roles) for code, roles in await session.execute(
            select(StaffRoles.kecamatan, StaffRoles.roles).where(StaffRoles.staff_id == viewer.staff_id)) if roles}
    every = set().union(*held.values())
    return [p.code for p in ctx.kabupaten if p.code in held], viewer.staff_id if every == {Role.OFFICER} else None


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
    kind: str = ""  # the report type: complaint, aspiration, info
    officer: int | None = None  # the staff id holding the case
    agency: str = ""  # the agency the case is forwarded to (its code)
    mine_first: int | None = None  # a staff id whose cases the list shows before the rest (`list_scope`)


@dataclass(frozen=True)
class FilterChoices:
    """What the filter form offers in the chosen scope, besides the filter itself."""

    chosen: str  # the kecamatan picked ("" for all of the viewer's)
    categories: dict[str, str]  # code -> label
    desa: list[str]
    kinds: tuple[str, ...] = TYPE_ORDER
    agencies: tuple[tuple[str, str], ...] = ()  # (code, name)


def filter_from(ctx: Context, places: list[str], q: Mapping[str, str]) -> tuple[CaseFilter, FilterChoices] | None:
    """The list's filter from its GET parameters, each checked against the viewer's `places` (the Kasus list
    and the Ekspor share it); None when the kecamatan asked for is not one of theirs."""
    chosen = q.get("kecamatan", "")
    if chosen and chosen not in places:
        return None
    scope = [chosen] if chosen else places
    profiles = [ctx.kabupaten.profile(code) for code in scope]
    categories = {c.code: c.label_for(current()) for p in profiles for c in p.categories}
    desa = sorted({d.name for p in profiles for d in p.desa})
    state = q.get("status", "")
    wanted = CaseFilter(
        kecamatan=tuple(scope), state=state if state in set(TicketState) or state == ALL_OPEN else "",
        category=q.get("kategori", "") if q.get("kategori", "") in categories else "",
        desa=q.get("desa", "") if q.get("desa", "") in desa else "", overdue=q.get("terlambat") == "1",
        since=_day(q.get("dari", "")), until=_day(q.get("sampai", "")), search=q.get("q", "")[:100],
        sort=q.get("urut", "") if q.get("urut", "") in SORTS else "baru", page=_number(q.get("hal", "1")),
        kind=q.get("jenis", "") if q.get("jenis", "") in TYPE_ORDER else "",
        officer=int(q["petugas"]) if q.get("petugas", "").isdigit() and len(q["petugas"]) < 10 else None,
        agency=q.get("instansi", "") if ctx.kabupaten.agency(q.get("instansi", "")) else "")
    agencies = tuple((a.code, a.name) for a in ctx.kabupaten.agencies)
    return wanted, FilterChoices(chosen, categories, desa, agencies=agencies)


async def officer_choices(ctx: Context, scope: tuple[str, ...]) -> list[tuple[int, str]]:
    """The staff who may hold cases in `scope` (the list's officer filter), by name."""
    async with ctx.sessions() as session:
        rows = (await session.execute(
            select(Staff.id, Staff.name, StaffRoles.roles).join(StaffRoles, StaffRoles.staff_id == Staff.id)
            .where(StaffRoles.kecamatan.in_(scope), Staff.active.is_(True)))).all()
    found = {sid: name for sid, name, roles in rows if assignable(roles)}
    return sorted(found.items(), key=lambda item: item[1].casefold())


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _number(raw: str) -> int:
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


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

    @property
    def open(self) -> int:
        """How many of the counted cases are open (the "all open" tab)."""
        return sum(n for state, n in self.counts.items() if state in OPEN_STATES)


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
    if wanted.kind:
        found.append(Ticket.report_type == wanted.kind)
    if wanted.officer is not None:
        found.append(Ticket.assignee_id == wanted.officer)
    if wanted.agency:
        found.append(Ticket.forward_agency == wanted.agency)
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


def _state_is(state: str) -> ColumnElement[bool]:
    """The state filter: one state, or every open one (`ALL_OPEN`)."""
    if state == ALL_OPEN:
        return Ticket.state.in_([s.value for s in OPEN_STATES])
    return Ticket.state == state


def matching(ctx: Context, wanted: CaseFilter, now: datetime) -> list[ColumnElement[bool]]:
    """Every filter of `wanted`, the state's included (the cases the list shows, over all its pages)."""
    shared = _conditions(ctx, wanted, now)
    return [*shared, _state_is(wanted.state)] if wanted.state else shared


def _order(sort: str) -> tuple[Any, ...]:
    if sort == "lama":
        return Ticket.created_at, Ticket.id
    if sort == "tenggat":
        return Ticket.stage_deadline_at.is_(None), Ticket.stage_deadline_at, Ticket.id
    return Ticket.created_at.desc(), Ticket.id.desc()


def _paged(query: Select[*tuple[Any, ...]], wanted: CaseFilter, offset: int,
           limit: int | None = None) -> Select[*tuple[Any, ...]]:
    """`query`'s page in the filter's order. Over several kecamatan in report order, each kecamatan's first
    `offset + PAGE_SIZE` are read from its `(kecamatan, created_at)` index and only those merged (ids and
    times), then the page's rows read by id: one query over them all would sort every case they hold. The
    same rows in the same order either way. `limit`: fewer rows than a page (the rest after a viewer's own)."""
    order, limit = _order(wanted.sort), limit or PAGE_SIZE
    if len(wanted.kecamatan) < 2 or wanted.sort not in ("baru", "lama"):
        return query.order_by(*order).limit(limit).offset(offset)
    parts = [select(*part.c).select_from(part) for part in (
        query.with_only_columns(Ticket.id, Ticket.created_at).where(Ticket.kecamatan == code).order_by(*order)
        .limit(offset + limit).subquery() for code in wanted.kecamatan)]
    merged = union_all(*parts).subquery()
    first = ((merged.c.created_at.desc(), merged.c.id.desc()) if wanted.sort == "baru"
             else (merged.c.created_at, merged.c.id))
    page = select(merged.c.id).order_by(*first).limit(limit).offset(offset).subquery()
    return query.join(page, page.c.id == Ticket.id).order_by(*order)


async def case_page(ctx: Context, wanted: CaseFilter) -> CasePage:
    """One page of the cases the filter asks for, with the total and the counts per state."""
    now = ctx.now()
    shared = _conditions(ctx, wanted, now)
    listed = [*shared, _state_is(wanted.state)] if wanted.state else shared
    async with ctx.sessions() as session:
        counts: dict[str, int] = {}
        # per kecamatan and state: over `ix_tickets_kecamatan_state` alone when no other filter is set
        for state, n in await session.execute(
                select(Ticket.state, func.count()).where(*shared).group_by(Ticket.kecamatan, Ticket.state)):
            counts[state] = counts.get(state, 0) + n
        if wanted.state == ALL_OPEN:
            total = sum(n for state, n in counts.items() if state in OPEN_STATES)
        else:
            total = counts.get(wanted.state, 0) if wanted.state else sum(counts.values())
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(max(1, wanted.page), pages)
        query = (select(Ticket.number, Ticket.kecamatan, Ticket.state, Ticket.category, Ticket.desa, Ticket.created_at,
                        Ticket.stage_deadline_at, Ticket.description, Ticket.address)
                 .where(*listed))
        offset = (page - 1) * PAGE_SIZE
        if wanted.mine_first is None:
            rows = list((await session.execute(_paged(query, wanted, offset))).all())
        else:
            rows = await _own_first(session, query, wanted, offset)
    return CasePage([_row(r, now) for r in rows], total, page, pages,
                    {s.value: counts.get(s.value, 0) for s in TicketState})


async def _own_first(session: AsyncSession, query: Select[*tuple[Any, ...]], wanted: CaseFilter,
                     offset: int) -> list[Any]:
    """A page of `query` with the viewer's own cases before the rest, each part in the list's order, read as
    the plain list reads its page: the own part's page, and only when it is short the rest's (how many are
    their own is counted only for a page past the last of them)."""
    mine = Ticket.assignee_id == wanted.mine_first
    rows = list((await session.execute(_paged(query.where(mine), wanted, offset))).all())
    if len(rows) == PAGE_SIZE:
        return rows
    own = offset + len(rows) if rows or not offset else (
        await session.scalar(query.with_only_columns(func.count()).where(mine)) or 0)
    others = query.where(or_(Ticket.assignee_id.is_(None), Ticket.assignee_id != wanted.mine_first))
    rows += (await session.execute(_paged(others, wanted, max(0, offset - own),
                                          PAGE_SIZE - len(rows)))).all()
    return rows


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
            .where(Ticket.number == number.upper(), Ticket.kecamatan.in_(kecamatan)))).first()  # stored in capitals
    return None if found is None else _row(found, ctx.now())
