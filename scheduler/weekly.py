"""The camat's Monday summary: last week against the week before.

Its figures are the console's Statistik week (`public.figures.kecamatan_board`, the confidential cases
counted: one computation), read for the seven days before the summary's day however late it is sent; the
most reported categories leave the confidential cases out, as every breakdown of the digest does.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal

from core.context import Context
from core.db.models import Ticket
from core.digest import WAITING, Compliance, category_label, count
from core.kabupaten_digest import STAGES
from core.texts import text
from public.figures import Period, Row, kecamatan_board


def summary_weeks(ctx: Context, day: date) -> tuple[Period, Period]:
    """The seven days before `day` and the seven before those, in the kecamatan's time zone."""
    days = [day - timedelta(days=14), day - timedelta(days=7), day]
    start = [datetime.combine(d, time.min, ctx.profile.zone) for d in days]
    return Period(days[1], start[1], start[2], "week"), Period(days[0], start[0], start[1], "week")


def top_categories(rows: dict[str | None, Row], limit: int) -> list[tuple[str | None, int]]:
    """The `limit` categories with the most new reports this period, busiest first (then by code, none last)."""
    counted = [(code, row.new) for code, row in rows.items() if row.new]
    return sorted(counted, key=lambda item: (-item[1], item[0] is None, item[0] or ""))[:limit]


def _percent(figure: Compliance) -> str:
    return "–" if figure.percent is None else f"{figure.percent}%"


def _stars(value: float | None, locale: str) -> str:
    return "–" if value is None else format_decimal(value, format="0.0", locale=locale)


async def weekly_text(ctx: Context, day: date, locale: str = "id", late: bool = False) -> str:
    """The summary sent on `day`: the seven days before it, compared with the seven before those."""
    weeks = summary_weeks(ctx, day)
    staff, public = await asyncio.gather(kecamatan_board(ctx, include_confidential=True, periods=weeks),
                                         kecamatan_board(ctx, periods=weeks))
    this, before = staff.summary.this, staff.summary.last
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
              t("digest.weekly_closed", now=this.closed, before=before.closed)]
    # a stage with nothing to measure in either week (no agency, say) would only be a line of dashes
    lines += [t("digest.weekly_stage", stage=t(f"publik.on_time_{stage.value}"), now=_percent(this.stages[stage]),
                before=_percent(before.stages[stage]))
              for stage in STAGES if this.stages[stage].total or before.stages[stage].total]
    lines += [t("digest.weekly_rating", now=_stars(this.rating, locale), before=_stars(before.rating, locale)),
              t("digest.weekly_open", open=still_open, overdue=overdue)]
    top = top_categories(public.by_category, ctx.profile.digest_breakdown_limit)  # as the digest's breakdowns
    if top:
        lines += ["", t("digest.weekly_top_title")]
        lines += [t("digest.item", name=category_label(ctx, code, locale), count=n) for code, n in top]
    return "\n".join(lines)
