"""The transparency page's figures: this month and last, per kecamatan and for the kabupaten.

The same measures as the camat's digest and the kabupaten's comparison (`core.digest`: the clock that
ends each stage, a stage counted on time when it was never escalated; `core.kabupaten_digest`'s
stages), but for the public: every kecamatan and both months are read together, in one grouped query
per clock column (created, verified, accepted, resolved, closed: each over its own index), and a
confidential case counts in nothing here, totals included (so no total minus its rows can point at one).
Months run in the kecamatan's time zone; the kabupaten's are those of its first kecamatan.

The console's Statistik reads the same figures (`kecamatan_board` with `kind="week"` for Monday-to-Sunday
weeks, and `include_confidential=True`: staff count every case, as the camat's digest does).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from core.context import Context
from core.db.models import Ticket, TicketEvent
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


@dataclass(frozen=True)
class KabupatenBoard:
    total: Summary
    kecamatan: dict[str, Summary]  # in the kabupaten file's order
    by_category: dict[str | None, Row]
    by_type: dict[str | None, Row] = field(default_factory=dict)


def _stage_window(stage: Stage, month: Month) -> ColumnElement[bool]:
    """Tickets that finished `stage` in `month` (as `core.digest.stage_compliance` reads it)."""
    window = month.holds(STAGE_DONE.get(stage, Ticket.resolved_at))
    return and_(window, Ticket.forward_agency.is_not(None)) if stage is Stage.AGENCY else window


def late_in_stage(stage: Stage) -> ColumnElement[bool]:
    """The stage was escalated on the way (the digest's "not on time")."""
    return exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action == "escalate",
                          TicketEvent.data["stage"].as_string() == stage.value)


# The columns whose time puts a ticket in a month, each read in a query of its own (over its own index).
CLOCKS = ("created_at", "verified_at", "accepted_at", "resolved_at", "closed_at")


def _counted(month: Month, clock: str, stages: bool = True) -> dict[str, ColumnElement[Any]]:
    """The aggregates of one month that run on `clock`, by the names `_figures` reads (without the stages'
    on-time counts, each an EXISTS over the case's events, when `stages` is false)."""
    inside = month.holds(getattr(Ticket, clock))
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
            window = _stage_window(stage, month)
            found |= {f"{stage}.total": func.count().filter(window),
                      f"{stage}.on_time": func.count().filter(window, ~late_in_stage(stage))}
    return found


def _figures(values: dict[str, int]) -> Figures:
    return Figures(new=values.get("new", 0), resolved=values.get("resolved", 0), closed=values.get("closed", 0),
                   rating_sum=values.get("rating_sum", 0), ratings=values.get("ratings", 0),
                   stages={s: Compliance(on_time=values.get(f"{s}.on_time", 0), total=values.get(f"{s}.total", 0))
                           for s in STAGES})


Pair = tuple[Figures, Figures]  # this month, last month


async def _tally(session: AsyncSession, key: InstrumentedAttribute[Any], codes: list[str], this: Month, last: Month,
                 clocks: Sequence[str] = CLOCKS, stages: bool = True, everything: bool = False) -> dict[Any, Pair]:
    """The figures of both months per `key` (kecamatan, desa, category, officer or agency): one grouped query
    per clock (`stages` false: without the stages' on-time counts; `everything`: confidential cases too)."""
    values: dict[Any, tuple[dict[str, int], dict[str, int]]] = defaultdict(lambda: ({}, {}))
    for clock in clocks:
        now, before = _counted(this, clock, stages), _counted(last, clock, stages)
        moment = getattr(Ticket, clock)
        rows = await session.execute(
            select(key, *now.values(), *before.values()).group_by(key)
            .where(Ticket.kecamatan.in_(codes), _visible(everything), moment >= last.start, moment < this.end))
        for group, *got in rows.all():
            numbers = [int(v or 0) for v in got]
            values[group][0].update(zip(now, numbers[:len(now)], strict=True))
            values[group][1].update(zip(before, numbers[len(now):], strict=True))
    return {group: (_figures(a), _figures(b)) for group, (a, b) in values.items()}


Span = tuple[str, datetime, timedelta]  # kecamatan, when the stage ended, time from the report to then
MEDIANS = {"median_verify": Ticket.verified_at, "median_accept": Ticket.accepted_at,
           "median_resolve": Ticket.resolved_at}  # Figures' medians, each up to its clock


async def _spans(session: AsyncSession, codes: list[str], since: datetime,
                 everything: bool = False) -> dict[str, list[Span]]:
    """Per median of `Figures`: the cases whose clock ran out since `since`, one query per clock (its index)."""
    found: dict[str, list[Span]] = {}
    for name, clock in MEDIANS.items():
        rows = await session.execute(select(Ticket.kecamatan, Ticket.created_at, clock)
                                     .where(Ticket.kecamatan.in_(codes), _visible(everything), clock >= since))
        found[name] = [(code, done, done - created) for code, created, done in rows.all() if done is not None]
    return found


