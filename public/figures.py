"""The transparency page's figures: this month and last, per kecamatan and for the kabupaten.

The same measures as the camat's digest and the kabupaten's comparison (`core.digest`: the clock that
ends each stage, a stage counted on time when it was never escalated; `core.kabupaten_digest`'s
stages), but for the public: every kecamatan and both months are read together, in one grouped query
per clock column (created, verified, accepted, resolved, closed: each from its own covering index, the five
side by side), the medians' spans and the per-desa/category/type keys coming back joined in a few texts; a
confidential case counts in nothing here, totals included (so no total minus its rows can point at one).
Months run in the kecamatan's time zone; the kabupaten's are those of its first kecamatan.

The console's Statistik reads the same figures (`kecamatan_board` with `kind="week"` for Monday-to-Sunday
weeks, and `include_confidential=True`: staff count every case, as the camat's digest does).
"""

from __future__ import annotations

import asyncio
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ColumnElement, String, and_, cast, exists, func, select, text, true
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

from core.context import Context
from core.db.models import Ticket, TicketEvent, escalation_of
from core.digest import STAGE_DONE, Compliance, shown
from core.domain.lifecycle import TicketState
from core.domain.sla import Stage
from core.kabupaten_digest import STAGES

CLOSED = TicketState.CLOSED.value


@dataclass(frozen=True)
class Period:
    """A calendar month (or a week from Monday) in one time zone, as the UTC instants [start, end)."""

    first: date
    start: datetime
    end: datetime
    kind: str = "month"

    def holds(self, column: InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime]
              ) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)


Month = Period


def months(now: datetime, zone: ZoneInfo) -> tuple[Month, Month]:
    """This month and last month, as the people of `zone` count them at `now`."""
    first = now.astimezone(zone).date().replace(day=1)
    previous = (first - timedelta(days=1)).replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)

    def at(day: date) -> datetime:
        return datetime.combine(day, time.min, zone)

    return Month(first, at(first), at(following)), Month(previous, at(previous), at(first))


def weeks(now: datetime, zone: ZoneInfo) -> tuple[Period, Period]:
    """This week and last (Monday to Sunday), as the people of `zone` count them at `now`."""
    today = now.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    days = [monday - timedelta(days=7), monday, monday + timedelta(days=7)]
    start = [datetime.combine(day, time.min, zone) for day in days]
    return Period(monday, start[1], start[2], "week"), Period(days[0], start[0], start[1], "week")


KINDS = {"month": months, "week": weeks}


def _visible(include_confidential: bool) -> ColumnElement[bool]:
    """The cases a board counts: all of them for staff, none confidential for the public."""
    return true() if include_confidential else shown()


@dataclass(frozen=True)
class Figures:
    """One place's month (or week): reports in, resolved, closed, on time per stage, the median times from the
    report to verified, accepted and resolved, rating."""

    new: int = 0
    resolved: int = 0
    closed: int = 0
    stages: dict[Stage, Compliance] = field(default_factory=lambda: {s: Compliance(0, 0) for s in STAGES})
    rating_sum: int = 0
    ratings: int = 0
    median_resolve: timedelta | None = None
    median_verify: timedelta | None = None
    median_accept: timedelta | None = None

    @property
    def rating(self) -> float | None:
        return self.rating_sum / self.ratings if self.ratings else None

    def __add__(self, other: Figures) -> Figures:
        """The two places together (the medians are not additive: set them from the spans afterwards)."""
        return Figures(
            new=self.new + other.new, resolved=self.resolved + other.resolved, closed=self.closed + other.closed,
            stages={s: Compliance(self.stages[s].on_time + other.stages[s].on_time,
                                  self.stages[s].total + other.stages[s].total) for s in STAGES},
            rating_sum=self.rating_sum + other.rating_sum, ratings=self.ratings + other.ratings)


Pair = tuple[Figures, Figures]  # this month, last month


@dataclass(frozen=True)
class Summary:
    """A kecamatan's or the kabupaten's figures, this month and last."""

    this_month: Month
    last_month: Month
    this: Figures
    last: Figures


@dataclass(frozen=True)
class Row:
    """One desa's or category's line: reports in and resolved, this month and last."""

    key: str | None
    new: int = 0
    resolved: int = 0
    new_last: int = 0
    resolved_last: int = 0


@dataclass(frozen=True)
class KecamatanBoard:
    code: str
    summary: Summary
    by_desa: dict[str | None, Row]
    by_category: dict[str | None, Row]
    by_type: dict[str | None, Row] = field(default_factory=dict)  # complaint, aspiration, info
    by_officer: dict[int | None, Pair] = field(default_factory=dict)  # read with `handlers` only
    by_agency: dict[str, Pair] = field(default_factory=dict)


