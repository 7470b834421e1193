"""Bad input and abuse get a clear, friendly answer; nothing is lost; English on request."""

from __future__ import annotations

from sqlalchemy import select

from core.db.models import Attachment, Conversation, OutboxMessage
from core.notifications import queue
from tests.reporter.conftest import JPEG, Harness, has

UNSUPPORTED = "jenis pesan ini belum bisa kami proses"


async def test_stickers_reactions_contacts_and_unknown_types(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000200")
    own = await citizen.sends_text("menu")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    await citizen.sends_sticker(b"RIFF....WEBPVP8 sticker")
    await citizen.wait_for(has(UNSUPPORTED))
    await citizen.sends_reaction(own, "👍")
    await citizen.wait_for(has(UNSUPPORTED))
    await citizen.sends_contacts(("Pak RT", "081200000001"))
    await citizen.wait_for(has(UNSUPPORTED))
    await citizen._send("unsupported", {"title": "Unknown"})  # what WhatsApp sends for types it does not pass on
    answer = await citizen.wait_for(has(UNSUPPORTED))
    assert "foto, pesan suara" in (answer.text or "")


async def test_long_text_is_kept_whole_and_shown_cut(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000201")
    await citizen.sends_text("menu")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    story = "Sampah menumpuk di pinggir jalan. " * 150  # ~5,100 characters
    await citizen.sends_text(story)
    told = await citizen.wait_for(lambda m: m.kind == "location_request")
    assert "panjang sekali" in (told.text or "")
    await citizen.sends_location(-5.45, 119.54)
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles)
    await citizen.taps("Lewati")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    summary = await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    assert len(summary.text or "") < 1024 and "…" in (summary.text or "")
    await citizen.taps("Kirim")
    await citizen.wait_for(has("PTL-"))
    assert (await harness.tickets())[0].description == story.strip()


async def test_media_too_large_and_failed_download(harness: Harness) -> None:
    await harness.stop()
    await harness.start(media_limits={"document": 1000})
    citizen = harness.sim.citizen("081300000202")
    await citizen.sends_text("menu")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    await citizen.sends_document(b"%PDF-1.4 " + b"x" * 2000, "surat.pdf")
    too_big = await citizen.wait_for(has("terlalu besar"))
    assert "maks. 1 MB untuk dokumen" in (too_big.text or "")

    # an image whose id expired before the bot could fetch it
    await citizen._send("image", {"id": "1999999999999999", "mime_type": "image/jpeg", "sha256": "00",
                                  "caption": "Pohon tumbang di jalan desa"})
    failed = await citizen.wait_for(has("gagal kami unduh"))
    assert failed.kind == "location_request"
    await citizen.sends_location(-5.45, 119.54)
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await citizen.taps("Kirim")
    await citizen.wait_for(has("PTL-"))
    async with harness.ctx.sessions() as session:
        [photo] = list(await session.scalars(select(Attachment).where(Attachment.kind == "photo")))
    assert photo.fetch_error and photo.stored_path is None and photo.platform_ref == "1999999999999999"


async def test_flood_gets_one_polite_message_and_nothing_is_lost(harness: Harness) -> None:
    await harness.stop()
    await harness.start(flood_limit=3)
    citizen = harness.sim.citizen("081300000204")
    for n in range(6):
        await citizen.sends_text(f"cek {n}" if n else "menu")
    answers = [await citizen.wait_for() for _ in range(6)]  # every message answered, in order
    assert sum(1 for m in answers if "banyak sekali" in (m.text or "")) == 1
    assert answers[0].kind == "buttons" and "banyak sekali" in (answers[3].text or "")


async def test_unknown_button_shows_the_current_menu(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000205")
    await citizen.sends_text("menu")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    await citizen._send("interactive", {"type": "button_reply", "button_reply": {"id": "v0:old-menu", "title": "Lama"}})
    menu = await citizen.wait_for(lambda m: m.kind == "buttons")
    assert "sudah tidak berlaku" in (menu.text or "") and "Lapor masalah" in menu.button_titles
    await citizen._send("interactive", {"type": "button_reply", "button_reply": {"id": "sum:send", "title": "Kirim"}})
    assert "sudah tidak berlaku" in ((await citizen.wait_for(lambda m: m.kind == "buttons")).text or "")


async def test_batal_discards_a_draft(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000206")
    await citizen.sends_text("menu")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    await citizen.sends_image(JPEG, caption="Jalan rusak")
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_text("batal")
    await citizen.wait_for(has("Laporan dibatalkan"))
    async with harness.ctx.sessions() as session:
        [conversation] = list(await session.scalars(select(Conversation)))
    assert conversation.step == "idle" and conversation.draft == {} and await harness.tickets() == []


async def test_english_locale(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000207")
    await citizen.sends_text("English")
    menu = await citizen.wait_for(lambda m: m.kind == "buttons")
    assert menu.button_titles == ["Report a problem", "Ask a question", "Check status"]
    assert "we continue in English" in (menu.text or "")
    await citizen.taps("Report a problem")
    groups = await citizen.wait_for(lambda m: m.kind == "list")
    assert "Infrastructure" in groups.row_titles
    await citizen.chooses("Environment")
    await citizen.wait_for(lambda m: "Rubbish" in m.row_titles)
    await citizen.chooses("Rubbish")
    await citizen.wait_for(has("What happened"))
    await citizen.sends_text("Rubbish piling up near the market")
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_location(-5.45, 119.54)
    await citizen.wait_for(lambda m: "Skip" in m.button_titles)
    await citizen.taps("Skip")
    await citizen.wait_for(lambda m: "Anonymous" in m.button_titles)
    await citizen.taps("Normal")
    await citizen.wait_for(lambda m: "Send" in m.button_titles)
    await citizen.taps("Send")
    received = await citizen.wait_for(has("PTL-000001"))
    assert "by today at 11.00 at the latest" in (received.text or "")
    assert (await harness.citizen_row(citizen.wa_id)).locale == "en"


async def test_draft_expired_from_the_scheduler_is_rendered(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000208")
    await citizen.sends_text("menu")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    row = await harness.citizen_row(citizen.wa_id)
    async with harness.ctx.sessions.begin() as session:
        queue(session, kecamatan="pattallassang",
              channel="whatsapp", recipient=f"citizen:{row.id}", kind="draft.expired", data={},
              dedupe_key="draft-expired-1", now=harness.clock())
    await citizen.wait_for(has("kami hapus karena lama tidak dilanjutkan"))
    async with harness.ctx.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "draft.expired")))
    assert len(rows) == 1
