"""The field group: accept (first tap wins), progress replies, resolve with proof, release; cards stay current."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import Attachment
from core.domain.lifecycle import TicketState
from core.usecases.citizen import confirm_fixed, report_not_fixed
from core.usecases.desk import verify_ticket
from tests.core.story import report, ticket
from tests.officer.conftest import World
from tests.simulator.telegram_fixtures import png


async def verified(world: World, **kw: object) -> int:
    tid = await report(world.ctx, world.cast.reporter, **kw)  # type: ignore[arg-type]
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    return tid


async def test_the_whole_field_journey_with_proof(world: World) -> None:
    tid = await verified(world)
    card = await world.card(world.field, "PTL-000001", "Diverifikasi")
    assert (await world.officer.taps(card, "Ambil")).text == "Anda mengambil PTL-000001."
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh Baso Petugas", "Batas waktu")
    assert card.button("Update progres") and card.button("Selesaikan") and card.button("Lepas")
    assert ("ticket.accepted", f"citizen:{world.cast.reporter.id}") in await world.whatsapp(tid)

    await world.officer.sends_photo(world.field, png(shade=10), caption="Sedang ganti bohlam", reply_to=card)
    await world.card(world.field, "PTL-000001", "Progres terakhir: Sedang ganti bohlam")
    assert ("ticket.progress", f"citizen:{world.cast.reporter.id}") in await world.whatsapp(tid)

    assert (await world.officer.taps(card, "Selesaikan")).text == "Balas pesan yang muncul di bawah kartu."
    prompt = await world.field.wait_for(lambda m: m.from_bot and "foto sesudah" in (m.text or ""))
    await world.officer.replies(world.field, prompt, "Lampu sudah menyala")
    again = await world.field.wait_for(lambda m: m.from_bot and m.reply_to is not None
                                       and m.reply_to.text == "Lampu sudah menyala")
    assert again.text.startswith("Untuk menyelesaikan, kirim minimal satu foto sesudah dan catatan singkat.")
    assert (await ticket(world.ctx, tid)).state == TicketState.IN_PROGRESS
    await world.officer.sends_photo(world.field, png(shade=200), reply_to=again)
    await world.card(world.field, "PTL-000001", "Selesai dikerjakan", "Lampu sudah menyala")
    desk = await world.card(world.desk, "PTL-000001", "Selesai dikerjakan")
    assert desk.buttons == []
    assert ("ticket.resolved", f"citizen:{world.cast.reporter.id}") in await world.whatsapp(tid)
    async with world.ctx.sessions() as session:
        proof = list(await session.scalars(select(Attachment).where(
            Attachment.ticket_id == tid, Attachment.role == "proof")))
    assert len(proof) == 1 and proof[0].stored_path is not None
    assert (world.media_dir / proof[0].stored_path).read_bytes() == png(shade=200)

    await confirm_fixed(world.ctx, world.cast.reporter, tid)
    await world.card(world.field, "PTL-000001", "Status: Ditutup")
    await world.card(world.desk, "PTL-000001", "Status: Ditutup")
    await world.settled()
    bot_cards = [m for m in world.field.bot_messages if (m.text or "").startswith("PTL-000001 ·")]
    assert len(bot_cards) == 1  # edited in place, never a second card


async def test_progress_in_private_chat_through_the_deep_link(world: World) -> None:
    tid = await verified(world)
    card = await world.card(world.field, "PTL-000001")
    await world.officer.taps(card, "Ambil")
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh")
    answer = await world.officer.taps(card, "Update progres")
    assert answer.url == f"https://t.me/LaporCamatBot?start=p{tid}"
    refused = await world.officer2.taps(card, "Update progres")
    assert refused.text == "Laporan PTL-000001 sedang ditangani Baso Petugas."
    chat = world.officer.private_chat
    await world.officer.sends(chat, f"/start p{tid}")
    await chat.wait_for(lambda m: m.from_bot and "progres untuk PTL-000001" in (m.text or ""))
    await world.officer.sends_photo(chat, png(shade=3), caption="Tiang sudah dicek")
    await chat.wait_for(lambda m: m.from_bot and "Progres PTL-000001 tersimpan" in (m.text or ""))
    await world.card(world.field, "PTL-000001", "Progres terakhir: Tiang sudah dicek")


async def test_two_officers_tap_accept_together(world: World) -> None:
    tid = await verified(world)
    card = await world.card(world.field, "PTL-000001")
    # Taps are not ordered: the promise is one winner, and the other told who has it, either way round.
    first = world.officer.tap(card, "Ambil")
    second = world.officer2.tap(card, "Ambil")
    answers = [(await first.answered()).text, (await second.answered()).text]
    winner, name = ((world.cast.officer, "Baso Petugas") if answers[0] == "Anda mengambil PTL-000001."
                    else (world.cast.officer2, "Cakra Petugas"))
    assert sorted(answers) == ["Anda mengambil PTL-000001.", f"Sudah diambil oleh {name}."]
    assert (await ticket(world.ctx, tid)).assignee_id == winner.id
    await world.card(world.field, "PTL-000001", f"Dikerjakan oleh {name}")


async def test_release_puts_accept_back_and_reopened_tickets_return(world: World) -> None:
    tid = await verified(world)
    card = await world.card(world.field, "PTL-000001")
    await world.officer.taps(card, "Ambil")
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh")
    assert (await world.officer2.taps(card, "Lepas")).text == "Laporan PTL-000001 sedang ditangani Baso Petugas."
    assert (await world.officer.taps(card, "Lepas")).text == "PTL-000001 dilepas."
    card = await world.field.wait_for(lambda m: m.message_id == card.message_id and m.button("Ambil"))
    assert "Dikerjakan oleh" not in (card.text or "")
    await world.officer2.taps(card, "Ambil")
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh Cakra Petugas")
    await world.officer2.taps(card, "Selesaikan")
    prompt = await world.field.wait_for(lambda m: m.from_bot and "foto sesudah" in (m.text or ""))
    await world.officer2.sends_photo(world.field, png(), caption="Beres", reply_to=prompt)
    await world.card(world.field, "PTL-000001", "Selesai dikerjakan")
    await report_not_fixed(world.ctx, world.cast.reporter, tid, "Masih mati")
    card = await world.card(world.field, "PTL-000001", "Status: Sedang dikerjakan")
    assert card.button("Selesaikan")