@dataclass(frozen=True)
class KabupatenBoard:
    total: Summary
    kecamatan: dict[str, Summary]  # in the kabupaten file's order
    by_category: dict[str | None, Row]
    by_type: dict[str | None, Row] = field(default_factory=dict)


class _EscalationOf(ColumnElement[bool]):
    """`escalation_of(stage)` with its values written into the SQL, as the stage's partial index has them: such
    an index serves only a query whose condition reads the same (SQLite compares the text; a prepared plan
    knows no values). The stage is part of the statement's cache key."""

    inherit_cache = True
    # a list, as SQLAlchemy declares it
    _traverse_internals = [("stage", InternalTraversal.dp_string)]  # noqa: RUF012

    def __init__(self, stage: str) -> None:
        self.stage = stage  # typeless: a Boolean would be compared with 1 where booleans are not native


@compiles(_EscalationOf)
def _escalation_of(element: _EscalationOf, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(escalation_of(element.stage), **{**kw, "literal_binds": True}))


def late_in_stage(stage: Stage) -> ColumnElement[bool]:
    """The stage was escalated on the way (the digest's "not on time"): one probe of that stage's escalations'
    partial index (`core.db.models.escalation_of`)."""
    return exists().where(TicketEvent.ticket_id == Ticket.id, _EscalationOf(stage.value))


# The columns whose time puts a ticket in a month, each read in a query of its own (over its own index).
CLOCKS = ("created_at", "verified_at", "accepted_at", "resolved_at", "closed_at")


def _counted(month: Month, clock: str, stages: bool = True,
             inside: ColumnElement[bool] | None = None) -> dict[str, ColumnElement[Any]]:
    """The aggregates of one month that run on `clock`, by the names `_figures` reads (without the stages'
    on-time counts, each an EXISTS over the case's events, when `stages` is false); `inside` says which rows
    are the month's when the query's WHERE already holds both months (one comparison instead of two)."""
    inside = month.holds(getattr(Ticket, clock)) if inside is None else inside
    found: dict[str, ColumnElement[Any]] = {}
    if clock == "created_at":
        found["new"] = func.count().filter(inside)
    if clock == "resolved_at":
        found["resolved"] = func.count().filter(inside)
    if clock == "closed_at":
        found |= {"closed": func.count().filter(inside, Ticket.state == CLOSED),
                  "rating_sum": func.coalesce(func.sum(Ticket.rating).filter(inside), 0),
                  "ratings": func.count(Ticket.rating).filter(inside)}
    for stage in STAGES if stages else ():
        if STAGE_DONE.get(stage, Ticket.resolved_at).key == clock:
            window = and_(inside, Ticket.forward_agency.is_not(None)) if stage is Stage.AGENCY else inside
            found |= {f"{stage}.total": func.count().filter(window),
                      f"{stage}.on_time": func.count().filter(window, ~late_in_stage(stage))}
    return found


def _figures(values: dict[str, int]) -> Figures:
    return Figures(new=values.get("new", 0), resolved=values.get("resolved", 0), closed=values.get("closed", 0),
                   rating_sum=values.get("rating_sum", 0), ratings=values.get("ratings", 0),
                   stages={s: Compliance(on_time=values.get(f"{s}.on_time", 0), total=values.get(f"{s}.total", 0))
                           for s in STAGES})


class _Span(FunctionElement[int]):
    """`done - start` in microseconds, computed by the database (on SQLite to the millisecond: its date functions
    count whole milliseconds, and reading the microseconds out of the text costs three times as much)."""

    type = BigInteger()
    name = "span_microseconds"
    inherit_cache = True


@compiles(_Span, "sqlite")
def _span_sqlite(element: _Span, compiler: Any, **kw: Any) -> str:
    done, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"(CAST(round((julianday({done}) - julianday({start})) * 86400000) AS INTEGER) * 1000)"


@compiles(_Span)
def _span_default(element: _Span, compiler: Any, **kw: Any) -> str:
    done, start = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM {done} - {start}) * 1000000 AS BIGINT)"


# Figures' medians, each from the report to its clock.
MEDIANS = {"verified_at": "median_verify", "accepted_at": "median_accept", "resolved_at": "median_resolve"}
# Rows are counted per desa, category and type on these clocks (Row.new and Row.resolved).
ROW_CLOCKS = {"created_at": "new", "resolved_at": "resolved"}
# Between the rows' keys a read joins, between the fields of one row's key, and for a field that is NULL (none of
# them is in a name).
_SEP, _FIELD, _NONE = "\x1f", "\x1d", "\x1e"


