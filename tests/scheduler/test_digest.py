"""The daily digest and the weekly summary on a known data set: the numbers and the lines."""

from __future__ import annotations

from datetime import timedelta

from core.context import Context
from core.digest import build_digest, digest_text
from core.domain.reports import Privacy
from core.domain.sla import Stage
from core.kabupaten_digest import build_comparison, render_comparison
from core.usecases import agency, citizen, desk, field
from scheduler import scan_deadlines, send_weekly_summary
from scheduler.weekly import weekly_text
from tests.conftest import Clock, in_takalar
from tests.core.story import PHOTO, cast, report, ticket
from tests.scheduler.conftest import rows, wita


async def monday(ctx: Context, clock: Clock) -> dict[str, int]:
    """Seven reports on Monday 23 November: their fates by Tuesday's digest are in the comments."""
    p = await cast(ctx)
    t = {
        "fixed": await report(ctx, p.reporter),                                    # resolved, waits for the citizen
        "waiting": await report(ctx, p.reporter, category="sampah", desa="Pappa"),  # never verified: overdue
        "secret": await report(ctx, p.neighbour, category="jalan_rusak", desa="Salaka",
                               privacy=Privacy.CONFIDENTIAL),                      # overdue, but confidential
        "working": await report(ctx, p.reporter, category="drainase"),             # in progress with Cakra
        "spam": await report(ctx, p.neighbour),                                    # rejected
        "closed": await report(ctx, p.reporter),                                   # confirmed and rated 4
        "late": await report(ctx, p.reporter),                                     # reminded, then resolved
    }
    for name in ("fixed", "working", "closed"):
        await desk.verify_ticket(ctx, p.verifier, t[name])
    await field.accept_ticket(ctx, p.officer, t["fixed"])
    await field.accept_ticket(ctx, p.officer2, t["working"])
    await field.accept_ticket(ctx, p.officer, t["closed"])
    await desk.reject_ticket(ctx, p.verifier, t["spam"], "Spam / bukan laporan")
    for name in ("fixed", "closed"):
        await field.resolve_ticket(ctx, p.officer, t[name], "Beres", (PHOTO,))
    await citizen.confirm_fixed(ctx, p.reporter, t["closed"])
    await citizen.rate_ticket(ctx, p.reporter, t["closed"], 4)
    clock.now = wita("2026-11-23 11:01")
    assert set((await scan_deadlines(ctx)).reminded) == {t["waiting"], t["secret"], t["late"]}
    await desk.verify_ticket(ctx, p.verifier, t["late"])
    await field.accept_ticket(ctx, p.officer, t["late"])
    await field.resolve_ticket(ctx, p.officer, t["late"], "Beres", (PHOTO,))
    return t


async def test_digest_figures_on_a_known_day(ctx: Context, clock: Clock) -> None:
    t = await monday(ctx, clock)
    clock.now = wita("2026-11-24 07:00")
    d = await build_digest(ctx)
    assert d.day.isoformat() == "2026-11-24"
    assert d.by_state == {"received": 2, "in_progress": 1, "resolved": 2, "closed": 1, "rejected": 1}
    assert (d.new, d.resolved, d.closed) == (7, 3, 1)
    assert d.overdue_total == 2 and d.overdue_hidden == 1
    [late] = d.overdue
    assert late.number == (await ticket(ctx, t["waiting"])).number and late.late_by == timedelta(hours=20)
    assert (d.sla_7.on_time, d.sla_7.total, d.sla_7.percent) == (2, 3, 67) and d.sla_30 == d.sla_7
    assert d.by_desa == [("Bajeng", 3), ("Pappa", 1)]
    assert d.by_category == [("lampu_jalan", 2), ("drainase", 1), ("sampah", 1)]
    assert d.by_officer == [("Baso Petugas", 0, 3), ("Cakra Petugas", 1, 0)]
    assert (d.rating, d.ratings) == (4.0, 1)


async def test_digest_text_reads_well_on_a_phone_and_hides_confidential_reports(ctx: Context, clock: Clock) -> None:
    t = await monday(ctx, clock)
    clock.now = wita("2026-11-24 07:00")
    body = await digest_text(ctx)
    lines = body.splitlines()
    assert lines[:2] == ["Ringkasan harian Kecamatan Pattallassang", "Selasa, 24 November 2026"]
    for line in ("• Diterima: 2", "• Sedang dikerjakan: 1", "Kemarin: 7 baru, 3 selesai dikerjakan, 1 ditutup.",
                 "Terlambat (2), terlama dulu:", "1. PTL-000002 Sampah", "   lewat 20 jam · Diterima",
                 "(1 laporan rahasia tidak ditampilkan)", "• 7 hari: 2/3 (67%)", "• Bajeng: 3",
                 "• Lampu jalan: 2", "• Baso Petugas: 0 / 3", "Rating rata-rata 30 hari: 4,0 dari 5 (1 penilaian)"):
        assert line in lines, line
    secret = await ticket(ctx, t["secret"])
    assert secret.number not in body and "Salaka" not in body and "Jalan rusak" not in body
    assert max(len(line) for line in lines) <= 60
    english = await digest_text(ctx, locale="en")
    assert "Yesterday: 7 new, 3 resolved, 1 closed." in english and "• 7 days: 2/3 (67%)" in english


