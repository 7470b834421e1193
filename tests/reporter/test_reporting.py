"""Citizens report over WhatsApp: from one photo, fully guided, by voice note, with a typed or shared place."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.db.models import Attachment, Conversation, OutboxMessage
from tests.reporter.conftest import JPEG, OGG, Harness, has


async def test_single_photo_with_caption_becomes_a_ticket(harness: Harness) -> None:
    citizen = harness.sim.citizen("081234567890", name="Daeng Ngalle")
    await citizen.sends_image(JPEG, caption="Sampah menumpuk di depan pasar, sudah seminggu tidak diangkut")

    where = await citizen.wait_for(lambda m: m.kind == "location_request")
    assert "Kecamatan Pattallassang" in (where.text or "")  # first contact: greeted, then asked only what is missing
    await citizen.sends_text("Depan Pasar Pattallassang")
    await citizen.wait_for(lambda m: m.kind == "list" and "desa" in (m.text or ""))
    await citizen.chooses("Pattallassang")
    await citizen.wait_for(lambda m: m.kind == "buttons" and "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    summary = await citizen.wait_for(lambda m: m.kind == "buttons" and "Kirim" in m.button_titles)
    assert "Sampah" in (summary.text or "") and "Foto: 1" in (summary.text or "")
    await citizen.taps("Kirim")

    received = await citizen.wait_for(has("PTL-"))
    assert "PTL-000001" in (received.text or "") and "paling lambat hari ini pukul 11.00" in (received.text or "")
    [ticket] = await harness.tickets()
    assert (ticket.category, ticket.desa, ticket.address) == ("sampah", "Pattallassang", "Depan Pasar Pattallassang")
    await harness.settle()  # the acknowledgement is the ticket's own notification: it may beat the turn's commit
    async with harness.ctx.sessions() as session:
        [photo] = list(await session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)))
        conversation = await session.get(Conversation, (ticket.reporter_id, ticket.kecamatan))
    assert photo.kind == "photo" and photo.fetch_error is None and photo.stored_path
    assert Path(photo.stored_path).read_bytes() == JPEG and Path(photo.stored_path).name.startswith(photo.sha256 or "?")
    assert conversation is not None and conversation.step == "idle" and conversation.draft == {}


async def test_fully_guided_report_from_the_menu(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000002", name="Ibu Rahma")
    await citizen.sends_text("halo")
    menu = await citizen.wait_for(lambda m: m.kind == "buttons")
    assert menu.button_titles == ["Lapor masalah", "Tanya informasi", "Cek status"]  # WhatsApp takes three
    assert "Kecamatan Pattallassang" in (menu.text or "") and 'Ketik "bantuan"' in (menu.text or "")

    await citizen.taps("Lapor masalah")
    groups = await citizen.wait_for(lambda m: m.kind == "list")
    assert groups.row_titles == ["Lingkungan", "Infrastruktur", "Sosial & pelayanan", "Aspirasi & saran"]
    await citizen.chooses("Infrastruktur")
    await citizen.wait_for(lambda m: m.kind == "list" and "Lampu jalan" in m.row_titles)
    await citizen.chooses("Lampu jalan")
    await citizen.wait_for(has("Apa yang terjadi"))
    await citizen.sends_text("Lampu jalan mati sudah tiga malam")
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_location(-5.4531, 119.5432, name="Masjid Nurul Iman")
    photo_ask = await citizen.wait_for(lambda m: m.kind == "buttons" and "Lewati" in m.button_titles)
    assert "maks. 5" in (photo_ask.text or "")
    await citizen.sends_image(JPEG)
    await citizen.wait_for(has("Foto 1 dari 5"))
    await citizen.sends_image(JPEG + b"2")
    await citizen.wait_for(has("Foto 2 dari 5"))
    await citizen.taps("Selesai")
    await citizen.wait_for(lambda m: "Anonim" in m.button_titles)
    await citizen.taps("Anonim")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await citizen.taps("Kirim")
    await citizen.wait_for(has("PTL-000001"))

    [ticket] = await harness.tickets()
    assert (ticket.category, ticket.privacy, ticket.latitude) == ("lampu_jalan", "anonymous", -5.4531)
    async with harness.ctx.sessions() as session:
        kinds = sorted(a.kind for a in await session.scalars(select(Attachment)))
        rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "ticket.received")))
    assert kinds == ["location", "photo", "photo"]
    assert len(rows) == 1


async def test_voice_note_report(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000003")
    await citizen.sends_text("menu")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    await citizen.sends_voice(OGG)
    await citizen.wait_for(lambda m: m.kind == "list")  # the story is told; only the category is missing
    await citizen.chooses("Sosial & pelayanan")
    await citizen.wait_for(lambda m: "Pelayanan publik" in m.row_titles)
    await citizen.chooses("Pelayanan publik")  # needs no location: straight to photos
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles)
    await citizen.taps("Lewati")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Rahasia")
    summary = await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    assert "Pesan suara: 1" in (summary.text or "")
    await citizen.taps("Kirim")
    await citizen.wait_for(has("PTL-000001"))
    [ticket] = await harness.tickets()
    async with harness.ctx.sessions() as session:
        [voice] = list(await session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id)))
    assert voice.kind == "voice" and voice.size == len(OGG) and ticket.privacy == "confidential"


async def test_typed_place_needs_a_desa_shared_location_does_not(harness: Harness) -> None:
    typed = harness.sim.citizen("081300000004")
    shared = harness.sim.citizen("081300000005")
    for who in (typed, shared):
        await who.sends_text("halo")
        await who.wait_for(lambda m: m.kind == "buttons")
        await who.sends_text("Jalan rusak berlubang besar")
        await who.wait_for(lambda m: m.kind == "location_request")

    await typed.sends_text("Jl. Poros Takalar km 3, dekat SD 12")
    desa = await typed.wait_for(lambda m: m.kind == "list")
    assert len(desa.rows) == 9 and "Sombala Bella" in desa.row_titles
    await typed.chooses("Bajeng")
    await typed.wait_for(lambda m: "Lewati" in m.button_titles)

    await shared.sends_location(-5.43, 119.55)
    await shared.wait_for(lambda m: "Lewati" in m.button_titles)

    for who in (typed, shared):
        await who.taps("Lewati")
        await who.wait_for(lambda m: "Biasa" in m.button_titles)
        await who.taps("Biasa")
        await who.wait_for(lambda m: "Kirim" in m.button_titles)
        await who.taps("Kirim")
        await who.wait_for(has("PTL-"))
    by_place = {t.address: t for t in await harness.tickets()}
    assert by_place["Jl. Poros Takalar km 3, dekat SD 12"].desa == "Bajeng"
    assert by_place[""].latitude == -5.43 and by_place[""].desa is None
