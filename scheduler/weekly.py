"""The camat's Monday summary: last week against the week before."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import func, select

from core.context import Context
from core.db.models import Ticket
from core.digest import WAITING, Compliance, category_label, compliance, count, local_midnight, rating, shown
from core.texts import text


@dataclass(frozen=True)
class Week:
    new: int
    resolved: int
    closed: int
    sla: Compliance
    rating: float | None


async def _week(ctx: Context, start: datetime, end: datetime) -> Week:
    async with ctx.sessions() as session:
        return Week(
            new=await count(session, ctx.kecamatan, Ticket.created_at >= start, Ticket.created_at < end),
            resolved=await count(session, ctx.kecamatan, Ticket.resolved_at >= start, Ticket.resolved_at < end),
            closed=await count(session, ctx.kecamatan, Ticket.state == "closed", Ticket.closed_at >= start,
                               Ticket.closed_at < end),
            sla=await compliance(session, ctx.kecamatan, start, end),
            rating=(await rating(session, ctx.kecamatan, start, end))[0],
        )


async def _top_categories(ctx: Context, start: datetime, end: datetime) -> list[tuple[str | None, int]]:
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(Ticket.category, func.count()).where(Ticket.kecamatan == ctx.kecamatan, Ticket.created_at >= start,
                                                       Ticket.created_at < end, shown())
            .group_by(Ticket.category).order_by(func.count().desc(), Ticket.category).limit(3))
        return [(c, n) for c, n in rows.all()]


def _percent(figure: Compliance) -> str:
    return "–" if figure.percent is None else f"{figure.percent}%"


def _stars(value: float | None, locale: str) -> str:
    return "–" if value is None else format_decimal(value, format="0.0", locale=locale)


async def weekly_text(ctx: Context, day: date, locale: str = "id", late: bool = False) -> str:
    """The summary sent on `day`: the seven days before it, compared with the seven before those."""
    end = local_midnight(ctx, day)
    this, before = await _week(ctx, end - timedelta(days=7), end), await _week(ctx, end - timedelta(days=14),
                                                                             end - timedelta(days=7))
    async with ctx.sessions() as session:
        still_open = await count(session, ctx.kecamatan, Ticket.state.in_(WAITING))
        overdue = await count(session, ctx.kecamatan, Ticket.state.in_(WAITING), Ticket.stage_deadline_at < ctx.now())
    def t(key: str, **params: Any) -> str:
        return text(key, locale, **params)

    first, last = day - timedelta(days=7), day - timedelta(days=1)
    lines = [t("digest.weekly_title", kecamatan=ctx.profile.name),
             t("digest.weekly_period", start=format_date(first, "d MMM", locale=locale),
               end=format_date(last, "d MMM y", locale=locale))]
    if late:
        lines.append(t("digest.weekly_late"))
    lines += ["",
              t("digest.weekly_new", now=this.new, before=before.new),
              t("digest.weekly_resolved", now=this.resolved, before=before.resolved),
              t("digest.weekly_closed", now=this.closed, before=before.closed),
              t("digest.weekly_sla", now=_percent(this.sla), before=_percent(before.sla)),
              t("digest.weekly_rating", now=_stars(this.rating, locale), before=_stars(before.rating, locale)),
              t("digest.weekly_open", open=still_open, overdue=overdue)]
    top = await _top_categories(ctx, end - timedelta(days=7), end)
    if top:
        lines += ["", t("digest.weekly_top_title")]
        lines += [t("digest.item", name=category_label(ctx, code, locale), count=n) for code, n in top]
    return "\n".join(lines)
