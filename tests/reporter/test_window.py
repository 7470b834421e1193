"""The 24-hour window: late updates go out as the approved template; the rich message follows the reply."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.db.models import OutboxMessage
from core.domain.lifecycle import Role
from core.domain.people import Actor
from core.usecases.desk import verify_ticket
from core.usecases.staff import add_staff
from tests.reporter.conftest import Harness, has, report


async def desk(harness: Harness) -> Actor:
    row = await add_staff(harness.ctx, 1001, "Andi", frozenset({Role.VERIFIER}))
    return Actor.staff(row.id, row.name, frozenset({Role.VERIFIER}))


async def only_ticket_id(harness: Harness) -> int:
    return (await harness.tickets())[0].id


async def test_update_after_25_hours_is_a_template_then_the_rich_message(harness: Harness) -> None:
    verifier = await desk(harness)
    citizen = harness.sim.citizen("081300000100")
    number = await report(citizen)
    harness.clock.advance(hours=25)

    await verify_ticket(harness.ctx, verifier, await only_ticket_id(harness), desa="Bajeng")
    template = await citizen.wait_for(lambda m: m.kind == "template")
    assert template.template_name == "lapor_camat_update" and template.template_params == [number, "Diverifikasi"]
    assert template.raw["template"]["components"][1]["sub_type"] == "quick_reply"
    assert not any("diverifikasi" in (m.text or "") for m in citizen.received)

    await citizen.sends_text("ok")  # the reply reopens the window
    rich = await citizen.wait_for(has("sudah diverifikasi"))
    assert number in (rich.text or "")
    await harness.sim.idle()
    assert sum(1 for m in citizen.received if m.kind == "template") == 1


async def test_re_engagement_error_from_the_platform_is_handled_the_same_way(harness: Harness) -> None:
    verifier = await desk(harness)
    citizen = harness.sim.citizen("081300000101")
    number = await report(citizen)
    citizen.last_inbound_at = harness.clock() - timedelta(hours=30)  # the platform's window closed early

    await verify_ticket(harness.ctx, verifier, await only_ticket_id(harness), desa="Bajeng")
    template = await citizen.wait_for(lambda m: m.kind == "template")
    assert template.template_params == [number, "Diverifikasi"]
    async with harness.ctx.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "ticket.verified"))
    assert row is not None and row.sent_at is None
    assert not any("diverifikasi" in (m.text or "") for m in citizen.received)

    await citizen.sends_text("halo")
    await citizen.wait_for(has("sudah diverifikasi"))


async def test_rate_limit_and_outage_are_retried_never_dropped(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000102")
    harness.sim.fail_next(130429)
    harness.sim.fail_next(131000)
    await citizen.sends_text("menu")
    menu = None
    for _ in range(30):  # time passes for the backoff; each wait is woken by the message itself
        harness.clock.advance(seconds=5)
        harness.ctx.outbox.event("whatsapp").set()
        try:
            menu = await citizen.wait_for(lambda m: m.kind == "buttons", timeout=0.3)
            break
        except TimeoutError:
            continue
    assert menu is not None and "Lapor masalah" in menu.button_titles
    async with harness.ctx.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "wa.reply"))
    assert row is not None and row.attempts == 2
