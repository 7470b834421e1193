"""A report over the daily limit is kept, outlives draft expiry, and is filed the next local day."""

from __future__ import annotations

from core.context import Context
from scheduler import expire_drafts, file_held_reports
from tests.reporter.conftest import Harness, has, located_to_kirim, report
from tests.scheduler.conftest import rows, wita


async def test_a_held_report_survives_draft_expiry_and_is_filed_the_next_local_day(harness: Harness) -> None:
    limited = Context(sessions=harness.ctx.sessions, clock=harness.clock, outbox=harness.ctx.outbox,
                      profile=harness.ctx.profile.model_copy(update={"daily_ticket_limit": 1}))
    await harness.stop()
    await harness.start(ctx=limited)
    citizen = harness.sim.citizen("081300000203", name="Daeng Tahan")
    await citizen.sends_text("halo")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    first = await report(citizen)
    await citizen.sends_text("Sampah di selokan depan rumah")
    await citizen.wait_for(lambda m: m.kind == "buttons")  # a message for the open ticket, or a new report?
    await citizen.taps("Laporan baru")
    await located_to_kirim(citizen, -5.30, 119.30)
    held = await citizen.wait_for(has("1 laporan hari ini"))
    assert "kirim otomatis besok" in (held.text or "") and (held.text or "").count("simpan") == 1  # said once
    assert len(await harness.tickets()) == 1

    await citizen.sends_text("status")  # the citizen goes on using the bot while the report waits
    listing = await citizen.wait_for(has("Menunggu batas harian: 1 laporan"))
    assert first in (listing.text or "")

    harness.clock.advance(hours=7)  # 16.05 WITA: past the 6-hour draft expiry, still the same day
    assert await expire_drafts(limited) == []
    assert await file_held_reports(limited) == []
    assert await rows(limited, "draft.expired") == []

    harness.clock.now = wita("2026-11-24 00:01")  # the next local day
    assert await file_held_reports(limited) == ["PTL-000002"]
    received = await citizen.wait_for(has("PTL-000002"))
    assert "diterima dengan nomor PTL-000002" in (received.text or "")
    assert await file_held_reports(limited) == []  # once
    tickets = await harness.tickets()
    assert len(tickets) == 2 and "Sampah di selokan" in tickets[1].description and tickets[1].latitude == -5.30
