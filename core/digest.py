"""The camat's daily digest: what happened yesterday, what is late, how well the SLAs are met.

`build_digest` gathers the figures; `render_digest` writes them as short lines for a phone;
`digest_text` does both (the officer bot's /ringkasan and the scheduler's 07.00 message).
Confidential tickets count in totals but never appear in lists or breakdowns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import ColumnElement, and_, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, aliased

from core.context import Context
from core.db.models import JobRun, Staff, Ticket, TicketEvent
from core.domain.lifecycle import OFFICER_LOAD, REMINDABLE, TicketState
from core.domain.sla import Stage
from core.notifications import queue
from core.texts import duration, text

S = TicketState
WAITING = tuple(s.value for s in S if s in REMINDABLE)  # stages that can be late (a case with an agency too)
OPEN = (*WAITING, S.RESOLVED.value)
# The moment a ticket leaves each stage that has a clock, for "on time per stage".
STAGE_DONE: dict[Stage, InstrumentedAttribute[datetime | None]] = {
    Stage.VERIFY: Ticket.verified_at, Stage.ACCEPT: Ticket.accepted_at, Stage.RESOLVE: Ticket.resolved_at}


@dataclass(frozen=True)
class Overdue:
    number: str
    category: str | None
    state: str
    late_by: timedelta
    assignee: str | None
    agency: str | None = None  # the agency a late forwarded case waits on


@dataclass(frozen=True)
class Compliance:
    on_time: int
    total: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.total) if self.total else None


@dataclass(frozen=True)
class Digest:
    day: date
    by_state: dict[str, int]
    new: int
    resolved: int
    closed: int
    overdue: list[Overdue]
    overdue_total: int
    overdue_hidden: int
    sla_7: Compliance
    sla_30: Compliance
    by_desa: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    by_officer: list[tuple[str, int, int]]  # name, in progress now, resolved in the last 7 days
    by_agency: list[tuple[str, int]]  # agency code, open cases with it
    rating: float | None
    ratings: int
    new_by_type: dict[str, int] = field(default_factory=dict)  # yesterday's new reports: complaint, aspiration, info


TYPE_ORDER = ("complaint", "aspiration", "info")


def local_midnight(ctx: Context, day: date) -> datetime:
    """The start of `day` in the kecamatan's zone."""
    return datetime.combine(day, time.min, ctx.profile.zone)


def shown() -> ColumnElement[bool]:
    """Tickets that may appear in lists and breakdowns."""
    return Ticket.privacy != "confidential"


# Every figure is one kecamatan's: each query below takes the kecamatan it counts.

async def count(session: AsyncSession, kecamatan: str, *where: ColumnElement[bool]) -> int:
    return await session.scalar(select(func.count()).select_from(Ticket)
                                .where(Ticket.kecamatan == kecamatan, *where)) or 0


async def compliance(session: AsyncSession, kecamatan: str, start: datetime, end: datetime) -> Compliance:
    """Tickets resolved in [start, end): how many were never reminded or escalated on the way."""
    window = and_(Ticket.resolved_at >= start, Ticket.resolved_at < end)
    late = exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action == "escalate")
    return await _on_time(session, kecamatan, window, late)


async def stage_compliance(session: AsyncSession, kecamatan: str, stage: Stage, start: datetime,
                           end: datetime) -> Compliance:
    """Tickets that finished `stage` in [start, end): how many did so without a reminder or escalation of
    that stage. The agency stage ends when the agency answers (the ticket is resolved from it)."""
    done = STAGE_DONE.get(stage, Ticket.resolved_at)
    window = and_(done >= start, done < end)
    if stage is Stage.AGENCY:
        window = and_(window, Ticket.forward_agency.is_not(None))
    late = exists().where(TicketEvent.ticket_id == Ticket.id, TicketEvent.action == "escalate",
                          TicketEvent.data["stage"].as_string() == stage.value)
    return await _on_time(session, kecamatan, window, late)


async def _on_time(session: AsyncSession, kecamatan: str, window: ColumnElement[bool],
                   late: ColumnElement[bool]) -> Compliance:
    """The tickets in `window` and, in the same read, those of them not `late`."""
    total, on_time = (await session.execute(
        select(func.count(), func.count().filter(~late)).select_from(Ticket)
        .where(Ticket.kecamatan == kecamatan, window))).one()
    return Compliance(on_time=int(on_time), total=int(total))


async def rating(session: AsyncSession, kecamatan: str, start: datetime, end: datetime) -> tuple[float | None, int]:
    """Average rating of tickets closed in [start, end), and how many were rated."""
    row = (await session.execute(select(func.avg(Ticket.rating), func.count(Ticket.rating)).where(
        Ticket.kecamatan == kecamatan, Ticket.rating.is_not(None), Ticket.closed_at >= start,
        Ticket.closed_at < end))).one()
    return (float(row[0]) if row[0] is not None else None), int(row[1])


