"""The desk group: each report is a card; verifiers verify, reject, merge, forward and ask the citizen."""

from __future__ import annotations

import pytest

from core.domain.lifecycle import TicketState
from core.usecases.citizen import citizen_answers
from officer_bot import tap_window
from tests.core.story import report, snapshot, ticket
from tests.officer.conftest import World


async def test_verify_puts_the_ticket_in_the_field_group(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    card = await world.card(world.desk, "PTL-000001", "Lampu jalan", "Bajeng", "0812*****890")
    assert card.button("Verifikasi") and card.button("Tolak") and card.button("Duplikat")
    assert "openstreetmap.org" in str(card.entities)
    location = await world.desk.wait_for(lambda m: m.location is not None)
    assert location.reply_to is card
    answer = await world.verifier.taps(card, "Verifikasi")
    assert answer.text == "PTL-000001 diverifikasi."
    await world.card(world.desk, "PTL-000001", "Diverifikasi oleh Andi Verifikator, 09.00")
    field_card = await world.card(world.field, "PTL-000001", "Diverifikasi")
    assert field_card.button("Ambil")
    assert (await ticket(world.ctx, tid)).state == TicketState.VERIFIED
    assert ("ticket.verified", f"citizen:{world.cast.reporter.id}") in await world.whatsapp(tid)


async def test_verify_asks_for_category_and_desa_first(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter, "Ada masalah di sini", category=None, desa=None)
    card = await world.card(world.desk, "PTL-000001", "kategori belum ditentukan")
    answer = await world.verifier.taps(card, "Verifikasi")
    assert answer.text == "PTL-000001: pilih kategori."
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Sampah"))
    answer = await world.verifier.taps(menu, "Sampah")
    assert answer.text == "PTL-000001: pilih desa/kelurahan."
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Pappa"))
    assert (await ticket(world.ctx, tid)).state == TicketState.RECEIVED
    assert (await world.verifier.taps(menu, "Pappa")).text == "PTL-000001 diverifikasi."
    await world.card(world.desk, "PTL-000001", "Kategori: Sampah", "Desa/Kel.: Pappa", "Diverifikasi oleh")
    await world.card(world.field, "PTL-000001", "Sampah")


async def test_reject_with_a_listed_reason_and_with_a_typed_one(world: World) -> None:
    first = await report(world.ctx, world.cast.reporter)
    second = await report(world.ctx, world.cast.neighbour, "Jalan rusak", category="jalan_rusak", latitude=-5.3)
    card = await world.card(world.desk, "PTL-000001")
    assert (await world.verifier.taps(card, "Tolak")).text == "PTL-000001: pilih alasan penolakan."
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("Spam / bukan laporan"))
    assert (await world.verifier.taps(menu, "Spam / bukan laporan")).text.startswith("PTL-000001 ditolak")
    await world.card(world.desk, "PTL-000001", "Ditolak oleh Andi Verifikator: Spam / bukan laporan")
    assert ("ticket.rejected", f"citizen:{world.cast.reporter.id}") in await world.whatsapp(first)

    card2 = await world.card(world.desk, "PTL-000002")
    await world.verifier.taps(card2, "Tolak")
    menu = await world.desk.wait_for(lambda m: m.message_id == card2.message_id and m.button("Tulis alasan"))
    assert (await world.verifier.taps(menu, "Tulis alasan")).text == "Balas pesan yang muncul di bawah kartu."
    prompt = await world.desk.wait_for(lambda m: m.from_bot and "alasan penolakan" in (m.text or ""))
    assert prompt.reply_to is card2
    await world.verifier.replies(world.desk, prompt, "Sudah diperbaiki warga sendiri")
    await world.card(world.desk, "PTL-000002", "Ditolak oleh Andi Verifikator: Sudah diperbaiki warga sendiri")
    assert (await ticket(world.ctx, second)).reject_reason == "Sudah diperbaiki warga sendiri"
    assert [b.text for row in (await world.card(world.desk, "PTL-000002")).buttons for b in row] == []


async def test_duplicate_from_nearby_and_by_number(world: World) -> None:
    original = await report(world.ctx, world.cast.reporter)
    copy = await report(world.ctx, world.cast.neighbour, "Lampu mati dekat masjid")
    card = await world.card(world.desk, "PTL-000002", "Mungkin duplikat: PTL-000001")
    assert (await world.verifier.taps(card, "Duplikat")).text == "PTL-000002: pilih laporan aslinya."
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("PTL-000001"))
    answer = await world.verifier.taps(menu, "PTL-000001")
    assert answer.text == "PTL-000002 ditandai duplikat dari PTL-000001."
    await world.card(world.desk, "PTL-000002", "Duplikat dari PTL-000001 (oleh Andi Verifikator)")
    assert (await ticket(world.ctx, copy)).duplicate_of_id == original
    assert ("ticket.duplicate", f"citizen:{world.cast.neighbour.id}") in await world.whatsapp(copy)

    far = await report(world.ctx, world.cast.neighbour, "Lampu mati di ujung", latitude=-5.0)
    card3 = await world.card(world.desk, "PTL-000003")
    await world.verifier.taps(card3, "Duplikat")
    menu = await world.desk.wait_for(lambda m: m.message_id == card3.message_id and m.button("Nomor lain"))
    await world.verifier.taps(menu, "Nomor lain")
    prompt = await world.desk.wait_for(lambda m: m.from_bot and "nomor laporan aslinya" in (m.text or ""))
    await world.verifier.replies(world.desk, prompt, "ptl-000001")
    await world.card(world.desk, "PTL-000003", "Duplikat dari PTL-000001")
    assert (await ticket(world.ctx, far)).state == TicketState.DUPLICATE