def _median(spans: Iterable[Span], codes: set[str], month: Month) -> timedelta | None:
    found = [span.total_seconds() for code, resolved, span in spans
             if code in codes and month.start <= resolved < month.end]
    return timedelta(seconds=statistics.median(found)) if found else None


def _with_median(figures: Figures, spans: dict[str, list[Span]], codes: set[str], month: Month) -> Figures:
    return replace(figures, median_verify=_median(spans["median_verify"], codes, month),
                   median_accept=_median(spans["median_accept"], codes, month),
                   median_resolve=_median(spans["median_resolve"], codes, month))


async def _rows(session: AsyncSession, key: InstrumentedAttribute[str | None], codes: list[str], this: Month,
                last: Month, everything: bool = False) -> dict[str | None, Row]:
    """Reports in and resolved per desa or per category, both months."""
    tallies = await _tally(session, key, codes, this, last, clocks=("created_at", "resolved_at"), stages=False,
                           everything=everything)
    return {group: Row(group, a.new, a.resolved, b.new, b.resolved) for group, (a, b) in tallies.items()}


def _summaries(tallies: dict[str, Pair], spans: dict[str, list[Span]],
               codes: list[str], this: Month, last: Month) -> Summary:
    """The figures of `codes` together (one kecamatan, or all of them)."""
    empty = (Figures(), Figures())
    now, before = Figures(), Figures()
    for code in codes:
        a, b = tallies.get(code, empty)
        now, before = now + a, before + b
    wanted = set(codes)
    return Summary(this, last, _with_median(now, spans, wanted, this), _with_median(before, spans, wanted, last))


async def kecamatan_board(ctx: Context, kind: str = "month", include_confidential: bool = False,
                          codes: Sequence[str] = ()) -> KecamatanBoard:
    """The figures of `ctx`'s kecamatan (or of `codes` together, in `ctx`'s time zone): this month and last
    (or this week and last), per desa, per category and per report type (fourteen grouped queries, each over
    one index)."""
    code, places = ctx.kecamatan, list(codes) or [ctx.kecamatan]
    this, last = KINDS[kind](ctx.now(), ctx.profile.zone)
    everything = include_confidential
    async with ctx.sessions() as session:
        tallies = await _tally(session, Ticket.kecamatan, places, this, last, everything=everything)
        spans = await _spans(session, places, last.start, everything)
        by_desa = await _rows(session, Ticket.desa, places, this, last, everything)
        by_category = await _rows(session, Ticket.category, places, this, last, everything)
        by_type = await _rows(session, Ticket.report_type, places, this, last, everything)
    return KecamatanBoard(code, _summaries(tallies, spans, places, this, last), by_desa, by_category, by_type)


async def handled_by(ctx: Context, codes: Sequence[str], kind: str = "month", include_confidential: bool = False
                     ) -> tuple[dict[int | None, Pair], dict[str | None, Pair]]:
    """Per officer (staff id) and per agency (code), this period and the last: accepted, resolved and their
    stages on time (the officer's accept and resolve; the agency's answer), read as the board reads them."""
    this, last = KINDS[kind](ctx.now(), ctx.profile.zone)
    async with ctx.sessions() as session:
        officers = await _tally(session, Ticket.assignee_id, list(codes), this, last,
                                clocks=("accepted_at", "resolved_at"), everything=include_confidential)
        agencies = await _tally(session, Ticket.forward_agency, list(codes), this, last, clocks=("resolved_at",),
                                everything=include_confidential)
    return officers, {code: pair for code, pair in agencies.items() if code is not None}


async def kabupaten_board(ctx: Context) -> KabupatenBoard:
    """Every kecamatan's figures and the kabupaten's (each in its own months), and the kabupaten per category."""
    codes = [p.code for p in ctx.kabupaten]
    home = ctx.kabupaten.first.zone
    zones = {p.code: p.zone for p in ctx.kabupaten}
    now = ctx.now()
    # One grouped query per time zone in use (a kabupaten normally has one).
    in_zone = {zone: months(now, zone) for zone in {home, *zones.values()}}
    earliest = min(last.start for _, last in in_zone.values())
    tallies: dict[ZoneInfo, dict[str, Pair]] = defaultdict(dict)
    async with ctx.sessions() as session:
        for zone, (this, last) in in_zone.items():
            tallies[zone] = await _tally(session, Ticket.kecamatan, codes, this, last)
        spans = await _spans(session, codes, earliest)
        this, last = in_zone[home]
        by_category = await _rows(session, Ticket.category, codes, this, last)
        by_type = await _rows(session, Ticket.report_type, codes, this, last)
    return KabupatenBoard(
        total=_summaries(tallies[home], spans, codes, this, last),
        kecamatan={code: _summaries(tallies[zones[code]], spans, [code], *in_zone[zones[code]]) for code in codes},
        by_category=by_category, by_type=by_type)
