"""Statistik: a kecamatan's figures this week or month against the one before, as bars and tables.

Every number is `public.figures`' (the transparency page's and the monthly report's computation), counted
with the confidential cases: the console is for staff, and the camat's digest counts them too. Who may read
it is who may export (camat, admin, verifier, the kabupaten roles): `console.export.export_scope`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from babel.dates import format_date
from babel.numbers import format_decimal
from starlette.requests import Request
from starlette.responses import Response

from console.export import export_scope, handler_lines
from console.signin import Viewer
from core.digest import Compliance
from core.domain.sla import Stage
from core.kabupaten_digest import STAGES
from core.texts import duration, text
from public.figures import KecamatanBoard, Pair, Period, Row, kecamatan_board
from public.pages import category_rows, desa_rows, type_rows

if TYPE_CHECKING:
    from console.routes import Pages

PERIODS = {"bulan": "month", "minggu": "week"}  # ?periode= → public.figures' kinds
MOST_BARS = 15  # a chart shows the busiest lines; its table lists them all
LABEL_CHARS = 22


@dataclass(frozen=True)
class Line:
    """One line of a chart: this period's value and the last one's (None: nothing to measure), as shown."""

    label: str
    now: float | None
    before: float | None
    cells: tuple[str, ...]  # the table's cells after the label: this period's value and the last's first


@dataclass(frozen=True)
class Chart:
    key: str  # konsol.stats.charts.<key>: its title
    columns: tuple[str, ...]  # konsol.stats.columns.<name>: the table's headers after the label
    lines: list[Line]
    top: float = 0  # the value of a full bar (0: the largest value shown)

    @cached_property
    def drawn(self) -> list[Line]:
        """The lines the chart draws: all, or the busiest MOST_BARS in their order."""
        if len(self.lines) <= MOST_BARS:
            return self.lines
        busiest = sorted(range(len(self.lines)),
                         key=lambda i: -((self.lines[i].now or 0) + (self.lines[i].before or 0)))[:MOST_BARS]
        return [self.lines[i] for i in sorted(busiest)]

    @cached_property
    def _top(self) -> float:
        return self.top or max([v for line in self.drawn for v in (line.now, line.before) if v] or [1])

    def bar(self, value: float | None, full: int) -> int:
        """A bar's length for `value` out of `full` pixels."""
        return round(full * min(value or 0, self._top) / self._top)

    @staticmethod
    def short(label: str) -> str:
        return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def _percent(figure: Compliance) -> str:
    return f"{figure.percent}%" if figure.percent is not None else "–"


def _hours(span: timedelta | None) -> float | None:
    return span.total_seconds() / 3600 if span is not None else None


def _counts(lines: Sequence[tuple[str, Row]]) -> list[Line]:
    return [Line(label, row.new, row.new_last, (str(row.new), str(row.new_last), str(row.resolved),
                                                str(row.resolved_last))) for label, row in lines]