async def test_forward_to_an_agency_with_a_reference(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    card = await world.card(world.desk, "PTL-000001")
    await world.verifier.taps(card, "Teruskan")
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button("PLN"))
    assert (await world.verifier.taps(menu, "PLN")).text == "Balas pesan yang muncul di bawah kartu."
    prompt = await world.desk.wait_for(lambda m: m.from_bot and "diteruskan ke PLN" in (m.text or ""))
    await world.verifier.replies(world.desk, prompt, "PLN-REF-77")
    await world.card(world.desk, "PTL-000001", "Diteruskan ke PLN oleh Andi Verifikator", "Referensi: PLN-REF-77")
    assert ("ticket.forwarded", f"citizen:{world.cast.reporter.id}") in await world.whatsapp(tid)


async def test_question_relayed_and_the_answer_appears_under_the_card(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    card = await world.card(world.desk, "PTL-000001")
    await world.verifier.taps(card, "Tanya pelapor")
    prompt = await world.desk.wait_for(lambda m: m.from_bot and "pertanyaan untuk pelapor" in (m.text or ""))
    question = await world.verifier.replies(world.desk, prompt, "Tiang nomor berapa?")
    await world.card(world.desk, "PTL-000001", "Ditanyakan ke pelapor: Tiang nomor berapa?")
    assert ("ticket.question", f"citizen:{world.cast.reporter.id}") in await world.whatsapp(tid)
    await citizen_answers(world.ctx, world.cast.reporter, tid, "Tiang nomor 12, depan masjid")
    answer = await world.desk.wait_for(lambda m: m.from_bot and "Tiang nomor 12" in (m.text or ""))
    assert answer.reply_to is question and answer.text.startswith("Jawaban pelapor untuk PTL-000001")
    await citizen_answers(world.ctx, world.cast.reporter, tid, "Kabelnya juga putus")  # more, unasked
    more = await world.desk.wait_for(lambda m: m.from_bot and "Kabelnya juga putus" in (m.text or ""))
    assert more.reply_to is card


async def test_unregistered_tap_changes_nothing(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    card = await world.card(world.desk, "PTL-000001")
    await world.settled()
    before = await snapshot(world.ctx, tid)
    answer = await world.stranger.taps(card, "Verifikasi")
    assert answer.text == "Anda tidak terdaftar sebagai petugas."
    officer_answer = await world.officer.taps(card, "Tolak")
    assert officer_answer.text == "Anda tidak berwenang untuk tindakan ini."
    assert await snapshot(world.ctx, tid) == before
    assert card.edit_date is None and card.button("Verifikasi")


async def test_forged_and_stale_taps_get_a_clear_answer(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    card = await world.card(world.desk, "PTL-000001")
    # Two taps at once are not ordered: the promise is one winner and one polite refusal, either way round.
    first = world.verifier.tap(card, "Verifikasi")
    second = world.verifier.tap(card, "Verifikasi")
    answers = sorted([(await first.answered()).text, (await second.answered()).text])
    assert answers == ["Laporan ini sudah diverifikasi; tidak ada yang diubah.", "PTL-000001 diverifikasi."]
    await world.settled()
    before = await snapshot(world.ctx, tid)
    for forged in ("a:999999", "v:abc", "zz:1", "rr:1:99", "v:1:2:3", "x" * 70):
        card.reply_markup = {"inline_keyboard": [[{"text": "Palsu", "callback_data": forged[:64]}]]}
        answer = await world.verifier.taps(card, "Palsu")
        assert answer.text in ("Tombol ini tidak dikenali atau sudah kedaluwarsa; tidak ada yang diubah.",
                               "Laporan tidak ditemukan.", "Data tidak valid.",
                               "Laporan ini sudah diverifikasi; tidak ada yang diubah."), (forged, answer.text)
    assert await snapshot(world.ctx, tid) == before


async def test_numbers_a_citizen_types_are_masked_on_the_desk_card(world: World) -> None:
    await report(world.ctx, world.cast.reporter, "Lampu mati. Hubungi adik saya 0813 2222 4444 atau +62 852-1111-9999",
                 address="Depan rumah Pak RT, WA 081355556666")
    card = await world.card(world.desk, "PTL-000001", "0813*****444", "0852*****999", "0813*****666")
    for raw in ("2222", "1111-9999", "55556666"):
        assert raw not in (card.text or "")


async def test_a_tap_still_being_handled_is_answered_in_time_and_still_done(world: World,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tap_window, "ANSWER_WITHIN", 0.0)  # every handling counts as slow
    tid = await report(world.ctx, world.cast.reporter)
    card = await world.card(world.desk, "PTL-000001", "Lampu jalan")
    answer = await world.verifier.taps(card, "Verifikasi")
    assert answer.text == "Sedang diproses, mohon tunggu sebentar…"
    await world.card(world.field, "PTL-000001", "Diverifikasi")  # the work is done all the same
    assert (await ticket(world.ctx, tid)).state == TicketState.VERIFIED
    assert len(world.verifier.callback_answers) == 1  # answered once: the late toast is not sent too
