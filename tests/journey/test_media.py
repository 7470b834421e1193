"""Every file reaches the people it concerns, across both bots: the citizen's documents, videos, photo
and voice answers reach the desk as themselves; every photo of an officer's album reaches the citizen;
a photo that could not be downloaded is named on the desk card."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import Attachment
from core.usecases.desk import verify_ticket
from simulator.telegram import SimMessage
from tests.officer.conftest import World
from tests.reporter.conftest import JPEG, OGG, Harness, has, report
from tests.simulator.telegram_fixtures import png

PDF = b"%PDF-1.4 surat keterangan RT" + b"." * 200
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"video-jalan" * 50


async def ticket_id(harness: Harness, number: str) -> int:
    return next(t.id for t in await harness.tickets() if t.number == number)


async def test_documents_and_videos_reach_the_desk_with_the_card(world: World, harness: Harness) -> None:
    citizen = harness.sim.citizen("081355550011", name="Daeng Sikki")
    await citizen.sends_text("Lampu jalan mati di depan masjid")
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_document(PDF, "surat_daeng_sikki.pdf")
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_video(MP4)
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_location(-5.45, 119.54)
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles)
    await citizen.taps("Lewati")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    summary = await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    assert "Dokumen: 1" in (summary.text or "") and "Video: 1" in (summary.text or "")  # told they arrived
    await citizen.taps("Kirim")
    number = (await citizen.wait_for(has("PTL-"))).text.split("nomor ")[1].split(".")[0]  # type: ignore[union-attr]

    card = await world.card(world.desk, number, "Lampiran: 1 video, 1 dokumen")
    document = await world.desk.wait_for(lambda m: m.from_bot and m.document is not None)
    video = await world.desk.wait_for(lambda m: m.from_bot and m.video is not None)
    assert document.reply_to is card and document.document is not None and document.document.data == PDF
    assert (document.document.file_name or "").startswith(number) and "Sikki" not in (document.document.file_name or "")
    assert video.reply_to is card and video.video is not None and video.video.data == MP4


async def test_every_photo_of_an_officers_album_reaches_the_citizen(world: World, harness: Harness) -> None:
    citizen = harness.sim.citizen("081355550012", name="Daeng Bollo")
    number = await report(citizen)
    tid = await ticket_id(harness, number)
    await verify_ticket(world.ctx, world.cast.verifier, tid, category="lampu_jalan", desa="Bajeng")
    card = await world.card(world.field, number, "Diverifikasi")
    await world.officer.taps(card, "Ambil")
    card = await world.card(world.field, number, "Dikerjakan oleh")
    await world.officer.taps(card, "Selesaikan")
    prompt = await world.field.wait_for(lambda m: m.from_bot and "foto sesudah" in (m.text or ""))
    album = [png(shade=61), png(shade=62), png(shade=63)]
    await world.officer.sends_album(world.field, album, caption="Lampu sudah menyala", reply_to=prompt)

    proof = await citizen.wait_for(lambda m: "Sudah beres" in m.button_titles)
    assert "Lampu sudah menyala" in (proof.text or "") and proof.media == album[0]
    second = await citizen.wait_for(has("Foto 2 dari 3"))
    third = await citizen.wait_for(has("Foto 3 dari 3"))
    assert (second.kind, second.media, third.kind, third.media) == ("image", album[1], "image", album[2])
    async with world.ctx.sessions() as session:
        kept = list(await session.scalars(select(Attachment).where(
            Attachment.ticket_id == tid, Attachment.role == "proof")))
    assert len(kept) == 3


async def ask(world: World, number: str, question: str, after: int = 0) -> SimMessage:
    """The verifier asks the reporter through the desk card; the message that carries the question."""
    card = await world.card(world.desk, number)
    await world.verifier.taps(card, "Tanya pelapor")
    prompt = await world.desk.wait_for(lambda m: m.from_bot and m.message_id > after
                                       and "pertanyaan untuk pelapor" in (m.text or ""))
    return await world.verifier.replies(world.desk, prompt, question)


async def test_photo_and_voice_answers_reach_the_chat_that_asked(world: World, harness: Harness) -> None:
    citizen = harness.sim.citizen("081355550013", name="Daeng Lira")
    number = await report(citizen)
    asked = await ask(world, number, "Boleh kirim foto tiangnya?")
    await citizen.wait_for(has("Boleh kirim foto tiangnya?"))
    await citizen.sends_image(JPEG)
    await citizen.wait_for(has("jawaban Anda sudah diteruskan"))
    photo = await world.desk.wait_for(lambda m: m.from_bot and m.photo is not None and m.reply_to is asked)
    assert photo.photo is not None and photo.photo.data == JPEG
    assert f"Jawaban pelapor untuk {number}: 1 foto" in (photo.caption or "")

    asked = await ask(world, number, "Bisa jelaskan dengan pesan suara?", after=photo.message_id)
    await citizen.wait_for(has("Bisa jelaskan dengan pesan suara?"))
    await citizen.sends_voice(OGG)
    await citizen.wait_for(has("jawaban Anda sudah diteruskan"))
    voice = await world.desk.wait_for(lambda m: m.from_bot and m.voice is not None and m.reply_to is asked)
    assert voice.voice is not None and voice.voice.data == OGG
    assert f"Jawaban pelapor untuk {number}: 1 pesan suara" in (voice.caption or "")


async def test_a_photo_that_failed_to_download_is_named_on_the_desk_card(world: World, harness: Harness) -> None:
    citizen = harness.sim.citizen("081355550014", name="Daeng Tene")
    # an image whose id expired before the bot could fetch it
    await citizen._send("image", {"id": "1999999999999999", "mime_type": "image/jpeg", "sha256": "00",
                                  "caption": "Lampu jalan mati di depan masjid"})
    failed = await citizen.wait_for(has("gagal kami unduh"))
    assert "petugas diberi tahu" in (failed.text or "")
    await citizen.sends_location(-5.45, 119.54)
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await citizen.taps("Kirim")
    number = (await citizen.wait_for(has("PTL-"))).text.split("nomor ")[1].split(".")[0]  # type: ignore[union-attr]

    card = await world.card(world.desk, number, "Gagal diunduh dari WhatsApp: 1 foto")
    assert "Minta pelapor mengirim ulang lewat Tanya pelapor" in (card.text or "")
    assert card.button("Tanya pelapor") is not None  # and the desk can ask for it again
    assert "Lampiran" not in (card.text or "")  # nothing was kept to show
