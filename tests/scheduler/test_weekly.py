"""The camat's weekly summary says what the console's Statistik shows for the same week: one computation."""

from __future__ import annotations

import re

from core.context import Context
from core.domain.reports import Privacy
from core.usecases import agency, citizen, desk, field
from core.usecases.oversight import escalate_ticket
from scheduler import send_weekly_summary
from tests.conftest import Clock
from tests.console.conftest import browser, sign_in
from tests.console.test_stats import CAMAT, row
from tests.core.story import PHOTO, Cast, cast, report
from tests.scheduler.conftest import rows, wita

WEEKLY_LINE = re.compile(r"^(.+): (\S+) \(minggu lalu (\S+)\)$")
# the weekly summary's words for the Statistik page's rows, where they differ
PAGE_ROW = {"Laporan baru": "Laporan masuk", "Selesai dikerjakan": "Diselesaikan",
            "Rating rata-rata": "Penilaian warga (1–5)"}


async def worked(ctx: Context, p: Cast, ticket_id: int, rating: int | None = None) -> None:
    """Verified, accepted and resolved; confirmed and rated when `rating` is given."""
    await desk.verify_ticket(ctx, p.verifier, ticket_id)
    await field.accept_ticket(ctx, p.officer, ticket_id)
    await field.resolve_ticket(ctx, p.officer, ticket_id, "Beres", (PHOTO,))
    if rating is not None:
        await citizen.confirm_fixed(ctx, p.reporter, ticket_id)
        await citizen.rate_ticket(ctx, p.reporter, ticket_id, rating)


async def two_weeks(ctx: Context, clock: Clock) -> None:
    """Cases in the weeks of 16 and 23 November (confidential ones and an agency's among them), one after."""
    p = await cast(ctx)
    clock.now = wita("2026-11-17 09:00")
    await worked(ctx, p, await report(ctx, p.reporter), rating=5)
    secret = await report(ctx, p.neighbour, "Pencurian di rumah", category="keamanan", desa="Pappa",
                          privacy=Privacy.CONFIDENTIAL)
    await desk.verify_ticket(ctx, p.verifier, secret)
    await escalate_ticket(ctx, p.system, secret, 1, details={"stage": "accept"})
    await field.accept_ticket(ctx, p.officer, secret)
    await field.resolve_ticket(ctx, p.officer, secret, "Beres", (PHOTO,))
    drain = await report(ctx, p.reporter, "Got tersumbat", category="drainase")
    await desk.verify_ticket(ctx, p.verifier, drain)
    await desk.forward_ticket(ctx, p.verifier, drain, "pln", "REF-1")
    await agency.record_agency_answer(ctx, p.verifier, drain, "Sudah dibersihkan")

    clock.now = wita("2026-11-24 09:00")
    rubbish = await report(ctx, p.reporter, "Sampah menumpuk", category="sampah", desa="Salaka")
    await escalate_ticket(ctx, p.system, rubbish, 1, details={"stage": "verify"})
    await worked(ctx, p, rubbish, rating=3)
    for _ in range(2):
        await report(ctx, p.neighbour, "Pencurian lagi", category="keamanan", desa="Pappa",
                     privacy=Privacy.CONFIDENTIAL)
        await report(ctx, p.reporter)
    clock.now = wita("2026-11-30 09:00")
    await report(ctx, p.reporter, "Jalan berlubang", category="jalan_rusak")  # the next week's


def figures(body: str) -> dict[str, tuple[str, str]]:
    """The summary's "label: this week (minggu lalu the week before)" lines, by label."""
    return {found[1]: (found[2], found[3]) for line in body.splitlines() if (found := WEEKLY_LINE.match(line))}


async def test_the_weekly_summary_has_the_numbers_of_the_statistik_week(ctx: Context, clock: Clock) -> None:
    await two_weeks(ctx, clock)
    clock.now = wita("2026-11-29 20:00")  # Sunday: the camat opens Statistik
    async with browser(ctx) as camat:
        await sign_in(camat, ctx, CAMAT)
        page = (await camat.get("/konsol/statistik?periode=minggu")).text
    assert "23 Nov – 29 Nov 2026" in page and "16 Nov – 22 Nov 2026" in page

    clock.now = wita("2026-12-01 10:00")  # the scheduler was down on Monday
    assert await send_weekly_summary(ctx)
    [sent] = await rows(ctx, "digest.weekly")
    body = sent.data["text"]
    lines = body.splitlines()
    assert lines[1:3] == ["23 Nov – 29 Nov 2026", "(Terlambat dikirim; penjadwal sempat mati.)"]
    weekly = figures(body)
    assert weekly["Laporan baru"] == ("5", "3")  # confidential cases counted, Monday's road not
    assert weekly["Diterima petugas tepat waktu"] == ("100%", "50%")  # the confidential case's accept was late
    assert weekly["Diverifikasi tepat waktu"] == ("0%", "100%")
    assert weekly["Dijawab instansi tepat waktu"] == ("–", "100%")
    assert weekly["Rating rata-rata"] == ("3,0", "5,0")
    assert len(weekly) == 8  # new, resolved, closed, four stages, rating
    for label, (now, before) in weekly.items():
        assert row(page, PAGE_ROW.get(label, label))[:2] == [now, before], label
    # the most reported: the page counts the confidential cases per category, the chat never names them
    assert row(page, "Keamanan &amp; ketertiban")[:2] == ["2", "1"]
    top = lines[lines.index("Kategori terbanyak minggu ini:") + 1:]
    assert top == ["• Lampu jalan: 2", "• Sampah: 1"]
    assert "Keamanan" not in body


async def test_a_quiet_stage_is_left_out(ctx: Context, clock: Clock) -> None:
    p = await cast(ctx)
    await worked(ctx, p, await report(ctx, p.reporter))
    clock.now = wita("2026-11-30 07:30")
    assert await send_weekly_summary(ctx)
    [sent] = await rows(ctx, "digest.weekly")
    weekly = figures(sent.data["text"])
    assert "Dijawab instansi tepat waktu" not in weekly  # no case went to an agency in either week
    assert weekly["Diselesaikan tepat waktu"] == ("100%", "–")