async def test_weekly_summary_on_monday_morning_compares_two_weeks(ctx: Context, clock: Clock) -> None:
    await monday(ctx, clock)
    clock.now = wita("2026-11-30 07:29")
    assert not await send_weekly_summary(ctx)
    clock.now = wita("2026-11-30 07:30")
    assert await send_weekly_summary(ctx)
    assert not await send_weekly_summary(ctx)
    [row] = await rows(ctx, "digest.weekly")
    assert row.recipient == "camat" and row.data["date"] == "2026-11-30" and row.data["late"] is False
    lines = row.data["text"].splitlines()
    assert lines[:2] == ["Ringkasan mingguan Kecamatan Pattallassang", "23 Nov – 29 Nov 2026"]
    assert "Laporan baru: 7 (minggu lalu 0)" in lines
    assert "Diverifikasi tepat waktu: 75% (minggu lalu –)" in lines  # "late" was reminded before it was verified
    assert "Diselesaikan tepat waktu: 100% (minggu lalu –)" in lines
    assert "Rating rata-rata: 4,0 (minggu lalu –)" in lines and "• Lampu jalan: 4" in lines


async def test_the_weekly_top_categories_are_as_many_as_the_profiles_breakdowns(ctx: Context, clock: Clock) -> None:
    await monday(ctx, clock)
    clock.now = wita("2026-11-30 07:30")
    day = clock.now.astimezone(ctx.profile.zone).date()

    def top(limit: int) -> Context:
        return Context(sessions=ctx.sessions, clock=ctx.clock, outbox=ctx.outbox,
                       profile=ctx.profile.model_copy(update={"digest_breakdown_limit": limit}))

    every = ["• Lampu jalan: 4", "• Drainase / banjir: 1", "• Sampah: 1"]
    for limit, listed in ((1, every[:1]), (2, every[:2]), (5, every)):
        lines = (await weekly_text(top(limit), day)).splitlines()
        assert lines[lines.index("Kategori terbanyak minggu ini:") + 1:] == listed, limit


async def test_the_digest_counts_aspirations_apart_from_complaints(ctx: Context, clock: Clock) -> None:
    p = await cast(ctx)
    await report(ctx, p.reporter)
    await report(ctx, p.reporter, "Usul pembangunan posyandu di Bajeng", category="saran")
    clock.now = wita("2026-11-24 07:00")
    d = await build_digest(ctx)
    assert d.new_by_type == {"complaint": 1, "aspiration": 1}
    assert "Per jenis: Pengaduan 1 · Aspirasi 1." in (await digest_text(ctx)).splitlines()
    assert "By kind: Complaint 1 · Aspiration 1." in await digest_text(ctx, locale="en")


async def test_a_day_of_complaints_only_needs_no_line_by_kind(ctx: Context, clock: Clock) -> None:
    await report(ctx, (await cast(ctx)).reporter)
    clock.now = wita("2026-11-24 07:00")
    assert "Per jenis" not in await digest_text(ctx)


async def test_cases_at_agencies_show_in_the_digest_and_their_stage_in_the_kabupaten_comparison(
        ctx: Context, clock: Clock) -> None:
    home = in_takalar(ctx)
    p = await cast(home)
    answered, chased, open_ = [await report(home, p.reporter, category=c)
                               for c in ("lampu_jalan", "lampu_jalan", "jalan_rusak")]
    for tid, to in ((answered, "pln"), (chased, "pln"), (open_, "pupr")):
        await desk.verify_ticket(home, p.verifier, tid)
        await desk.forward_ticket(home, p.verifier, tid, to)
    clock.advance(hours=3)
    await agency.record_agency_answer(home, p.verifier, answered, "Lampu diganti")  # within PLN's five days
    clock.now = wita("2026-11-28 09:30")  # Saturday: past both agencies' five working days
    assert set((await scan_deadlines(home)).reminded) == {chased, open_}
    await agency.record_agency_answer(home, p.verifier, chased, "Kabel diganti")  # answered after a reminder
    clock.now = wita("2026-11-29 07:00")
    d = await build_digest(home)
    assert d.by_agency == [("pupr", 1)] and d.by_state["forwarded"] == 1
    [late] = d.overdue
    assert (late.number, late.agency) == ("PTL-000003", "pupr")
    lines = (await digest_text(home)).splitlines()
    for line in ("• Diteruskan: 1", "1. PTL-000003 Jalan rusak", "   lewat 22 jam · Dinas PUPR",
                 "Di instansi (terbuka):", "• Dinas PUPR: 1"):
        assert line in lines, line
    day = home.now().astimezone(home.profile.zone).date()
    rows = await build_comparison(home, day)
    ours = rows[0]
    assert ours.name == "Kecamatan Pattallassang"
    assert (ours.stages[Stage.AGENCY].on_time, ours.stages[Stage.AGENCY].total) == (1, 2)
    assert (ours.stages[Stage.VERIFY].on_time, ours.stages[Stage.VERIFY].total) == (3, 3)
    body = render_comparison(home, rows, day).splitlines()
    stages = body[body.index("Pattallassang: 0 baru · 3 terbuka · 1 terlambat") + 2]
    assert stages.endswith("verifikasi 100% · diambil – · selesai 100% · instansi 50%"), stages
