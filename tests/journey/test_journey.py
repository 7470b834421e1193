"""The whole journey across both bots: WhatsApp citizen → Telegram desk and field → back to the citizen."""

from __future__ import annotations

from core.domain.lifecycle import TicketState
from tests.core.story import ticket
from tests.officer.conftest import World
from tests.reporter.conftest import Harness, has, report
from tests.simulator.telegram_fixtures import png


async def test_citizen_to_desk_to_field_and_back_with_proof(world: World, harness: Harness) -> None:
    citizen = harness.sim.citizen("081355550001", name="Daeng Tompo")
    number = await report(citizen, "Lampu jalan mati di depan masjid")

    card = await world.card(world.desk, number)
    answer = await world.verifier.taps(card, "Verifikasi")
    while "pilih" in (answer.text or ""):  # the desk fills in what the citizen did not say
        menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and len(m.buttons) > 2)
        choice = "Lampu jalan" if menu.button("Lampu jalan") else ("Bajeng" if menu.button("Bajeng") else None)
        assert choice is not None, menu.buttons
        answer = await world.verifier.taps(menu, choice)
    assert answer.text == f"{number} diverifikasi."
    await citizen.wait_for(has("diverifikasi"))

    field_card = await world.card(world.field, number, "Diverifikasi")
    await world.officer.taps(field_card, "Ambil")
    field_card = await world.card(world.field, number, "Dikerjakan oleh Baso Petugas")
    await citizen.wait_for(has("sedang dikerjakan"))

    await world.officer.sends_photo(world.field, png(shade=40), caption="Bohlam diganti", reply_to=field_card)
    progress = await citizen.wait_for(has("Bohlam diganti"))
    assert progress.kind == "image" and progress.media == png(shade=40)

    await world.officer.taps(field_card, "Selesaikan")
    prompt = await world.field.wait_for(lambda m: m.from_bot and "foto sesudah" in (m.text or ""))
    await world.officer.sends_photo(world.field, png(shade=220), caption="Lampu sudah menyala", reply_to=prompt)
    await world.card(world.field, number, "Selesai dikerjakan")

    proof = await citizen.wait_for(lambda m: "Sudah beres" in m.button_titles)
    assert "Lampu sudah menyala" in (proof.text or "") and proof.media == png(shade=220)
    await citizen.taps("Sudah beres")
    await citizen.wait_for(has("Seberapa puas"))

    await world.card(world.field, number, "Status: Ditutup")
    await world.card(world.desk, number, "Status: Ditutup")
    tickets = await harness.tickets()
    assert [t.number for t in tickets] == [number]
    assert (await ticket(world.ctx, tickets[0].id)).state == TicketState.CLOSED
    await world.settled()
    for chat in (world.desk, world.field):
        assert len([m for m in chat.bot_messages if (m.text or "").startswith(f"{number} ·")]) == 1
