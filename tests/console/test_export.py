"""Ekspor: the list's cases as CSV and XLSX, read back; the month's report; who may export and what they see."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from console.xlsx import Workbook
from core.context import Context
from core.domain.reports import NewReport, Privacy
from core.texts import text
from core.usecases import citizen
from core.usecases.agency import record_agency_answer
from core.usecases.desk import forward_ticket
from tests.conftest import Clock, in_takalar
from tests.console.conftest import browser, sign_in
from tests.core.story import Cast, cast, report
from tests.public.conftest import two_months

VERIFIER, OFFICER, CAMAT, ADMIN, KABUPATEN_ADMIN = 1001, 2001, 3001, 9001, 9101


def column(name: str) -> str:
    """A column's heading, as the catalogue words it."""
    return text(f"konsol.export.columns.{name}")


def line(name: str) -> str:
    """A line of the monthly summary, as the catalogue words it."""
    return text(f"konsol.export.monthly.{name}")


NUMBER, CATEGORY, DESA, CREATED, STATE, HANDLER, REPORTER, LAT, RATING, CLOSED, ADDRESS = (
    column(c) for c in ("number", "category", "desa", "created", "state", "handler", "reporter", "latitude",
                        "rating", "closed", "address"))
ON_TIME = tuple(column(f"on_time_{s}") for s in ("verify", "accept", "resolve", "agency"))


@pytest.fixture
def home(ctx: Context) -> Context:
    return in_takalar(ctx)


async def told(home: Context, clock: Clock) -> Cast:
    """The public page's two months in Pattallassang (five cases, two confidential), and one case in Galesong."""
    people = await cast(home)
    await two_months(home, people, clock)
    await citizen.submit_ticket(home.at("galesong"), people.neighbour, NewReport(
        description="Sampah menumpuk di pasar", category="sampah", desa="Boddia"))
    return people


def table(answer: httpx.Response) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith("\ufeff".encode()) and answer.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))


def sheet(answer: httpx.Response, name: str = "") -> list[list[Any]]:
    assert answer.status_code == 200, answer.text
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=False)
    return [list(row) for row in book[name or text("konsol.export.sheet_cases")].iter_rows(values_only=True)]


def filename(answer: httpx.Response) -> str:
    return answer.headers["content-disposition"].split('filename="')[1].rstrip('"')


async def test_the_csv_holds_the_filtered_cases_of_the_viewers_kecamatan(home: Context, clock: Clock) -> None:
    await told(home, clock)
    async with browser(home) as desk:
        await sign_in(desk, home, VERIFIER)
        every = table(await desk.get("/konsol/ekspor.csv"))
        assert [r[NUMBER] for r in every] == [f"PTL-00000{n}" for n in range(1, 6)]  # no Galesong case
        assert REPORTER not in every[0]  # a verifier never gets the reporter's column
        rubbish = every[2]
        assert rubbish == rubbish | {
            NUMBER: "PTL-000003", column("type"): "Pengaduan", DESA: "Salaka",
            column("kecamatan"): "Kecamatan Pattallassang", CREATED: "2026-11-23 09:00",
            column("verified"): "2026-11-23 09:00", column("resolved"): "2026-11-23 11:00", CLOSED: "",
            STATE: text("state.resolved"), HANDLER: "Baso Petugas", LAT: "-5.4312", column("longitude"): "119.6049",
            RATING: ""}
        assert [rubbish[c] for c in ON_TIME] == ["ya", "tidak", "ya", ""]  # its accept stage was escalated
        lamp = every[0]
        assert lamp[STATE] == text("state.closed") and lamp[RATING] == "4" and lamp[CLOSED].startswith("2026-10-2")
        assert [lamp[c] for c in ON_TIME] == ["ya", "ya", "ya", ""]
        assert every[3][STATE] == text("state.received") and [every[3][c] for c in ON_TIME] == ["", "", "", ""]

        async def numbers(query: str) -> list[str]:
            return [r[NUMBER] for r in table(await desk.get(f"/konsol/ekspor.csv?{query}"))]

        assert await numbers("kategori=sampah") == ["PTL-000003"]
        assert await numbers("dari=2026-11-01&sampai=2026-11-30") == ["PTL-000003", "PTL-000004", "PTL-000005"]
        assert await numbers("sampai=2026-10-31&desa=Bajeng") == ["PTL-000001"]
        assert await numbers("status=received") == ["PTL-000004", "PTL-000005"]
        assert (await desk.get("/konsol/ekspor.csv?kecamatan=galesong")).status_code == 403
        answer = await desk.get("/konsol/ekspor.csv?dari=2026-11-01&sampai=2026-11-30")
        assert filename(answer) == "lapor-camat-pattallassang-2026-11-01-2026-11-30.csv"