async def _grouped(session: AsyncSession, kecamatan: str, column: InstrumentedAttribute[str | None],
                   *where: ColumnElement[bool]) -> list[tuple[str | None, int]]:
    rows = await session.execute(select(column, func.count())
                                 .where(Ticket.kecamatan == kecamatan, Ticket.state.in_(OPEN), shown(), *where)
                                 .group_by(column).order_by(func.count().desc(), column))
    return [(key, n) for key, n in rows.all()]


async def build_digest(ctx: Context, day: date | None = None) -> Digest:
    """The figures for the digest of `day` (default today): yesterday's flow, backlog now, SLAs."""
    now = ctx.now()
    day = day or now.astimezone(ctx.profile.zone).date()
    end = local_midnight(ctx, day)
    start = local_midnight(ctx, day - timedelta(days=1))
    assignee, k = aliased(Staff), ctx.kecamatan
    mine = Ticket.kecamatan == k
    async with ctx.sessions() as session:
        states = await session.execute(select(Ticket.state, func.count()).where(mine).group_by(Ticket.state))
        late = and_(Ticket.state.in_(WAITING), Ticket.stage_deadline_at < now)
        overdue_rows = await session.execute(
            select(Ticket.number, Ticket.category, Ticket.state, Ticket.stage_deadline_at, assignee.name,
                   Ticket.forward_agency)
            .outerjoin(assignee, assignee.id == Ticket.assignee_id)
            .where(mine, late, shown()).order_by(Ticket.stage_deadline_at, Ticket.id))
        overdue = [Overdue(n, c, s, now - (due or now), a, g) for n, c, s, due, a, g in overdue_rows.all()]
        overdue_total = await count(session, k, late)
        officers = await session.execute(
            select(Staff.name,
                   func.count().filter(Ticket.state.in_(OFFICER_LOAD)),
                   func.count().filter(Ticket.resolved_at >= end - timedelta(days=7), Ticket.resolved_at < end))
            .join(Ticket, Ticket.assignee_id == Staff.id).where(mine, shown())
            .group_by(Staff.id, Staff.name).order_by(Staff.name))
        average, rated = await rating(session, k, end - timedelta(days=30), end)
        types = await session.execute(select(Ticket.report_type, func.count()).where(
            mine, Ticket.created_at >= start, Ticket.created_at < end).group_by(Ticket.report_type))
        return Digest(
            new_by_type={kind: n for kind, n in types.all()},
            day=day,
            by_state={state: n for state, n in states.all()},
            new=await count(session, k, Ticket.created_at >= start, Ticket.created_at < end),
            resolved=await count(session, k, Ticket.resolved_at >= start, Ticket.resolved_at < end),
            closed=await count(session, k, Ticket.state == S.CLOSED.value, Ticket.closed_at >= start,
                               Ticket.closed_at < end),
            overdue=overdue,
            overdue_total=overdue_total,
            overdue_hidden=overdue_total - len(overdue),
            sla_7=await compliance(session, k, end - timedelta(days=7), end),
            sla_30=await compliance(session, k, end - timedelta(days=30), end),
            by_desa=[(d or "", n) for d, n in await _grouped(session, k, Ticket.desa)],
            by_category=[(c or "", n) for c, n in await _grouped(session, k, Ticket.category)],
            by_officer=[(name, busy, done) for name, busy, done in officers.all() if busy or done],
            by_agency=[(code or "", n) for code, n in await _grouped(
                session, k, Ticket.forward_agency, Ticket.state == S.FORWARDED.value)],
            rating=average,
            ratings=rated,
        )


def category_label(ctx: Context, code: str | None, locale: str) -> str:
    category = ctx.profile.category(code) if code else None
    if category is None:
        return text("digest.no_category", locale)
    return category.label_for(locale)


def _compliance_line(key: str, figure: Compliance, locale: str) -> str:
    if figure.percent is None:
        return text(f"{key}_none", locale)
    return text(key, locale, on_time=figure.on_time, total=figure.total, percent=figure.percent)


def _breakdown(title: str, rows: list[tuple[str, int]], locale: str, limit: int) -> list[str]:
    if not rows:
        return []
    lines = [title] + [text("digest.item", locale, name=name, count=n) for name, n in rows[:limit]]
    if len(rows) > limit:
        lines.append(text("digest.more_rows", locale, count=sum(n for _, n in rows[limit:])))
    return lines


