"""Peta: open and recent cases as points of an inline SVG, filtered like the list, confidential ones hidden
from officers, each point in the list underneath."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from console import map as map_module
from console.tiles import tile_origin, tile_view
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



TILES = "https://tile.test/{z}/{x}/{y}.png"
TILE = re.compile(r'<image class="tile" href="https://tile\.test/(\d+)/(\d+)/(\d+)\.png" x="(-?\d+)" y="(-?\d+)"')


def slippy_tile(lat: float, lon: float, zoom: int) -> tuple[int, int]:
    """The tile holding a place, by the OpenStreetMap wiki's formula (not the console's code)."""
    n = 2 ** zoom
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def test_the_tiles_cover_the_window_and_hold_the_points_where_the_wiki_puts_them() -> None:
    south_west, north_east = (-5.43, 119.60), (-5.40, 119.63)
    view = tile_view([south_west, north_east], 640, 480)
    assert view is not None and view.zoom == 14  # 0.03° is ~350 px at 14, ~700 at 15: too wide for 592
    tiles = view.tiles(TILES)
    assert tiles[0] == ("https://tile.test/14/13634/8437.png", -144, -223)
    assert tiles[-1] == ("https://tile.test/14/13637/8439.png", 624, 289)
    assert len(tiles) == 12  # 4 across × 3 down cover 640 × 480
    for place, expected in ((south_west, (145, 416)), (north_east, (495, 64))):
        x, y = view.xy(*place)
        assert (x, y) == expected
        tx, ty = slippy_tile(*place, 14)
        _, left, top = next(t for t in tiles if t[0] == f"https://tile.test/14/{tx}/{ty}.png")
        assert left <= x < left + 256 and top <= y < top + 256
    assert tile_view([], 640, 480) is None
    assert [t[0] for t in view.tiles("https://{s}.tile.test/{z}/{x}/{y}.png")[:3]] == [
        "https://a.tile.test/14/13634/8437.png", "https://b.tile.test/14/13635/8437.png",
        "https://c.tile.test/14/13636/8437.png"]  # (x + y) % 3 picks the server
    assert tile_origin("https://{s}.tile.test/{z}/{x}/{y}.png") == "https://*.tile.test"
    assert tile_origin("tiles/{z}/{x}/{y}.png") == ""  # not a server: the offline map
    assert tile_view([south_west], 640, 480).zoom == 15  # type: ignore[union-attr]  # one place: ~1 km across


async def test_with_a_tile_server_the_map_has_its_tiles_and_attribution(ctx: Context) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter)
    async with browser(ctx, map_tile_url=TILES) as camat, browser(ctx) as offline:
        await sign_in(camat, ctx, CAMAT)
        page = await camat.get("/konsol/peta")
        await sign_in(offline, ctx, CAMAT)
        without = await offline.get("/konsol/peta")
    tiles = TILE.findall(page.text)
    assert tiles and {z for z, *_ in tiles} == {tiles[0][0]}
    credit = '<a href="https://www.openstreetmap.org/copyright" rel="noopener">© OpenStreetMap contributors</a>'
    assert credit in page.text
    assert "img-src 'self' https://tile.test;" in page.headers["content-security-policy"]
    assert page.headers["referrer-policy"] == "strict-origin" and set(points(page.text)) == {"PTL-000001"}
    assert "<image" not in without.text and "OpenStreetMap" not in without.text
    assert "img-src" not in without.headers["content-security-policy"]
    assert without.headers["referrer-policy"] == "no-referrer" and set(points(without.text)) == {"PTL-000001"}
