"""Statistik: the public figures with the confidential cases counted, per month or week, for the office only."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from core.context import Context
from core.digest import Compliance, build_digest
from core.domain.reports import NewReport
from core.domain.sla import Stage
from core.usecases import agency, citizen, desk
from public.figures import kecamatan_board, weeks
from tests.conftest import Clock, in_takalar
from tests.console.conftest import browser, sign_in
from tests.core.story import cast
from tests.public.conftest import NOVEMBER, two_months

VERIFIER, OFFICER, CAMAT, ADMIN, KABUPATEN_ADMIN = 1001, 2001, 3001, 9001, 9101


def row(page: str, label: str) -> list[str]:
    """The cells of the table row headed `label` (the first such row)."""
    found = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', page)
    assert found, f"no row {label!r}"
    return re.findall(r"<td>(.*?)</td>", found[1])


async def test_the_months_count_the_confidential_cases_too(ctx: Context, clock: Clock) -> None:
    await two_months(ctx, await cast(ctx), clock)
    board = await kecamatan_board(ctx, include_confidential=True)
    this, last = board.summary.this, board.summary.last
    assert (this.new, this.resolved, this.closed) == (3, 1, 0)  # the public page says (2, 1, 0)
    assert (last.new, last.resolved, last.closed) == (2, 2, 2)
    assert (last.rating, last.ratings) == (2.5, 2)  # the lamp's 4 and the confidential case's 1
    assert last.median_resolve == timedelta(hours=2.5) and this.median_resolve == timedelta(hours=2)
    assert this.median_verify == timedelta(0) and this.median_accept == timedelta(0)
    assert this.stages[Stage.ACCEPT] == Compliance(on_time=0, total=1)
    public = await kecamatan_board(ctx)
    assert (public.summary.this.new, public.summary.last.rating) == (2, 4)  # unchanged for the public


async def test_a_week_runs_monday_to_sunday_and_matches_the_daily_digest(ctx: Context, clock: Clock) -> None:
    await two_months(ctx, await cast(ctx), clock)  # everything of November happens on Monday the 23rd
    this, last = weeks(clock.now, ctx.profile.zone)
    assert (this.first, last.first) == (date(2026, 11, 23), date(2026, 11, 16))
    clock.now = NOVEMBER + timedelta(days=1)
    board = await kecamatan_board(ctx, "week", include_confidential=True)
    digest = await build_digest(ctx)  # Tuesday's digest: Monday's flow
    week = board.summary.this
    assert (week.new, week.resolved, week.closed) == (digest.new, digest.resolved, digest.closed) == (3, 1, 0)
    assert (board.summary.last.new, board.summary.last.resolved) == (0, 0)
    assert {kind: row.new for kind, row in board.by_type.items()} == digest.new_by_type == {"complaint": 3}


async def test_per_officer_per_agency_and_per_desa(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    story = await two_months(ctx, people, clock)
    await desk.verify_ticket(ctx, people.verifier, story.drain)  # PLN takes the drain and answers it, in November
    await desk.forward_ticket(ctx, people.verifier, story.drain, "pln", "REF-9")
    await agency.agency_accept(ctx, people.agency, story.drain)
    await agency.record_agency_answer(ctx, people.verifier, story.drain, "Sudah dibersihkan")
    board = await kecamatan_board(ctx, include_confidential=True, handlers=True)
    this, last = board.by_officer[people.officer.id]
    assert (this.resolved, last.resolved, this.stages[Stage.ACCEPT].total) == (1, 2, 1)
    pln, pln_before = board.by_agency["pln"]
    assert (pln.resolved, pln.stages[Stage.AGENCY], pln_before.resolved) == (1, Compliance(1, 1), 0)
    assert list(board.by_agency) == ["pln"]
    assert board.summary.this.stages[Stage.AGENCY] == Compliance(1, 1)
    assert (board.summary.this.resolved, board.summary.last.resolved) == (2, 2)  # the groups summed: as without
    assert board.summary == (await kecamatan_board(ctx, include_confidential=True)).summary
    assert {k: (r.new, r.new_last) for k, r in board.by_desa.items()} == {
        "Bajeng": (1, 1), "Salaka": (1, 0), "Pappa": (1, 1)}


async def test_the_page_month_and_week(ctx: Context, clock: Clock) -> None:
    await two_months(ctx, await cast(ctx), clock)
    async with browser(ctx) as camat:
        await sign_in(camat, ctx, CAMAT)
        month = await camat.get("/konsol/statistik")
        assert month.status_code == 200, month.text
        assert "November 2026" in month.text and "Oktober 2026" in month.text
        assert row(month.text, "Laporan masuk") == ["3", "2"]
        assert row(month.text, "Diselesaikan") == ["1", "2"]
        assert row(month.text, "Diterima petugas tepat waktu")[:2] == ["0%", "100%"]
        assert row(month.text, "Baso Petugas")[:2] == ["1", "2"]
        assert row(month.text, "Pappa") == ["1", "1", "0", "1"]
        assert month.text.count('<svg class="bars"') == 8  # every chart but the agencies' (none this time)
        assert "<script" not in month.text
        week = await camat.get("/konsol/statistik?periode=minggu")
        assert "23 Nov – 29 Nov 2026" in week.text and "16 Nov – 22 Nov 2026" in week.text
        assert row(week.text, "Laporan masuk") == ["3", "0"]
        odd = await camat.get("/konsol/statistik?periode=tahun")  # nonsense: the month
        assert row(odd.text, "Laporan masuk") == ["3", "2"]


@pytest.mark.parametrize(("telegram_id", "status"), [
    (VERIFIER, 200), (CAMAT, 200), (ADMIN, 200), (KABUPATEN_ADMIN, 200), (OFFICER, 403)])
async def test_who_may_read_it(ctx: Context, telegram_id: int, status: int) -> None:
    await cast(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, telegram_id)
        page = await phone.get("/konsol/statistik")
        assert page.status_code == status
        if status == 403:
            assert "Statistik hanya untuk camat" in page.text


async def test_each_kecamatan_its_own_figures(ctx: Context, clock: Clock) -> None:
    home = in_takalar(ctx)
    people = await cast(home)
    await two_months(home, people, clock)
    await citizen.submit_ticket(home.at("galesong"), people.neighbour, NewReport(
        description="Sampah menumpuk di pasar", category="sampah", desa="Boddia"))
    async with browser(home) as camat, browser(home) as kabupaten:
        await sign_in(camat, home, CAMAT)
        own = await camat.get("/konsol/statistik")
        assert row(own.text, "Laporan masuk") == ["3", "2"] and 'name="kecamatan"' not in own.text
        assert (await camat.get("/konsol/statistik?kecamatan=galesong")).status_code == 403
        await sign_in(kabupaten, home, KABUPATEN_ADMIN)
        every = await kabupaten.get("/konsol/statistik")
        assert row(every.text, "Laporan masuk") == ["4", "2"] and 'name="kecamatan"' in every.text
        galesong = await kabupaten.get("/konsol/statistik?kecamatan=galesong")
        assert row(galesong.text, "Laporan masuk") == ["1", "0"]
