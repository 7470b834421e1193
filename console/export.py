"""Ekspor: the cases of the Kasus list's filter as CSV or XLSX, and the month's report the camat sends upward.

Rows are read in keyset pages of `CHUNK` (by id), each in its own short session, and written as they come:
a CSV is streamed while it is written; an XLSX (console/xlsx.py, off the event loop) is written to a
temporary file, then streamed and deleted. So a year of a busy kabupaten never sits in memory.
Only camat, admin, verifier and the kabupaten roles export, each their own kecamatan. The reporter's column
is there only for an admin, and filled (masked, as `staff_view_of_reporter` words it) only for a normal
report. A CSV cell that a spreadsheet would run as a formula gets a leading apostrophe; an XLSX never holds
a formula (every string is written as a string).
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import os
import re
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

from anyio import to_thread
from babel.dates import format_date
from sqlalchemy import select
from sqlalchemy.orm import aliased
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from console import xlsx
from console.cases import CaseFilter, filter_from, matching, officer_choices
from console.signin import Viewer
from core.context import Context
from core.db.models import Citizen, Staff, StaffRoles, Ticket
from core.digest import STAGE_DONE, Compliance
from core.domain.lifecycle import EXPORTERS, MUSRENBANG_KEEPERS, Role, TicketState
from core.domain.people import mask_phones_in, staff_view_of_reporter
from core.domain.sla import Stage
from core.kabupaten_digest import STAGES
from core.musrenbang import listed_years
from core.profile import Profile
from core.texts import duration, text
from public.figures import Figures, KecamatanBoard, Pair, Row, kecamatan_board, late_in_stage

if TYPE_CHECKING:
    from console.routes import Pages

log = logging.getLogger(__name__)
CHUNK = 1000
EXPORT_ROLES = EXPORTERS
MUSRENBANG_ROLES = MUSRENBANG_KEEPERS  # the Musrenbang list (console/musrenbang.py)
COLUMNS = ("number", "type", "category", "desa", "kecamatan", "created", "verified", "accepted", "resolved",
           "closed", "state", "handler", *(f"on_time_{s.value}" for s in STAGES), "rating", "latitude",
           "longitude", "address")
WIDTHS = (13, 11, 22, 16, 16, 16, 16, 16, 16, 16, 18, 22, 12, 12, 12, 12, 7, 10, 10, 40, 16)  # of COLUMNS
CLOCKS = ("created_at", "verified_at", "accepted_at", "resolved_at", "closed_at")  # as the query reads them
RISKY = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CSV_TYPE, XLSX_TYPE = "text/csv; charset=utf-8", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cell = str | int | float | datetime | None


@dataclass(frozen=True)
class Scope:
    places: list[str]  # the kecamatan the viewer may export, in the kabupaten's order
    admin_in: frozenset[str]  # those where they see the reporter of a normal report


async def export_scope(ctx: Context, viewer: Viewer, roles: frozenset[Role] = EXPORT_ROLES) -> Scope:
    """Where a viewer may export: every kecamatan for a kabupaten role, else where they hold one of `roles`
    (camat, admin or verifier unless told)."""
    codes = [p.code for p in ctx.kabupaten]
    async with ctx.sessions() as session:
        held = {code: set(roles) for code, roles in await session.execute(
            select(StaffRoles.kecamatan, StaffRoles.roles).where(StaffRoles.staff_id == viewer.staff_id))}
    admin_in = frozenset(c for c in codes if Role.ADMIN.value in held.get(c, set()))
    if viewer.kabupaten_roles:
        everywhere = Role.KABUPATEN_ADMIN.value in viewer.kabupaten_roles
        return Scope(codes, frozenset(codes) if everywhere else admin_in)
    return Scope([c for c in codes if held.get(c, set()) & roles], admin_in)


def neutralised(value: str) -> str:
    """A cell a spreadsheet will show, never run: a leading apostrophe before = + - @ (OWASP's CSV injection)."""
    return "'" + value if value.startswith(RISKY) else value


def headers(with_reporter: bool, locale: str) -> list[str]:
    names = [*COLUMNS, "reporter"] if with_reporter else list(COLUMNS)
    return [text(f"konsol.export.columns.{name}", locale) for name in names]


async def case_rows(ctx: Context, wanted: CaseFilter, scope: Scope, locale: str) -> AsyncIterator[list[list[Cell]]]:
    """The cases `wanted` asks for, oldest first, in pages of CHUNK rows of cells (times local, naive)."""
    assignee = aliased(Staff)
    with_reporter = bool(scope.admin_in & set(wanted.kecamatan))
    query = (select(Ticket.id, Ticket.number, Ticket.report_type, Ticket.category, Ticket.desa, Ticket.kecamatan,
                    *(getattr(Ticket, clock) for clock in CLOCKS), Ticket.state, assignee.name.label("assignee"),
                    Ticket.forward_agency, Ticket.rating,
                    Ticket.latitude, Ticket.longitude, Ticket.address, Ticket.privacy,
                    *(late_in_stage(stage).label(f"late_{stage.value}") for stage in STAGES))
             .outerjoin(assignee, assignee.id == Ticket.assignee_id)
             .where(*matching(ctx, wanted, ctx.now())).order_by(Ticket.id).limit(CHUNK))
    if with_reporter:
        query = query.add_columns(Citizen.wa_id).outerjoin(Citizen, Citizen.id == Ticket.reporter_id)
    cells, last = _Cells(ctx, scope, with_reporter, locale), 0
    while True:
        async with ctx.sessions() as session:
            rows = (await (await session.connection()).execute(query.where(Ticket.id > last))).all()
        if rows:
            yield [cells(row) for row in rows]
        if len(rows) < CHUNK:
            return
        last = rows[-1].id


class _Cells:
    """A row as its cells; the words, places and labels it needs are looked up once per export, not per row."""

    def __init__(self, ctx: Context, scope: Scope, with_reporter: bool, locale: str) -> None:
        self.scope, self.with_reporter, self.locale = scope, with_reporter, locale
        self.word = cache(lambda key: text(key, locale))
        self.place = cache(ctx.kabupaten.profile)
        self.agency = cache(ctx.kabupaten.agency_name)
        self.category = cache(self._category)
        # Where in the row's clocks each stage ends (the digest's STAGE_DONE; the agency stage, when it answers).
        self.done = [(stage is Stage.AGENCY, CLOCKS.index(STAGE_DONE.get(stage, Ticket.resolved_at).key))
                     for stage in STAGES]

    def __call__(self, row: Any) -> list[Cell]:
        # Unpacked once: reading a Row's fields by name costs more than the rest of the row's work.
        (_, number, report_type, category, desa, kecamatan, *clocks) = row[:6 + len(CLOCKS)]
        state, assignee, agency, rating, latitude, longitude, address, privacy, *extra = row[6 + len(CLOCKS):]
        late, wa_id = extra[:len(STAGES)], (extra[len(STAGES)] if self.with_reporter else "")
        profile = self.place(kecamatan)
        zone = profile.zone
        on_time = [self._on_time(clocks[at] is not None and (agency is not None or not needs_agency), escalated)
                   for (needs_agency, at), escalated in zip(self.done, late, strict=True)]
        cells: list[Cell] = [
            number, self.word(f"tg.type.{report_type}"), self.category(kecamatan, category), desa or "",
            profile.name, *(m.astimezone(zone).replace(tzinfo=None) if m else None for m in clocks),
            self.word(f"state.{state}"), self.agency(agency) or assignee or "", *on_time,
            rating, latitude, longitude, mask_phones_in(address) if address else ""]
        if self.with_reporter:
            shown = kecamatan in self.scope.admin_in
            cells.append(staff_view_of_reporter(privacy, wa_id or "") if shown else "")
        return cells

    def _category(self, kecamatan: str, code: str | None) -> str:
        found = self.place(kecamatan).category(code) if code else None
        return found.label_for(self.locale) if found else (code or "")

    def _on_time(self, done: bool, escalated: bool) -> str:
        """Yes or no once the stage is over, as the digest counts it (never escalated on the way); else blank."""
        if not done:
            return ""
        return self.word("konsol.export.no" if escalated else "konsol.export.yes")


# Writers: CSV as it goes, XLSX into a temporary file.

def _csv_cell(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, datetime):
        return cell.strftime("%Y-%m-%d %H:%M")
    return neutralised(cell) if isinstance(cell, str) else str(cell)


async def csv_body(header: list[str], chunks: AsyncIterator[list[list[Cell]]],
                   done: Callable[[int], None]) -> AsyncIterator[bytes]:
    """UTF-8 with a BOM (so Excel reads it as UTF-8), comma-separated, quoted by the csv module."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    yield ("\ufeff" + buffer.getvalue()).encode()
    count = 0
    async for chunk in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([_csv_cell(c) for c in cells] for cells in chunk)
        count += len(chunk)
        yield buffer.getvalue().encode()
    done(count)


class Book:
    """An XLSX file written row by row into a temporary file (console/xlsx.py), streamed once finished."""

    def __init__(self) -> None:
        handle, self.path = tempfile.mkstemp(prefix="lapor-ekspor-", suffix=".xlsx")
        os.close(handle)
        self.book = xlsx.Workbook(self.path)

    def sheet(self, name: str, widths: Sequence[float] = (), frozen: bool = False) -> xlsx.Sheet:
        return self.book.sheet(name, widths, frozen)

    async def add_cases(self, name: str, header: list[str], chunks: AsyncIterator[list[list[Cell]]]) -> int:
        """A sheet of cases: the heading, then every chunk of rows (written off the event loop); how many rows."""
        sheet = self.sheet(name, WIDTHS, frozen=True)
        sheet.rows([header], bold=True)
        count = 0
        async for chunk in chunks:
            await to_thread.run_sync(sheet.rows, chunk)
            count += len(chunk)
        return count

    async def body(self) -> AsyncIterator[bytes]:
        """The finished file, in pieces, then gone from the disk."""
        try:
            await to_thread.run_sync(self.book.close)
            with open(self.path, "rb") as stored:
                while piece := await to_thread.run_sync(stored.read, 65_536):
                    yield piece
        finally:
            os.unlink(self.path)

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self.book.close()
        os.unlink(self.path)


# The month's report: the Statistik page's figures (public/figures.py, with confidential cases and per officer
# and agency) for the month asked, and its cases.

def month_of(raw: str, today: date) -> date:
    """The first day of `bulan=2026-11`; last month when it is missing or not a month."""
    found = MONTH.match(raw)
    if found:
        return date(int(found[1]), int(found[2]), 1)
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


async def month_board(ctx: Context, code: str, first: date) -> KecamatanBoard:
    """`kecamatan_board` as the Statistik page reads it (confidential cases counted, per officer and agency), as
    it read at the start of `first`'s month: that month and the one before."""
    profile = ctx.kabupaten.profile(code)
    start = datetime.combine(first, time.min, profile.zone)
    return await kecamatan_board(Context(sessions=ctx.sessions, profile=profile, clock=lambda: start,
                                         kabupaten=ctx.kabupaten), include_confidential=True, handlers=True)


Named = list[tuple[str, Pair]]  # (officer's or agency's name, this period's figures and the last's), by name


async def handler_lines(ctx: Context, board: KecamatanBoard) -> tuple[Named, Named]:
    """The board's officers and agencies by name (the Statistik page's lines and the month's report's)."""
    ids = [i for i in board.by_officer if i is not None]
    async with ctx.sessions() as session:
        names = {i: name for i, name in await session.execute(select(Staff.id, Staff.name).where(Staff.id.in_(ids)))}
    officers = sorted(((names.get(i, "?"), pair) for i, pair in board.by_officer.items() if i is not None),
                      key=lambda item: item[0])
    agencies = sorted(((ctx.kabupaten.agency_name(code) or code or "-", pair)
                       for code, pair in board.by_agency.items()), key=lambda item: item[0])
    return officers, agencies


def summary_rows(ctx: Context, board: KecamatanBoard, locale: str, officers: Sequence[tuple[str, Pair]] = (),
                 agencies: Sequence[tuple[str, Pair]] = ()) -> list[tuple[list[Cell], bool]]:
    """The summary sheet's lines for one kecamatan: (cells, bold)."""
    def t(key: str, **kw: Any) -> str:
        return text(f"konsol.export.monthly.{key}", locale, **kw)

    profile, this, last = ctx.kabupaten.profile(board.code), board.summary.this, board.summary.last
    month = format_date(board.summary.this_month.first, "MMMM y", locale=locale)

    def percent(figure: Compliance) -> Cell:
        return figure.percent

    def median(figures: Figures, name: str = "median_resolve") -> Cell:
        span = getattr(figures, name)
        return duration(span, locale) if span is not None else None

    lines: list[tuple[list[Cell], bool]] = [
        ([t("title", kecamatan=profile.name, month=month)], True), ([], False),
        (["", t("this_month"), t("last_month")], True),
        ([t("new"), this.new, last.new], False), ([t("resolved"), this.resolved, last.resolved], False),
        ([t("closed"), this.closed, last.closed], False),
        *(([t(f"on_time_{s.value}"), percent(this.stages[s]), percent(last.stages[s])], False) for s in STAGES),
        *(([t(name), median(this, name), median(last, name)], False)
          for name in ("median_verify", "median_accept", "median_resolve")),
        ([t("rating"), round(this.rating, 2) if this.rating else None,
          round(last.rating, 2) if last.rating else None], False)]
    names: dict[str, Callable[[str | None], str]] = {
        "by_desa": lambda key: key or t("no_desa"), "by_category": lambda key: _category(profile, key, locale, t)}
    for heading, rows in (("by_desa", board.by_desa), ("by_category", board.by_category)):
        lines += [([], False), ([t(heading), t("new"), t("resolved"), t("new_last"), t("resolved_last")], True)]
        lines += [([names[heading](r.key), r.new, r.resolved, r.new_last, r.resolved_last], False)
                  for r in sorted(rows.values(), key=_busiest)]
    if officers:
        lines += [([], False), ([t("by_officer"), t("resolved"), t("resolved_last"), t("accepted"),
                                 t("on_time_accept"), t("on_time_resolve")], True)]
        lines += [([name, a.resolved, b.resolved, a.stages[Stage.ACCEPT].total, percent(a.stages[Stage.ACCEPT]),
                    percent(a.stages[Stage.RESOLVE])], False) for name, (a, b) in officers]
    if agencies:
        lines += [([], False), ([t("by_agency"), t("resolved"), t("resolved_last"), t("on_time_agency")], True)]
        lines += [([name, a.resolved, b.resolved, percent(a.stages[Stage.AGENCY])], False)
                  for name, (a, b) in agencies]
    return [*lines, ([], False), ([t("note")], False)]


def _busiest(row: Row) -> tuple[int, str]:
    return -row.new, row.key or ""


def _category(profile: Profile, code: str | None, locale: str, t: Callable[..., str]) -> str:
    found = profile.category(code) if code else None
    return found.label_for(locale) if found else (code or t("no_category"))


# The pages.

async def answer(pages: Pages, request: Request, viewer: Viewer, locale: str) -> Response:
    """/konsol/ekspor (the form), /konsol/ekspor.csv, /konsol/ekspor.xlsx and /konsol/ekspor/bulanan.xlsx (the
form's Musrenbang list is console/musrenbang.py's)."""
    ctx = pages.ctx
    scope = await export_scope(ctx, viewer)
    if not scope.places:
        return pages.message(403, "konsol.export.forbidden", viewer)
    parsed = filter_from(ctx, scope.places, request.query_params)
    if parsed is None:
        return pages.message(403, "konsol.signin.not_yours", viewer)
    wanted, choices = parsed
    path = request.url.path
    if path.endswith("/bulanan.xlsx"):
        return await _monthly(ctx, viewer, scope, wanted, choices.chosen, request.query_params.get("bulan", ""),
                              locale)
    if path.endswith((".csv", ".xlsx")):
        return await _download(ctx, viewer, scope, wanted, choices.chosen, "csv" if path.endswith(".csv") else "xlsx",
                               locale)
    today = ctx.now().astimezone(ctx.profile.zone).date()
    return pages.render("export.html", viewer=viewer, wanted=wanted, chosen=choices.chosen,
                        places=[(c, ctx.kabupaten.profile(c).name) for c in scope.places],
                        states=[s.value for s in TicketState],
                        categories=sorted(choices.categories.items(), key=lambda c: c[1]),
                        desa=choices.desa, month=month_of("", today).strftime("%Y-%m"), kinds=choices.kinds,
                        agencies=choices.agencies, officers=await officer_choices(ctx, wanted.kecamatan),
                        musrenbang=[(c, ctx.kabupaten.profile(c).name)
                                    for c in (await export_scope(ctx, viewer, MUSRENBANG_ROLES)).places],
                        year=today.year, years=listed_years(ctx))


def _filename(ctx: Context, places: list[str], chosen: str, period: str, ext: str) -> str:
    place = chosen or (places[0] if len(places) == 1 else ctx.kabupaten.code)
    return f"lapor-camat-{place}-{period}.{ext}"


def download_headers(filename: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff"}


def _logged(viewer: Viewer, kind: str, wanted: CaseFilter) -> Callable[[int], None]:
    """Logs an export once its rows are counted: who, what, how many, where."""
    def done(rows: int) -> None:
        log.info("console export", extra={"staff_id": viewer.staff_id, "export": kind, "rows": rows,
                                          "kecamatan": list(wanted.kecamatan)})
    return done


async def _download(ctx: Context, viewer: Viewer, scope: Scope, wanted: CaseFilter, chosen: str, kind: str,
                    locale: str) -> Response:
    today = ctx.now().astimezone(ctx.profile.zone).date()
    period = "-".join(d.isoformat() for d in (wanted.since, wanted.until) if d) or today.isoformat()
    filename = _filename(ctx, scope.places, chosen, period, kind)
    header = headers(bool(scope.admin_in & set(wanted.kecamatan)), locale)
    chunks = case_rows(ctx, wanted, scope, locale)
    done = _logged(viewer, kind, wanted)
    if kind == "csv":
        return StreamingResponse(csv_body(header, chunks, done), media_type=CSV_TYPE,
                                 headers=download_headers(filename))
    book = Book()
    try:
        done(await book.add_cases(text("konsol.export.sheet_cases", locale), header, chunks))
    except BaseException:
        book.discard()
        raise
    return StreamingResponse(book.body(), media_type=XLSX_TYPE, headers=download_headers(filename))


async def _monthly(ctx: Context, viewer: Viewer, scope: Scope, wanted: CaseFilter, chosen: str, raw: str,
                   locale: str) -> Response:
    first = month_of(raw, ctx.now().astimezone(ctx.profile.zone).date())
    following = (first + timedelta(days=32)).replace(day=1)
    month = CaseFilter(kecamatan=wanted.kecamatan, since=first, until=following - timedelta(days=1))
    book = Book()
    try:
        summary = book.sheet(text("konsol.export.sheet_summary", locale), (40, 16, 16, 16, 16, 16))
        for code in wanted.kecamatan:
            board = await month_board(ctx, code, first)
            for cells, bold in summary_rows(ctx, board, locale, *await handler_lines(ctx, board)):
                summary.rows([cells], bold)
            summary.rows([[]])
        header = headers(bool(scope.admin_in & set(wanted.kecamatan)), locale)
        rows = await book.add_cases(text("konsol.export.sheet_cases", locale), header,
                                    case_rows(ctx, month, scope, locale))
    except BaseException:
        book.discard()
        raise
    _logged(viewer, "monthly", wanted)(rows)
    filename = _filename(ctx, scope.places, chosen, first.strftime("%Y-%m"), "xlsx")
    return StreamingResponse(book.body(), media_type=XLSX_TYPE, headers=download_headers(filename))
