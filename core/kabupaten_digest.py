"""The kabupaten's morning comparison: every kecamatan side by side, from the same figures as their digests.

For each kecamatan: yesterday's new reports, open and overdue cases now, the share resolved on time
in the last 7 days and per stage (verify, accept, resolve, with an agency), the median time from report
to resolved and the average rating over 30 days. Counts go through `core.digest`'s own queries (one
computation), each scoped to its kecamatan.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from babel.numbers import format_decimal
from sqlalchemy import select

from core.context import Context
from core.db.models import Ticket
from core.digest import OPEN, WAITING, Compliance, compliance, count, local_midnight, rating, stage_compliance
from core.domain.sla import Stage
from core.texts import duration, text

STAGES = (Stage.VERIFY, Stage.ACCEPT, Stage.RESOLVE, Stage.AGENCY)


@dataclass(frozen=True)
class KecamatanFigures:
    name: str
    new: int
    open: int
    overdue: int
    sla_7: Compliance
    stages: dict[Stage, Compliance]  # on time per stage, last 7 days
    median_resolve: timedelta | None
    rating: float | None


async def figures(ctx: Context, day: date) -> KecamatanFigures:
    """One kecamatan's row of the comparison for the morning of `day`."""
    end, k, now = local_midnight(ctx, day), ctx.kecamatan, ctx.now()
    start = local_midnight(ctx, day - timedelta(days=1))
    async with ctx.sessions() as session:
        spans = [(resolved - created).total_seconds() for created, resolved in (await session.execute(
            select(Ticket.created_at, Ticket.resolved_at).where(
                Ticket.kecamatan == k, Ticket.resolved_at >= end - timedelta(days=30),
                Ticket.resolved_at < end))).all() if resolved is not None]
        return KecamatanFigures(
            name=ctx.profile.name,
            new=await count(session, k, Ticket.created_at >= start, Ticket.created_at < end),
            open=await count(session, k, Ticket.state.in_(OPEN)),
            overdue=await count(session, k, Ticket.state.in_(WAITING), Ticket.stage_deadline_at < now),
            sla_7=await compliance(session, k, end - timedelta(days=7), end),
            stages={stage: await stage_compliance(session, k, stage, end - timedelta(days=7), end)
                    for stage in STAGES},
            median_resolve=timedelta(seconds=statistics.median(spans)) if spans else None,
            rating=(await rating(session, k, end - timedelta(days=30), end))[0],
        )


async def build_comparison(ctx: Context, day: date) -> list[KecamatanFigures]:
    """Every kecamatan of the install, in the kabupaten file's order."""
    return [await figures(tenant, day) for tenant in ctx.tenants()]


def render_comparison(ctx: Context, rows: list[KecamatanFigures], day: date, locale: str = "id",
                      late: bool = False) -> str:
    """The comparison as short lines for a phone: two lines per kecamatan, totals first."""
    def t(key: str, **params: object) -> str:
        return text(key, locale, **params)

    lines = [t("digest.kabupaten_title", kabupaten=ctx.kabupaten.name),
             format_date(day, "EEEE, d MMMM y", locale=locale)]
    if late:
        lines.append(t("digest.weekly_late"))
    lines += [t("digest.kabupaten_totals", new=sum(r.new for r in rows), open=sum(r.open for r in rows),
                overdue=sum(r.overdue for r in rows)), ""]
    for row in rows:
        sla = f"{row.sla_7.percent}%" if row.sla_7.percent is not None else "–"
        median = duration(row.median_resolve, locale) if row.median_resolve is not None else "–"
        stars = format_decimal(round(row.rating, 1), locale=locale) if row.rating is not None else "–"
        lines += [t("digest.kabupaten_row", name=row.name.removeprefix("Kecamatan "), new=row.new, open=row.open,
                    overdue=row.overdue),
                  t("digest.kabupaten_row_detail", sla=sla, median=median, rating=stars),
                  t("digest.kabupaten_row_stages", **{s.value: _percent(row.stages[s]) for s in STAGES})]
    return "\n".join(lines)


def _percent(figure: Compliance) -> str:
    return f"{figure.percent}%" if figure.percent is not None else "–"