async def test_the_xlsx_reads_back_with_real_times_and_numbers(home: Context, clock: Clock) -> None:
    await told(home, clock)
    async with browser(home) as camat:
        await sign_in(camat, home, CAMAT)
        answer = await camat.get("/konsol/ekspor.xlsx?dari=2026-11-01")
        assert filename(answer).startswith("lapor-camat-pattallassang-2026-11-01")
        rows = sheet(answer)
    header, *cases = rows
    assert header[:5] == [NUMBER, column("type"), CATEGORY, DESA, column("kecamatan")] and REPORTER not in header
    assert [c[0] for c in cases] == ["PTL-000003", "PTL-000004", "PTL-000005"]
    rubbish = dict(zip(header, cases[0], strict=True))
    assert rubbish[CREATED] == datetime(2026, 11, 23, 9, 0) and rubbish[LAT] == -5.4312
    assert rubbish[HANDLER] == "Baso Petugas" and rubbish[ON_TIME[1]] == "tidak"


async def test_a_kabupaten_admin_exports_every_kecamatan_or_one(home: Context, clock: Clock) -> None:
    await told(home, clock)
    async with browser(home) as kabupaten:
        await sign_in(kabupaten, home, KABUPATEN_ADMIN)
        every = table(await kabupaten.get("/konsol/ekspor.csv"))
        assert len(every) == 6
        assert {r[column("kecamatan")] for r in every} == {"Kecamatan Pattallassang", "Kecamatan Galesong"}
        one = table(await kabupaten.get("/konsol/ekspor.csv?kecamatan=galesong"))
        assert [r[column("kecamatan")] for r in one] == ["Kecamatan Galesong"]
        assert 'name="kecamatan"' in (await kabupaten.get("/konsol/ekspor")).text


async def test_the_reporters_number_only_for_an_admin_and_a_normal_report(home: Context, clock: Clock) -> None:
    people = await told(home, clock)
    await report(home, people.reporter, "Jalan berlubang", privacy=Privacy.ANONYMOUS)
    async with browser(home) as admin, browser(home) as camat:
        await sign_in(admin, home, ADMIN)
        answer = await admin.get("/konsol/ekspor.csv")
        shown = {r[NUMBER]: r[REPORTER] for r in table(answer)}
        assert shown == {"PTL-000001": "0812*****890", "PTL-000002": "", "PTL-000003": "0812*****890",
                         "PTL-000004": "0813*****111", "PTL-000005": "", "PTL-000006": ""}  # 2, 5 secret; 6 anonim
        await sign_in(camat, home, CAMAT)
        bodies = [answer.content, (await admin.get("/konsol/ekspor.xlsx")).content,
                  (await camat.get("/konsol/ekspor.csv")).content]
        assert REPORTER not in bodies[2].decode("utf-8-sig")
    for body in bodies:
        for secret in (b"081234567890", b"6281234567890", b"Daeng Ngalle", b"Tetangga"):
            assert secret not in body
    assert sheet(httpx.Response(200, content=bodies[1]))[0][-1] == REPORTER


async def test_an_officer_may_not_export(home: Context, clock: Clock) -> None:
    await told(home, clock)
    async with browser(home) as field, browser(home) as desk:
        await sign_in(field, home, OFFICER)
        for path in ("/konsol/ekspor", "/konsol/ekspor.csv", "/konsol/ekspor.xlsx", "/konsol/ekspor/bulanan.xlsx"):
            refused = await field.get(path)
            assert refused.status_code == 403 and text("konsol.export.forbidden") in refused.text, path
        await sign_in(desk, home, VERIFIER)
        form = await desk.get("/konsol/ekspor")
        assert form.status_code == 200 and 'href="/konsol/ekspor"' in form.text
        assert 'action="/konsol/ekspor.csv"' in form.text and 'formaction="/konsol/ekspor.xlsx"' in form.text
        assert 'name="bulan" value="2026-10"' in form.text  # last month, by default
    async with browser(home) as nobody:
        assert (await nobody.get("/konsol/ekspor.csv")).status_code == 303  # to the sign-in page


