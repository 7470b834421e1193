"""Files: a user's photo fetched by the bot (getFile + download), albums both ways, locations."""

from __future__ import annotations

import pytest
from telegram import InputMediaPhoto
from telegram.error import BadRequest

from tests.simulator.telegram_fixtures import png, simulator, started_bot


async def test_get_file_and_download_a_photo_the_user_sent() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        alice = sim.user("Alice")
        photo = png(8, 6, shade=42)
        await alice.sends_photo(alice.private_chat, photo, caption="got sampah")
        (update,) = await bot.get_updates()
        assert update.message is not None and update.message.caption == "got sampah"
        size = update.message.photo[-1]
        assert (size.width, size.height, size.file_size) == (8, 6, len(photo))
        file = await size.get_file()
        assert file.file_path is not None and file.file_path.endswith("photos/file_1.jpg")
        assert sim.transcript[-1]["answer"]["file_path"] == "photos/file_1.jpg"  # relative on the wire
        assert bytes(await file.download_as_bytearray()) == photo
        with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
            await bot.get_file("nope")


async def test_send_media_group_album_as_reply() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        field = sim.group("Lapangan", supergroup=True)
        card = await bot.send_message(field.id, "LC-0007")
        before, after = png(2, 2, 1), png(3, 3, 2)
        sent = await bot.send_media_group(
            field.id,
            [InputMediaPhoto(before, caption="sebelum"), InputMediaPhoto(after)],
            reply_to_message_id=card.message_id,
        )
        assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id is not None
        album = [m for m in field.messages if m.media_group_id]
        assert [m.photo_bytes for m in album] == [before, after]
        assert [m.caption for m in album] == ["sebelum", None]
        assert all(m.reply_to is not None and m.reply_to.message_id == card.message_id for m in album)
        with pytest.raises(BadRequest, match=r"(?i)must contain 2-10 items"):
            await bot.send_media_group(field.id, [InputMediaPhoto(before)])
        # a file_id the bot already knows can be sent again without uploading
        again = await bot.send_photo(field.id, sent[0].photo[-1].file_id)
        assert field.get(again.message_id).photo_bytes == before  # type: ignore[union-attr]


async def test_user_album_as_reply_reaches_the_bot_as_separate_updates() -> None:
    async with simulator() as sim, started_bot(sim) as bot:
        field = sim.group("Lapangan")
        officer = sim.user("Petugas")
        card = await bot.send_message(field.id, "LC-0007")
        photos = [png(2, 2, n) for n in range(3)]
        await officer.sends_album(field, photos, caption="sudah bersih", reply_to=field.get(card.message_id))
        updates = await bot.get_updates()
        messages = [u.message for u in updates if u.message]
        assert len(messages) == 3 and len({m.media_group_id for m in messages}) == 1
        assert [m.caption for m in messages] == ["sudah bersih", None, None]
        downloaded = [bytes(await (await m.photo[-1].get_file()).download_as_bytearray()) for m in messages]
        assert downloaded == photos


async def test_location_voice_document_and_chat_action() -> None:
    async with simulator(per_private_per_second=None) as sim, started_bot(sim) as bot:
        alice = sim.user("Alice")
        chat = alice.private_chat
        await alice.shares_location(chat, -5.2, 119.5)
        await alice.sends_voice(chat, b"OggS-voice", duration=4)
        await alice.sends_document(chat, b"%PDF-1.4", "laporan.pdf")
        loc, voice, doc = [u.message for u in await bot.get_updates() if u.message]
        assert loc.location is not None and (loc.location.latitude, loc.location.longitude) == (-5.2, 119.5)
        assert voice.voice is not None and voice.voice.mime_type == "audio/ogg"
        assert doc.document is not None and doc.document.file_name == "laporan.pdf"
        assert await bot.send_chat_action(chat.id, "typing")
        with pytest.raises(BadRequest):
            await bot.send_chat_action(chat.id, "dancing")
        sent = await bot.send_location(chat.id, -5.21, 119.52)
        assert sent.location is not None
        await bot.send_voice(chat.id, b"OggS-reply", duration=2)
        await bot.send_document(chat.id, b"%PDF-1.4 rekap", filename="rekap.pdf", caption="Rekap")
        shown = chat.bot_messages
        assert shown[1].voice is not None and shown[1].voice.data == b"OggS-reply"
        assert shown[2].document is not None and shown[2].document.file_name == "rekap.pdf"
        assert sim.chat_actions == [(chat.id, "typing")]
