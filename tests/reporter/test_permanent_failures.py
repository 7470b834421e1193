"""WhatsApp's final refusals fall back, then set the row aside; they never silence a citizen for good."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import OutboxMessage
from core.notifications import queue
from core.stuck import STUCK_KIND
from core.usecases.desk import verify_ticket
from tests.officer.conftest import until
from tests.reporter.conftest import Harness, has, report
from tests.reporter.test_window import desk, only_ticket_id


async def _row(harness: Harness, kind: str) -> OutboxMessage | None:
    async with harness.ctx.sessions() as session:
        return await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                    .order_by(OutboxMessage.id.desc()).limit(1))


async def test_a_message_whatsapp_refuses_for_good_is_set_aside_and_the_citizens_next_messages_arrive(
        harness: Harness) -> None:
    verifier = await desk(harness)
    citizen = harness.sim.citizen("081300000110")
    await report(citizen)
    # The update is undeliverable as a text, and as the template after it.
    harness.sim.fail_next(131026, times=2, message="(#131026) Message Undeliverable")
    await verify_ticket(harness.ctx, verifier, await only_ticket_id(harness), desa="Bajeng")

    notice = await until(harness.ctx, lambda: _row(harness, STUCK_KIND))
    assert notice.recipient == "chat:desk" and notice.data["set_aside"] is True
    assert notice.data["failure"] == "undeliverable" and notice.data["citizen"] == "0813*****110"
    verified = await _row(harness, "ticket.verified")
    assert verified is not None and verified.set_aside_at is not None and verified.sent_at is None

    await citizen.sends_text("menu")  # the citizen is not silent to the system from now on
    menu = await citizen.wait_for(lambda m: m.kind == "buttons")
    assert "Lapor masalah" in menu.button_titles
    assert not any("diverifikasi" in (m.text or "") for m in citizen.received)


async def test_text_that_cannot_be_encoded_still_reaches_the_citizen_and_the_next_follows(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000111")
    await citizen.sends_text("menu")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    row = await harness.citizen_row(citizen.wa_id)
    async with harness.ctx.sessions.begin() as session:
        for n, words in enumerate(("Terima kasih \ud83d", "Pesan berikutnya")):  # half an emoji, as Meta may send
            queue(session, kecamatan="pattallassang",
                  channel="whatsapp", recipient=f"citizen:{row.id}", kind="wa.reply",
                  data={"text": words}, dedupe_key=f"test:{n}", now=harness.ctx.now())
    await citizen.wait_for(has("Pesan berikutnya"))
    assert [m.text for m in citizen.received[-2:]] == ["Terima kasih \ufffd", "Pesan berikutnya"]


async def test_an_outage_longer_than_a_few_tries_is_waited_out_not_set_aside(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000112")
    harness.sim.fail_next(131000, times=5)  # Meta's "something went wrong", five times running
    await citizen.sends_text("menu")
    menu = None
    for _ in range(60):  # time passes for the backoff; each wait is woken by the message itself
        harness.clock.advance(seconds=40)
        harness.ctx.outbox.event("whatsapp").set()
        try:
            menu = await citizen.wait_for(lambda m: m.kind == "buttons", timeout=0.3)
            break
        except TimeoutError:
            continue
    assert menu is not None
    reply = await _row(harness, "wa.reply")
    assert reply is not None and reply.attempts == 5 and reply.set_aside_at is None
    assert await _row(harness, STUCK_KIND) is None