async def test_a_cell_never_runs_as_a_formula(home: Context) -> None:
    people = await cast(home)
    for address in ("=HYPERLINK(\"http://x.test\",\"klik\")", "+1+2", "-3+4", "@SUM(A1)", "Jl. Biasa, 5"):
        await report(home, people.reporter, address=address)
    async with browser(home) as desk:
        await sign_in(desk, home, VERIFIER)
        rows = table(await desk.get("/konsol/ekspor.csv"))
        book = sheet(await desk.get("/konsol/ekspor.xlsx"))
    assert [r[ADDRESS] for r in rows] == ["'=HYPERLINK(\"http://x.test\",\"klik\")", "'+1+2", "'-3+4", "'@SUM(A1)",
                                           "Jl. Biasa, 5"]
    assert rows[0][LAT] == "-5.4"  # a number is a number, not a formula
    address = book[0].index(ADDRESS)
    assert [r[address] for r in book[1:]][:2] == ["=HYPERLINK(\"http://x.test\",\"klik\")", "+1+2"]  # text cells


async def test_the_monthly_report_has_the_months_figures_and_its_cases(home: Context, clock: Clock) -> None:
    people = await told(home, clock)
    wire = await report(home, people.neighbour, "Kabel listrik putus", desa="Salaka")
    await forward_ticket(home, people.verifier, wire, "pln")
    clock.advance(hours=1)
    await record_agency_answer(home, people.verifier, wire, "Kabel sudah disambung PLN")
    async with browser(home) as camat:
        await sign_in(camat, home, CAMAT)
        answer = await camat.get("/konsol/ekspor/bulanan.xlsx?bulan=2026-11")
        assert filename(answer) == "lapor-camat-pattallassang-2026-11.xlsx"
        summary, cases = sheet(answer, text("konsol.export.sheet_summary")), sheet(answer)
        fallback = await camat.get("/konsol/ekspor/bulanan.xlsx?bulan=kemarin")
        assert filename(fallback) == "lapor-camat-pattallassang-2026-10.xlsx"
    lines = {row[0]: row[1:] for row in summary if row and row[0]}
    # the Statistik page's figures (confidential cases counted), one computation with it
    assert list(lines[line("new")][:2]) == [4, 2]
    assert list(lines[line("resolved")][:2]) == [2, 2] and list(lines[line("closed")][:2]) == [0, 2]
    assert list(lines[line("on_time_verify")][:2]) == [100, 100]
    assert list(lines[line("on_time_accept")][:2]) == [0, 100]  # escalated in November
    assert list(lines[line("on_time_agency")][:2]) == [100, None]
    assert list(lines[line("median_verify")][:2]) == ["kurang dari 1 menit"] * 2
    assert list(lines[line("median_resolve")][:2]) == ["1 jam 30 menit", "2 jam 30 menit"]
    assert list(lines["Bajeng"][:4]) == [1, 0, 1, 1] and list(lines["Salaka"][:4]) == [2, 2, 0, 0]
    assert list(lines["Pappa"][:4]) == [1, 0, 1, 1]  # only confidential cases there: counted, as on the page
    assert list(lines[line("by_officer")][:3]) == [line("resolved"), line("resolved_last"), line("accepted")]
    assert list(lines["Baso Petugas"]) == [1, 2, 1, 0, 100]
    assert list(lines["PLN ULP Takalar"][:3]) == [1, 0, 100]
    assert [c[0] for c in cases[1:]] == ["PTL-000003", "PTL-000004", "PTL-000005", "PTL-000006"]  # secret included


def test_the_xlsx_writer_keeps_types_and_escapes_text(tmp_path: Path) -> None:
    path = tmp_path / "book.xlsx"
    book = Workbook(str(path))
    book.sheet("Ringkasan: [1/2]", (20, 10)).rows([["Judul"]], bold=True)
    cases = book.sheet("Kasus", frozen=True)
    cases.rows([["a < b & c > d", "bel\x07l", 3, -5.25, datetime(2026, 11, 23, 9, 30), None, "  spasi "]])
    book.close()
    read = openpyxl.load_workbook(path)
    assert read.sheetnames == ["Ringkasan   1 2 ", "Kasus"]
    assert read["Ringkasan   1 2 "]["A1"].font.b
    row = next(read["Kasus"].iter_rows(values_only=True))
    assert row == ("a < b & c > d", "bell", 3, -5.25, datetime(2026, 11, 23, 9, 30), None, "  spasi ")
    assert read["Kasus"]["E1"].number_format == "yyyy-mm-dd hh:mm" and read["Kasus"].freeze_panes == "A2"