def charts(board: KecamatanBoard, officers: list[tuple[str, Pair]], agencies: list[tuple[str, Pair]],
           labels: Callable[[str], list[tuple[str, Row]]], locale: str) -> list[Chart]:
    """The page's charts, in reading order."""
    def t(key: str) -> str:
        return text(key, locale)

    def span(value: timedelta | None) -> str:
        return duration(value, locale) if value is not None else "–"

    def stars(value: float | None) -> str:
        return format_decimal(value, format="0.0", locale=locale) if value is not None else "–"

    now, before = board.summary.this, board.summary.last
    pair = ("now", "before")
    flow = [Line(t(f"konsol.stats.{name}"), getattr(now, name), getattr(before, name),
                 (str(getattr(now, name)), str(getattr(before, name)))) for name in ("new", "resolved", "closed")]
    sla = [Line(t(f"publik.on_time_{s.value}"), now.stages[s].percent, before.stages[s].percent,
                (_percent(now.stages[s]), _percent(before.stages[s]), str(now.stages[s].total),
                 str(before.stages[s].total))) for s in STAGES]
    medians = [Line(t(f"konsol.stats.{name}"), _hours(getattr(now, name)), _hours(getattr(before, name)),
                    (span(getattr(now, name)), span(getattr(before, name))))
               for name in ("median_verify", "median_accept", "median_resolve")]
    rating = [Line(t("publik.rating"), now.rating, before.rating,
                   (stars(now.rating), stars(before.rating), str(now.ratings), str(before.ratings)))]
    by_officer = [Line(name, a.resolved, b.resolved, (
        str(a.resolved), str(b.resolved), str(a.stages[Stage.ACCEPT].total), _percent(a.stages[Stage.ACCEPT]),
        _percent(a.stages[Stage.RESOLVE]))) for name, (a, b) in officers]
    by_agency = [Line(name, a.resolved, b.resolved, (str(a.resolved), str(b.resolved),
                                                      _percent(a.stages[Stage.AGENCY])))
                 for name, (a, b) in agencies]
    counted = ("now", "before", "resolved_now", "resolved_before")
    return [
        Chart("flow", pair, flow),
        Chart("sla", ("now", "before", "counted_now", "counted_before"), sla, top=100),
        Chart("medians", pair, medians),
        Chart("types", counted, _counts(labels("type"))),
        Chart("desa", counted, _counts(labels("desa"))),
        Chart("categories", counted, _counts(labels("category"))),
        Chart("officers", ("now", "before", "accepted_now", "on_time_accept", "on_time_resolve"), by_officer),
        Chart("agencies", ("now", "before", "on_time_agency"), by_agency),
        Chart("rating", ("now", "before", "rated_now", "rated_before"), rating, top=5),
    ]


def period_name(period: Period, locale: str) -> str:
    if period.kind == "week":
        last_day = period.first + timedelta(days=6)
        return (f"{format_date(period.first, 'd MMM', locale=locale)} – "
                f"{format_date(last_day, 'd MMM y', locale=locale)}")
    return format_date(period.first, "MMMM y", locale=locale)


async def answer(pages: Pages, request: Request, viewer: Viewer, locale: str) -> Response:
    """The Statistik page of the chosen kecamatan (or all of the viewer's) and period."""
    ctx, q = pages.ctx, request.query_params
    places = (await export_scope(ctx, viewer)).places
    if not places:
        return pages.message(403, "konsol.stats.forbidden", viewer)
    chosen = q.get("kecamatan", "")
    if chosen and chosen not in places:
        return pages.message(403, "konsol.signin.not_yours", viewer)
    codes = [chosen] if chosen else places
    periode = q.get("periode", "") if q.get("periode", "") in PERIODS else "bulan"
    kind = PERIODS[periode]
    here = ctx.at(codes[0])  # the first kecamatan's time zone, as the kabupaten's figures take it
    board = await kecamatan_board(here, kind, include_confidential=True, codes=codes, handlers=True)
    officer_lines, agency_lines = await handler_lines(ctx, board)
    profiles = [ctx.kabupaten.profile(code) for code in codes]

    def labels(by: str) -> list[tuple[str, Row]]:
        if by == "type":
            return type_rows(board.by_type, locale)
        if by == "category":
            return category_rows(profiles, board.by_category, locale)
        if len(profiles) == 1:
            return desa_rows(profiles[0], board.by_desa, locale)
        return sorted(((key or text("publik.no_desa", locale), row) for key, row in board.by_desa.items()),
                      key=lambda item: item[0])

    shown: dict[str, Any] = {"this": period_name(board.summary.this_month, locale),
                             "last": period_name(board.summary.last_month, locale)}
    return pages.render("stats.html", viewer=viewer, periode=periode, periods=list(PERIODS), chosen=chosen,
                        places=[(c, ctx.kabupaten.profile(c).name) for c in places], period=shown,
                        charts=charts(board, officer_lines, agency_lines, labels, locale))
