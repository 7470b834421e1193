"""The field card asks the reporter too, and the desk corrects the category or desa a citizen picked."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import OutboxMessage, TicketEvent
from core.domain.lifecycle import TicketState
from core.outbox import Delivery
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from reporter_bot.render import render
from reporter_bot.store import citizen_info
from tests.core.story import report, ticket
from tests.officer.conftest import World


async def citizen_rows(world: World, ticket_id: int, kind: str) -> list[OutboxMessage]:
    async with world.ctx.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "whatsapp", OutboxMessage.ticket_id == ticket_id,
            OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


async def corrections(world: World, ticket_id: int) -> list[TicketEvent]:
    async with world.ctx.sessions() as session:
        return list(await session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.action == "correct").order_by(TicketEvent.id)))


async def citizen_reads(world: World, row: OutboxMessage) -> str:
    """The WhatsApp message the reporter bot makes of an outbox row."""
    citizen = await citizen_info(world.ctx, int(row.recipient.removeprefix("citizen:")))
    assert citizen is not None
    delivery = Delivery(row.id, row.channel, row.recipient, row.kind, row.data, row.ticket_id, row.attempts)
    return (await render(world.ctx, delivery, citizen, world.media_dir)).text


async def test_the_officer_working_a_case_asks_the_reporter_from_the_field_card(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    await accept_ticket(world.ctx, world.cast.officer, tid)
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh Baso")
    assert card.button("Tanya pelapor")
    refused = await world.officer2.taps(card, "Tanya pelapor")
    assert refused.text == "Laporan PTL-000001 sedang ditangani Baso Petugas."
    assert (await world.officer.taps(card, "Tanya pelapor")).text == "Balas pesan yang muncul di bawah kartu."
    prompt = await world.field.wait_for(lambda m: m.from_bot and "pertanyaan untuk pelapor" in (m.text or ""))
    assert prompt.reply_to is card
    await world.officer.replies(world.field, prompt, "Tiang yang mana, dekat masjid atau pasar?")
    await world.card(world.desk, "PTL-000001", "Ditanyakan ke pelapor: Tiang yang mana")
    [asked] = await citizen_rows(world, tid, "ticket.question")
    assert asked.recipient == f"citizen:{world.cast.reporter.id}"
    assert "Tiang yang mana, dekat masjid atau pasar?" in await citizen_reads(world, asked)


async def test_a_verified_card_has_no_field_question_before_someone_takes_it(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    card = await world.card(world.field, "PTL-000001", "Diverifikasi")
    assert card.button("Ambil") and not card.button("Tanya pelapor")


async def test_desk_corrects_the_category_and_the_citizen_hears_the_new_deadline(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)  # street light: verified within 2 hours
    before = (await ticket(world.ctx, tid)).stage_deadline_at
    card = await world.card(world.desk, "PTL-000001", "Kategori: Lampu jalan")
    assert (await world.verifier.taps(card, "Koreksi")).text == "PTL-000001: koreksi kategori atau desa/kelurahan?"
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Kategori"))
    await world.verifier.taps(menu, "Kategori")
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Pohon tumbang"))
    answer = await world.verifier.taps(menu, "Pohon tumbang")  # a safety case: verified within 30 minutes
    assert answer.text == "PTL-000001 dikoreksi; batas waktunya berubah dan pelapor diberi tahu."
    card = await world.card(world.desk, "PTL-000001", "Kategori: Pohon tumbang")
    assert card.button("Verifikasi") and card.button("Koreksi")

    after = await ticket(world.ctx, tid)
    assert after.category == "pohon" and after.state == TicketState.RECEIVED
    assert before is not None and after.stage_deadline_at is not None and after.stage_deadline_at < before
    [event] = await corrections(world, tid)
    assert event.actor_name == "Andi Verifikator" and event.data["changes"] == {"category": ["lampu_jalan", "pohon"]}
    assert event.data["sla_changed"] is True
    [told] = await citizen_rows(world, tid, "ticket.corrected")
    assert told.recipient == f"citizen:{world.cast.reporter.id}"
    words = await citizen_reads(world, told)
    assert "PTL-000001" in words and "Pohon tumbang" in words and "paling lambat" in words

    await world.verifier.taps(card, "Verifikasi")
    await world.card(world.field, "PTL-000001", "Kategori: Pohon tumbang")


async def test_a_desa_correction_is_audited_and_tells_the_citizen_nothing(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    card = await world.card(world.desk, "PTL-000001", "Diverifikasi oleh")
    await world.verifier.taps(card, "Koreksi")
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Desa/kelurahan"))
    await world.verifier.taps(menu, "Desa/kelurahan")
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Pappa"))
    assert (await world.verifier.taps(menu, "Pappa")).text == "PTL-000001 dikoreksi."
    await world.card(world.field, "PTL-000001", "Desa/Kel.: Pappa")
    [event] = await corrections(world, tid)
    assert event.data["changes"] == {"desa": ["Bajeng", "Pappa"]} and event.data["sla_changed"] is False
    assert await citizen_rows(world, tid, "ticket.corrected") == []

    card = await world.card(world.desk, "PTL-000001", "Desa/Kel.: Pappa")
    await world.verifier.taps(card, "Koreksi")
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Desa/kelurahan"))
    await world.verifier.taps(menu, "Desa/kelurahan")
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Pappa"))
    assert (await world.verifier.taps(menu, "Pappa")).text == "PTL-000001 tidak berubah: pilihannya sama."
    await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Koreksi"))
    assert len(await corrections(world, tid)) == 1


async def test_only_the_desk_corrects(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    card = await world.card(world.desk, "PTL-000001")
    assert (await world.officer.taps(card, "Koreksi")).text == "Anda tidak berwenang untuk tindakan ini."
    assert (await world.officer.taps_data(card, f"kc:{tid}:0").answered()).text == (
        "Anda tidak berwenang untuk tindakan ini.")
    assert await corrections(world, tid) == []
