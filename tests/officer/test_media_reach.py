"""Files reach the people they concern: an officer's album is one progress with every photo; a citizen's
file too large for a bot to upload is named on the desk card instead of silently missing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.context import Context
from core.db.models import Attachment, InboxUpdate, OutboxMessage, TicketEvent
from core.domain.reports import AttachmentKind, NewAttachment
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from tests.core.story import report
from tests.officer.conftest import World, bot_for, until
from tests.simulator.telegram_fixtures import png

MB = 1024 * 1024


async def test_an_album_reply_to_a_field_card_is_one_progress_with_every_photo(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    card = await world.card(world.field, "PTL-000001", "Diverifikasi")
    await world.officer.taps(card, "Ambil")
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh")
    album = [png(shade=11), png(shade=12), png(shade=13)]
    await world.officer.sends_album(world.field, album, caption="Sedang ganti bohlam", reply_to=card)
    await world.card(world.field, "PTL-000001", "Progres terakhir: Sedang ganti bohlam")
    await world.settled()

    async with world.ctx.sessions() as session:
        events = list(await session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == tid, TicketEvent.action == "add_progress")))
        photos = list(await session.scalars(select(Attachment).where(
            Attachment.ticket_id == tid, Attachment.role == "progress").order_by(Attachment.id)))
        told = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.channel == "whatsapp", OutboxMessage.kind == "ticket.progress")))
    assert len(events) == 1 and events[0].data["attachment_ids"] == [p.id for p in photos]
    assert [(world.media_dir / (p.stored_path or "")).read_bytes() for p in photos] == album
    assert [len(row.data["attachment_ids"]) for row in told] == [3]  # the citizen's notification carries all


async def taken_up(ctx: Context, chat_id: int, count: int) -> bool:
    """Whether `count` updates from the chat are claimed for handling and not finished yet."""
    async with ctx.sessions() as session:
        rows = list(await session.scalars(select(InboxUpdate).where(
            InboxUpdate.platform == "telegram", InboxUpdate.external_id.startswith(f"m:{chat_id}:"),
            InboxUpdate.attempts == 1, InboxUpdate.processed_at.is_(None))))
    return len(rows) == count


async def test_an_album_cut_short_by_a_stop_is_handled_whole_after_the_restart(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    await accept_ticket(world.ctx, world.cast.officer, tid)
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh")
    world.bot.deps.albums.quiet = 60  # still gathering when the bot stops
    album = [png(shade=21), png(shade=22), png(shade=23)]
    await world.officer.sends_album(world.field, album, caption="Tiang diperbaiki", reply_to=card)
    await until(world.ctx, lambda: taken_up(world.ctx, world.field.id, 3))
    await world.bot.stop()

    restarted = bot_for(world.ctx, world.sim, world.media_dir)
    await restarted.start()  # the album's updates were never finished: replayed and gathered again
    try:
        await world.card(world.field, "PTL-000001", "Progres terakhir: Tiang diperbaiki")
        async with world.ctx.sessions() as session:
            events = list(await session.scalars(select(TicketEvent).where(
                TicketEvent.ticket_id == tid, TicketEvent.action == "add_progress")))
        assert len(events) == 1 and len(events[0].data["attachment_ids"]) == 3
    finally:
        await restarted.stop()


async def test_a_file_too_large_for_a_bot_to_upload_is_named_on_the_desk_card(world: World, tmp_path: Path) -> None:
    small, large = tmp_path / "small.pdf", tmp_path / "large.pdf"
    small.write_bytes(b"%PDF-1.4 kecil")
    large.write_bytes(b"%PDF-1.4 besar")  # its recorded size is what WhatsApp said: 60 MB
    files = (NewAttachment(AttachmentKind.DOCUMENT, "whatsapp", "1001", mime="application/pdf", size=14,
                           stored_path=str(small)),
             NewAttachment(AttachmentKind.DOCUMENT, "whatsapp", "1002", mime="application/pdf", size=60 * MB,
                           stored_path=str(large)))
    await report(world.ctx, world.cast.reporter, attachments=files)

    card = await world.card(world.desk, "PTL-000001", "Lampiran: 2 dokumen")
    assert "Terlalu besar untuk dikirim ke Telegram (maks. 50 MB), tersimpan di server: 1 dokumen" in (card.text or "")
    await world.settled()
    sent = [m for m in world.desk.bot_messages if m.document is not None]
    assert [(m.document.data, m.document.file_name, m.reply_to) for m in sent if m.document] == [
        (b"%PDF-1.4 kecil", "PTL-000001-1.pdf", card)]
