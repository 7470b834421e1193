"""Peta: open and recent cases as points of an inline SVG, filtered like the list, confidential ones hidden
from officers, each point in the list underneath."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from console import map as map_module
from core.context import Context
from core.db.models import Ticket
from core.domain.reports import NewReport, Privacy
from core.usecases import citizen
from core.usecases.desk import reject_ticket
from tests.conftest import Clock, in_takalar
from tests.console.conftest import browser, sign_in
from tests.core.story import cast, report

VERIFIER, OFFICER, CAMAT, KABUPATEN_ADMIN = 1001, 2001, 3001, 9101
POINT = re.compile(r'<a href="/konsol/kasus/([A-Z]+-\d+)"><circle class="point"[^>]*fill="([^"]+)"')


def points(page: str) -> dict[str, str]:
    """number → colour of every point drawn on the map."""
    assert page.count("<svg class=\"map\"") == 1, page
    return dict(POINT.findall(page))


async def test_points_by_state_and_lateness_with_their_list(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    lamp = await report(ctx, people.reporter)
    await report(ctx, people.neighbour, "Sampah menumpuk", category="sampah", desa="Salaka",
                 latitude=-5.43, longitude=119.61)
    await report(ctx, people.reporter, "Tanpa lokasi", latitude=None, longitude=None)
    async with ctx.sessions.begin() as session:
        await session.execute(update(Ticket).where(Ticket.id == lamp).values(
            stage_deadline_at=clock.now - timedelta(hours=1)))
    async with browser(ctx) as camat:
        await sign_in(camat, ctx, CAMAT)
        page = await camat.get("/konsol/peta")
        assert page.status_code == 200, page.text
        drawn = points(page.text)
        assert drawn == {"PTL-000001": map_module.LATE, "PTL-000002": map_module.COLOURS["received"]}
        assert "Lewat tenggat" in page.text and "<script" not in page.text
        listed = re.findall(r'<td><a href="/konsol/kasus/([A-Z]+-\d+)">', page.text)
        assert listed == ["PTL-000002", "PTL-000001"]  # newest first; the one without a place is in neither
        assert "-5.43000, 119.61000" in page.text  # the exact place, for staff


async def test_filters_apply_as_on_the_list(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    lamp = await report(ctx, people.reporter)
    await report(ctx, people.neighbour, "Sampah menumpuk", category="sampah", desa="Salaka")
    async with ctx.sessions.begin() as session:
        await session.execute(update(Ticket).where(Ticket.id == lamp).values(
            stage_deadline_at=clock.now - timedelta(hours=1)))
    async with browser(ctx) as verifier:
        await sign_in(verifier, ctx, VERIFIER)
        assert set(points((await verifier.get("/konsol/peta?kategori=sampah")).text)) == {"PTL-000002"}
        assert set(points((await verifier.get("/konsol/peta?desa=Bajeng")).text)) == {"PTL-000001"}
        assert set(points((await verifier.get("/konsol/peta?terlambat=1")).text)) == {"PTL-000001"}
        nothing = await verifier.get("/konsol/peta?q=tidak-ada")
        assert points(nothing.text) == {} and "Tidak ada kasus dengan lokasi" in nothing.text


async def test_closed_cases_leave_the_map_after_thirty_days(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    spam = await report(ctx, people.reporter, "Iklan")
    await reject_ticket(ctx, people.verifier, spam, "Spam / bukan laporan")
    async with browser(ctx) as camat:
        await sign_in(camat, ctx, CAMAT)
        assert set(points((await camat.get("/konsol/peta")).text)) == {"PTL-000001"}
        clock.advance(days=31)
        await sign_in(camat, ctx, CAMAT)
        assert points((await camat.get("/konsol/peta")).text) == {}


async def test_an_officer_sees_no_confidential_point(ctx: Context) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter)
    await report(ctx, people.neighbour, "Pungutan liar", category="pelayanan_publik", desa="Pappa",
                 privacy=Privacy.CONFIDENTIAL)
    async with browser(ctx) as officer, browser(ctx) as camat:
        await sign_in(officer, ctx, OFFICER)
        assert set(points((await officer.get("/konsol/peta")).text)) == {"PTL-000001"}
        await sign_in(camat, ctx, CAMAT)
        assert set(points((await camat.get("/konsol/peta")).text)) == {"PTL-000001", "PTL-000002"}


async def test_each_kecamatan_its_own_points(ctx: Context) -> None:
    home = in_takalar(ctx)
    people = await cast(home)
    await report(home, people.reporter)
    theirs = await citizen.submit_ticket(home.at("galesong"), people.neighbour, NewReport(
        description="Sampah menumpuk di pasar", category="sampah", desa="Boddia", latitude=-5.32, longitude=119.37))
    async with browser(home) as verifier, browser(home) as kabupaten:
        await sign_in(verifier, home, VERIFIER)
        assert set(points((await verifier.get("/konsol/peta")).text)) == {"PTL-000001"}
        assert (await verifier.get("/konsol/peta?kecamatan=galesong")).status_code == 403
        await sign_in(kabupaten, home, KABUPATEN_ADMIN)
        assert set(points((await kabupaten.get("/konsol/peta")).text)) == {"PTL-000001", theirs.number}
        assert set(points((await kabupaten.get("/konsol/peta?kecamatan=galesong")).text)) == {theirs.number}


async def test_at_most_the_newest_points_and_it_says_so(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(map_module, "MOST_POINTS", 2)
    people = await cast(ctx)
    for n in range(3):
        await report(ctx, people.reporter, f"Lampu mati nomor {n}", latitude=-5.4 + n / 100)
    async with browser(ctx) as camat:
        await sign_in(camat, ctx, CAMAT)
        page = await camat.get("/konsol/peta")
        assert set(points(page.text)) == {"PTL-000002", "PTL-000003"}
        assert "Hanya 2 kasus terbaru" in page.text

