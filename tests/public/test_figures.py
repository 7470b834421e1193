"""The public figures: this month and last, per stage, per desa and category; confidential cases count nowhere."""

from __future__ import annotations

from datetime import timedelta

from core.context import Context
from core.digest import Compliance
from core.domain.reports import NewReport
from core.domain.sla import Stage
from core.usecases.citizen import submit_ticket
from public.figures import kabupaten_board, kecamatan_board, months
from tests.conftest import Clock, in_takalar
from tests.core.story import cast
from tests.public.conftest import NOVEMBER, two_months, worked


async def test_this_month_and_last_leave_confidential_cases_out(ctx: Context, clock: Clock) -> None:
    await two_months(ctx, await cast(ctx), clock)
    board = await kecamatan_board(ctx)
    this, last = board.summary.this, board.summary.last
    assert (board.summary.this_month.first.month, board.summary.last_month.first.month) == (11, 10)
    assert (this.new, this.resolved, this.closed) == (2, 1, 0)  # rubbish and drain; not the confidential one
    assert (last.new, last.resolved, last.closed) == (1, 1, 1)  # the lamp; not the confidential one
    assert last.rating == 4 and last.ratings == 1 and this.rating is None
    assert this.median_resolve == timedelta(hours=2) and last.median_resolve == timedelta(hours=4)
    assert this.stages[Stage.VERIFY] == Compliance(on_time=1, total=1)
    assert this.stages[Stage.ACCEPT] == Compliance(on_time=0, total=1)  # escalated on the way
    assert this.stages[Stage.RESOLVE] == Compliance(on_time=1, total=1)
    assert this.stages[Stage.AGENCY] == Compliance(on_time=0, total=0)
    assert last.stages[Stage.ACCEPT].percent == 100


async def test_per_desa_and_per_category(ctx: Context, clock: Clock) -> None:
    await two_months(ctx, await cast(ctx), clock)
    board = await kecamatan_board(ctx)
    desa = {key: (r.new, r.resolved, r.new_last, r.resolved_last) for key, r in board.by_desa.items()}
    assert desa == {"Bajeng": (1, 0, 1, 1), "Salaka": (1, 1, 0, 0)}  # Pappa's two cases are confidential
    categories = {key: (r.new, r.resolved, r.new_last, r.resolved_last) for key, r in board.by_category.items()}
    assert categories == {"lampu_jalan": (0, 0, 1, 1), "sampah": (1, 1, 0, 0), "drainase": (1, 0, 0, 0)}


async def test_a_case_resolved_this_month_counts_this_month_wherever_it_began(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    clock.now = NOVEMBER - timedelta(days=60)  # late September: before both months
    ticket = (await submit_ticket(ctx, people.reporter, NewReport(
        description="Jalan berlubang", category="jalan_rusak", desa="Pappa"))).ticket_id
    clock.now = NOVEMBER
    await worked(ctx, people, ticket, hours=1)
    board = await kecamatan_board(ctx)
    assert (board.summary.this.new, board.summary.this.resolved) == (0, 1)
    assert (board.summary.last.new, board.summary.last.resolved) == (0, 0)
    assert board.summary.this.median_resolve == timedelta(days=60, hours=1)


async def test_the_kabupaten_adds_up_its_kecamatan(ctx: Context, clock: Clock) -> None:
    home = in_takalar(ctx)
    people = await cast(home)
    await two_months(home, people, clock)
    galesong = home.at("galesong")
    await submit_ticket(galesong, people.neighbour, NewReport(description="Sampah di pantai", category="sampah",
                                                              desa="Boddia"))
    board = await kabupaten_board(home)
    assert list(board.kecamatan)[:2] == ["pattallassang", "galesong"] and len(board.kecamatan) == 9
    assert board.kecamatan["pattallassang"].this.new == 2 and board.kecamatan["galesong"].this.new == 1
    assert board.kecamatan["sanrobone"].this.new == 0
    assert (board.total.this.new, board.total.this.resolved, board.total.last.closed) == (3, 1, 1)
    assert board.total.this.median_resolve == timedelta(hours=2) and board.total.last.rating == 4
    assert board.by_category["sampah"].new == 2


def test_months_turn_in_the_kecamatans_time_zone(ctx: Context) -> None:
    # 31 Oct 16.30 UTC is already 1 November 00.30 in Makassar.
    this, last = months(NOVEMBER.replace(month=10, day=31, hour=16, minute=30), ctx.profile.zone)
    assert (this.first.month, last.first.month) == (11, 10)
    assert this.start.utcoffset() == timedelta(hours=8) and last.end == this.start