@dataclass
class _Read:
    """What one pass over the clocks found, per kecamatan and both months (index 0 this, 1 last): the
    counts by `_figures`' names, each median's spans (microseconds), and the rows' keys counted."""

    keys: Sequence[str]  # the fields of each row's key, in order (e.g. desa, category, report_type)
    values: dict[str, tuple[dict[str, int], dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: ({}, {})))
    # the same counts per officer (staff id) and per agency (code), when the read was asked for them
    officers: dict[int | None, tuple[dict[str, int], dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: ({}, {})))
    agencies: dict[str | None, tuple[dict[str, int], dict[str, int]]] = field(
        default_factory=lambda: defaultdict(lambda: ({}, {})))
    spans: dict[tuple[str, int, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    rows: dict[tuple[str, int], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    _split_keys: dict[tuple[str, int], list[tuple[list[str], int]]] = field(default_factory=dict)

    def figures(self, codes: Sequence[str]) -> Pair:
        """The figures of `codes` together, with their medians."""
        def month(index: int) -> Figures:
            total = Figures()
            for code in codes:
                total = total + _figures(self.values[code][index] if code in self.values else {})

            def median(name: str) -> timedelta | None:
                return _median([span for code in codes for span in self.spans.get((code, index, name), ())])

            return replace(total, median_verify=median("median_verify"), median_accept=median("median_accept"),
                           median_resolve=median("median_resolve"))

        return month(0), month(1)

    def by(self, key: str) -> dict[str | None, Row]:
        """Reports in and resolved per `key` (desa, category or report type), both months, every kecamatan read."""
        at = list(self.keys).index(key)

        def counted(name: str, month: int) -> Counter[str | None]:
            found: Counter[str | None] = Counter()
            for parts, n in self._parts(name, month):
                found[None if parts[at] == _NONE else parts[at]] += n
            return found

        new, resolved = counted("new", 0), counted("resolved", 0)
        new_last, resolved_last = counted("new", 1), counted("resolved", 1)
        groups = dict.fromkeys([*new, *resolved, *new_last, *resolved_last])
        return {group: Row(group, new[group], resolved[group], new_last[group], resolved_last[group])
                for group in groups}

    def _parts(self, name: str, month: int) -> list[tuple[list[str], int]]:
        """The rows' keys counted on `name` in `month`, each split into its fields (once for every `by`)."""
        if (name, month) not in self._split_keys:
            self._split_keys[(name, month)] = [(joined.split(_FIELD), n)
                                               for joined, n in self.rows.get((name, month), Counter()).items()]
        return self._split_keys[(name, month)]

    def handlers(self) -> tuple[dict[int | None, Pair], dict[str, Pair]]:
        """Per officer and per agency, both periods (their medians are not read)."""
        return ({who: (_figures(a), _figures(b)) for who, (a, b) in self.officers.items()},
                {code: (_figures(a), _figures(b)) for code, (a, b) in self.agencies.items() if code is not None})


def _add(into: dict[str, int], names: Sequence[str], numbers: Sequence[Any]) -> None:
    for name, number in zip(names, numbers, strict=True):
        into[name] = into.get(name, 0) + int(number or 0)


def _median(spans: list[int]) -> timedelta | None:
    # every group's spans together, sorted once here
    return timedelta(microseconds=statistics.median(spans)) if spans else None


def _joined(column: ColumnElement[Any], inside: ColumnElement[bool], sep: str = _SEP) -> ColumnElement[str]:
    """The values of `column` in `inside`, joined into one text (read back by `_split`, or as JSON)."""
    value = column if isinstance(column.type, String) else cast(column, String)
    return func.aggregate_strings(value, sep).filter(inside)


def _numbers(joined: str | None) -> list[int]:
    """Whole numbers joined by commas (JSON's parser reads them twice as fast as int() one by one)."""
    return json.loads(f"[{joined}]") if joined else []


def _split(joined: str | None) -> list[str]:
    return joined.split(_SEP) if joined else []


# The clocks that say who handled a case (`handlers=True`): grouped by officer too, and by agency.
HANDLER_CLOCKS: dict[str, tuple[InstrumentedAttribute[Any], ...]] = {
    "accepted_at": (Ticket.assignee_id,), "resolved_at": (Ticket.assignee_id, Ticket.forward_agency)}


async def _read(sessions: async_sessionmaker[AsyncSession], codes: list[str], this: Period, last: Period,
                everything: bool = False, keys: Sequence[str] = ("category", "report_type"),
                handlers: bool = False) -> _Read:
    """Every count of both periods per kecamatan, each clock read once over its `(kecamatan, clock, ...)` index
    in index order (no sort): the counts and on-time counts as aggregates, the medians' spans and the rows' `keys`
    joined into texts and counted here (SQLite would sort every row to group by them). The five clocks are read
    side by side, each in a session of its own (the database works them on several cores). With `handlers`, the
    accept and resolve clocks are grouped by officer (and agency) as well, in the same pass (a small sort): the
    kecamatan's counts are then their sums, and the officers' and agencies' come with them."""
    found = _Read(keys)
    parts: list[ColumnElement[Any]] = [func.coalesce(getattr(Ticket, key), _NONE) for key in keys]
    row_key = parts[0]
    for part in parts[1:]:
        row_key = row_key + _FIELD + part

    async def clock_read(clock: str) -> None:
        moment = getattr(Ticket, clock)
        months = (moment >= this.start, moment < this.start)  # within the WHERE's [last.start, this.end)
        counted = [_counted(period, clock, inside=inside) for period, inside in zip((this, last), months, strict=True)]
        spans = ([_joined(_Span(moment, Ticket.created_at), inside, ",") for inside in months]
                 if clock in MEDIANS else [])
        joined = [_joined(row_key, inside) for inside in months] if clock in ROW_CLOCKS else []
        by = HANDLER_CLOCKS.get(clock, ()) if handlers else ()
        async with sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # its JIT compiles these aggregates for longer (50-100 ms) than they take to run
                await session.execute(text("SET LOCAL jit = off"))
            rows = (await session.execute(
                select(Ticket.kecamatan, *by, *counted[0].values(), *counted[1].values(), *spans, *joined)
                .where(Ticket.kecamatan.in_(codes), _visible(everything), moment >= last.start, moment < this.end)
                .group_by(Ticket.kecamatan, *by))).all()
        for code, *got in rows:
            whose, got = got[:len(by)], got[len(by):]
            counts = [found.values[code]]
            if by:
                counts.append(found.officers[whose[0]])
            if len(by) > 1:
                counts.append(found.agencies[whose[1]])
            for month, names in enumerate(counted):
                numbers, got = got[:len(names)], got[len(names):]
                for into in counts:
                    _add(into[month], list(names), numbers)
            if spans:
                for month in (0, 1):
                    found.spans[(code, month, MEDIANS[clock])].extend(_numbers(got[month]))
                got = got[2:]
            for month in (0, 1) if joined else ():
                found.rows[(ROW_CLOCKS[clock], month)].update(_split(got[month]))

    await asyncio.gather(*(clock_read(clock) for clock in CLOCKS))
    return found


async def kecamatan_board(ctx: Context, kind: str = "month", include_confidential: bool = False,
                          codes: Sequence[str] = (), handlers: bool = False,
                          periods: tuple[Period, Period] | None = None) -> KecamatanBoard:
    """The figures of `ctx`'s kecamatan (or of `codes` together, in `ctx`'s time zone): this month and last
    (or this week and last), per desa, per category and per report type (five queries, one per clock); with
    `handlers`, per officer and per agency too (accepted, resolved and their stages on time: the officer's accept
    and resolve, the agency's answer), from the same five. `periods` (this, last: adjacent) replaces `kind`'s
    periods around now: the weekly summary's weeks end on its day, however late it is sent."""
    code, places = ctx.kecamatan, list(codes) or [ctx.kecamatan]
    this, last = periods or KINDS[kind](ctx.now(), ctx.profile.zone)
    found = await _read(ctx.sessions, places, this, last, include_confidential,
                        keys=("desa", "category", "report_type"), handlers=handlers)
    now, before = found.figures(places)
    officers, agencies = found.handlers()
    return KecamatanBoard(code, Summary(this, last, now, before), found.by("desa"), found.by("category"),
                          found.by("report_type"), by_officer=officers, by_agency=agencies)


async def kabupaten_board(ctx: Context) -> KabupatenBoard:
    """Every kecamatan's figures and the kabupaten's (each in its own months), and the kabupaten per category."""
    codes = [p.code for p in ctx.kabupaten]
    home = ctx.kabupaten.first.zone
    zones = {p.code: p.zone for p in ctx.kabupaten}
    now = ctx.now()
    # One read per time zone in use (a kabupaten normally has one): its kecamatan, or all for the kabupaten's.
    in_zone = {zone: months(now, zone) for zone in {home, *zones.values()}}
    reads: dict[ZoneInfo, _Read] = {}
    for zone, (this, last) in in_zone.items():
        wanted = codes if zone == home else [code for code in codes if zones[code] == zone]
        reads[zone] = await _read(ctx.sessions, wanted, this, last)
    kecamatan = {code: Summary(*in_zone[zones[code]], *reads[zones[code]].figures([code])) for code in codes}
    return KabupatenBoard(total=Summary(*in_zone[home], *reads[home].figures(codes)), kecamatan=kecamatan,
                          by_category=reads[home].by("category"), by_type=reads[home].by("report_type"))