def render_digest(ctx: Context, digest: Digest, locale: str = "id", late: bool = False) -> str:
    """The digest as plain text for a phone: short lines, no tables."""
    def t(key: str, **params: Any) -> str:
        return text(key, locale, **params)

    lines = [t("digest.title", kecamatan=ctx.profile.name),
             format_date(digest.day, "EEEE, d MMMM y", locale=locale)]
    if late:
        lines.append(t("digest.late", time=ctx.profile.digest_time.strftime("%H.%M")))
    lines += ["", t("digest.open_title")]
    for state in OPEN:
        lines.append(t("digest.item", name=t(f"state.{state}"), count=digest.by_state.get(state, 0)))
    lines += ["", t("digest.yesterday", new=digest.new, resolved=digest.resolved, closed=digest.closed)]
    if set(digest.new_by_type) - {"complaint"}:  # the three kinds counted apart once more than one came in
        lines.append(t("digest.by_type", kinds=" · ".join(
            t("digest.type_item", kind=t(f"tg.type.{kind}"), count=n) for kind, n in sorted(
                digest.new_by_type.items(), key=lambda item: TYPE_ORDER.index(item[0])
                if item[0] in TYPE_ORDER else len(TYPE_ORDER)))))
    lines.append("")
    listed = ctx.profile.digest_list_limit
    if digest.overdue_total:
        lines.append(t("digest.overdue_title", count=digest.overdue_total))
        for i, item in enumerate(digest.overdue[:listed], 1):
            lines.append(t("digest.overdue_item", index=i, number=item.number,
                           category=category_label(ctx, item.category, locale)))
            lines.append(t("digest.overdue_detail", age=duration(item.late_by, locale),
                           who=item.assignee or ctx.kabupaten.agency_name(item.agency) or t(f"state.{item.state}")))
        if len(digest.overdue) > listed:
            lines.append(t("digest.overdue_more", count=len(digest.overdue) - listed))
        if digest.overdue_hidden:
            lines.append(t("digest.overdue_hidden", count=digest.overdue_hidden))
    else:
        lines.append(t("digest.overdue_none"))
    lines += ["", t("digest.sla_title"), _compliance_line("digest.sla_7", digest.sla_7, locale),
              _compliance_line("digest.sla_30", digest.sla_30, locale)]
    desa = [(name or t("digest.no_desa"), n) for name, n in digest.by_desa]
    categories = [(category_label(ctx, code or None, locale), n) for code, n in digest.by_category]
    agencies = [(ctx.kabupaten.agency_name(code) or "-", n) for code, n in digest.by_agency]
    for title, rows in ((t("digest.desa_title"), desa), (t("digest.category_title"), categories),
                        (t("digest.agency_title"), agencies)):
        block = _breakdown(title, rows, locale, ctx.profile.digest_breakdown_limit)
        lines += ["", *block] if block else []
    if digest.by_officer:
        lines += ["", t("digest.officer_title")]
        lines += [t("digest.officer_item", name=n, busy=b, done=d) for n, b, d in digest.by_officer]
    lines.append("")
    if digest.rating is None:
        lines.append(t("digest.rating_none"))
    else:
        stars = format_decimal(digest.rating, format="0.0", locale=locale)
        lines.append(t("digest.rating", rating=stars, count=digest.ratings))
    return "\n".join(lines)


async def digest_text(ctx: Context, day: date | None = None, locale: str = "id") -> str:
    """The daily digest of `day` (default today) as ready text for the camat."""
    return render_digest(ctx, await build_digest(ctx, day), locale)


def summary_key(kind: str, kecamatan: str, day: date) -> str:
    """The once-only key of a kecamatan's summary: `digest:pattallassang:2026-11-27`."""
    return f"{kind}:{kecamatan}:{day.isoformat()}"


async def summary_sent(ctx: Context, kind: str, day: date, scope: str | None = None) -> bool:
    async with ctx.sessions() as session:
        return await session.get(JobRun, summary_key(kind, scope or ctx.kecamatan, day)) is not None


async def queue_summary(ctx: Context, kind: str, day: date, body: str, late: bool, *, to: str = "camat",
                        scope: str | None = None) -> bool:
    """Queue a summary (to the camat, or to "kabupaten") once per `kind`, day and scope (the kecamatan,
    or the kabupaten's code), across instances; False if already queued."""
    key, now = summary_key(kind, scope or ctx.kecamatan, day), ctx.now()
    try:
        async with ctx.sessions.begin() as session:
            if await session.get(JobRun, key) is not None:
                return False
            session.add(JobRun(key=key, ran_at=now, detail={"late": late}))
            queue(session, channel="telegram", recipient=to, kecamatan=ctx.kecamatan, kind=kind,
                  data={"text": body, "date": day.isoformat(), "late": late}, dedupe_key=key, now=now)
            await session.flush()
    except IntegrityError:  # another instance queued it between our check and our insert
        return False
    return True
