"""The desk hears of a report held over the daily limit and may file it at once."""

from __future__ import annotations

from core.context import Context
from core.domain.reports import NewReport, Privacy
from core.usecases.held import Held, submit_or_hold
from scheduler import file_held_reports
from tests.core.story import report
from tests.officer.conftest import World
from tests.scheduler.conftest import wita


async def test_the_desk_lifts_the_limit_with_a_button_and_the_citizen_is_told_the_number(world: World) -> None:
    limited = Context(sessions=world.ctx.sessions, clock=world.ctx.clock, outbox=world.ctx.outbox,
                      profile=world.ctx.profile.model_copy(update={"daily_ticket_limit": 1}))
    reporter = world.cast.reporter
    await report(limited, reporter)
    held = await submit_or_hold(limited, reporter, NewReport(
        "Got tersumbat, hubungi saya 081234567890", category="drainase", desa="Salaka", privacy=Privacy.ANONYMOUS))
    assert isinstance(held, Held)
    notice = await world.desk.wait_for(lambda m: m.from_bot and "Laporan ditahan" in (m.text or ""))
    body = notice.text or ""
    assert "Pelapor: anonim" in body and "Salaka" in body and "Got tersumbat" in body
    assert "Daeng Ngalle" not in body and "081234567890" not in body and "890" not in body.split("Salaka")[0]
    assert (await world.stranger.taps(notice, "Kirim sekarang")).text == "Anda tidak terdaftar sebagai petugas."
    assert (await world.officer.taps(notice, "Kirim sekarang")).text == "Anda tidak berwenang untuk tindakan ini."

    answer = await world.verifier.taps(notice, "Kirim sekarang")
    assert answer.text == "Dikirim sebagai PTL-000002; pelapor diberi tahu nomornya."
    card = await world.card(world.desk, "PTL-000002")
    assert "Got tersumbat" in (card.text or "")
    assert await world.whatsapp(2) == [("ticket.received", f"citizen:{reporter.id}")]
    await world.desk.wait_for(lambda m: m.message_id == notice.message_id and not m.buttons)  # the button is gone

    world.ctx.clock.now = wita("2026-11-24 00:01")  # type: ignore[attr-defined]
    assert await file_held_reports(limited) == []  # filed once
