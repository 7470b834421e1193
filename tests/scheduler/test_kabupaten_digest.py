"""The kabupaten's morning comparison on a known week: per-stage SLA, median time to resolve and rating for
each kecamatan, counted in its own kecamatan only."""

from __future__ import annotations

from datetime import date, timedelta

from core.context import Context
from core.domain.reports import NewReport
from core.domain.sla import Stage
from core.kabupaten_digest import build_comparison, render_comparison
from core.usecases import agency, citizen, desk, field
from scheduler import scan_deadlines
from tests.conftest import Clock, in_takalar
from tests.core.story import PHOTO, cast, report
from tests.scheduler.conftest import wita

THURSDAY = date(2026, 11, 26)


async def week(ctx: Context, clock: Clock) -> Context:
    """Pattallassang: a street light fixed in 3 hours (rated 5), rubbish verified late and fixed in a day
    and 1½ hours (rated 3), a light PLN answered for in 2 days, one report still waiting. Galesong: rubbish
    fixed in 6 hours (rated 4). Pattallassang's context."""
    home = in_takalar(ctx)
    galesong = home.at("galesong")
    p = await cast(home)
    light = await report(home, p.reporter)
    rubbish = await report(home, p.neighbour, category="sampah")
    pln = await report(home, p.reporter, "Lampu di lapangan mati")
    theirs = (await citizen.submit_ticket(galesong, p.reporter, NewReport(
        description="Sampah menumpuk di pasar", category="sampah", desa="Boddia"))).ticket_id
    clock.now = wita("2026-11-23 10:00")
    await desk.verify_ticket(home, p.verifier, light)
    await field.accept_ticket(home, p.officer, light)
    await desk.verify_ticket(home, p.verifier, pln)
    await desk.forward_ticket(home, p.verifier, pln, "pln")
    await desk.verify_ticket(galesong, p.verifier, theirs)
    await field.accept_ticket(galesong, p.officer, theirs)
    clock.now = wita("2026-11-23 11:01")  # the rubbish's two hours to verify are up
    assert (await scan_deadlines(home)).reminded == [rubbish]
    clock.now = wita("2026-11-23 12:00")
    await field.resolve_ticket(home, p.officer, light, "Lampu diganti", (PHOTO,))
    await desk.verify_ticket(home, p.verifier, rubbish)
    await field.accept_ticket(home, p.officer2, rubbish)
    clock.now = wita("2026-11-23 15:00")
    await field.resolve_ticket(galesong, p.officer, theirs, "Sudah diangkut", (PHOTO,))
    await citizen.confirm_fixed(galesong, p.reporter, theirs)
    await citizen.rate_ticket(galesong, p.reporter, theirs, 4)
    clock.now = wita("2026-11-24 10:30")
    await field.resolve_ticket(home, p.officer2, rubbish, "Sudah diangkut", (PHOTO,))
    for tid, stars in ((light, 5), (rubbish, 3)):
        who = p.reporter if tid == light else p.neighbour
        await citizen.confirm_fixed(home, who, tid)
        await citizen.rate_ticket(home, who, tid, stars)
    clock.now = wita("2026-11-25 09:00")
    await agency.record_agency_answer(home, p.verifier, pln, "Lampu diganti teknisi PLN")
    await report(home, p.neighbour, "Lampu gang mati")  # yesterday's one new report, never verified
    clock.now = wita("2026-11-26 07:00")
    return home


async def test_each_kecamatans_stages_median_and_rating_on_a_known_week(ctx: Context, clock: Clock) -> None:
    home = await week(ctx, clock)
    rows = await build_comparison(home, THURSDAY)
    assert [r.name for r in rows[:2]] == ["Kecamatan Pattallassang", "Kecamatan Galesong"] and len(rows) == 9
    ours, theirs, quiet = rows[0], rows[1], rows[2]
    assert (ours.new, ours.open, ours.overdue) == (1, 2, 1)  # the answered light waits for its citizen
    stages = {s: (c.on_time, c.total) for s, c in ours.stages.items()}
    assert stages == {Stage.VERIFY: (2, 3), Stage.ACCEPT: (2, 2), Stage.RESOLVE: (3, 3), Stage.AGENCY: (1, 1)}
    assert (ours.sla_7.on_time, ours.sla_7.total) == (2, 3)  # the rubbish was reminded on the way
    assert ours.median_resolve == timedelta(days=1, hours=1, minutes=30)  # of 3 h, 25½ h and 48 h
    assert ours.rating == 4.0  # 5 and 3: the PLN case is not closed yet
    assert {s: (c.on_time, c.total) for s, c in theirs.stages.items()} == {
        Stage.VERIFY: (1, 1), Stage.ACCEPT: (1, 1), Stage.RESOLVE: (1, 1), Stage.AGENCY: (0, 0)}
    assert (theirs.median_resolve, theirs.rating, theirs.new, theirs.open) == (timedelta(hours=6), 4.0, 0, 0)
    assert (quiet.median_resolve, quiet.rating, quiet.sla_7.percent) == (None, None, None)


async def test_the_comparison_reads_as_two_lines_and_the_stages_per_kecamatan(ctx: Context, clock: Clock) -> None:
    home = await week(ctx, clock)
    lines = render_comparison(home, await build_comparison(home, THURSDAY), THURSDAY).splitlines()
    assert lines[:4] == ["Perbandingan kecamatan, Kabupaten Takalar", "Kamis, 26 November 2026",
                         "Semua kecamatan: 1 baru kemarin, 2 terbuka, 1 terlambat.", ""]
    at = lines.index("Pattallassang: 1 baru · 2 terbuka · 1 terlambat")
    assert lines[at + 1:at + 3] == [
        "   tepat waktu 7 hari 67% · median selesai 1 hari 1 jam · rating 4",
        "   tepat waktu per tahap (7 hari): verifikasi 67% · diambil 100% · selesai 100% · instansi 100%"]
    at = lines.index("Galesong: 0 baru · 0 terbuka · 0 terlambat")
    assert lines[at + 1:at + 3] == [
        "   tepat waktu 7 hari 100% · median selesai 6 jam · rating 4",
        "   tepat waktu per tahap (7 hari): verifikasi 100% · diambil 100% · selesai 100% · instansi –"]
    at = lines.index("Sanrobone: 0 baru · 0 terbuka · 0 terlambat")
    assert lines[at + 1] == "   tepat waktu 7 hari – · median selesai – · rating –"
