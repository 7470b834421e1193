"""Reports that are not field work, across both bots: an aspiration ends with the outcome the desk records
(no field card, no after-photo) and the citizen's rating; a question is answered by the desk and the citizen
says it answered them, or asks again and it goes back to the desk."""

from __future__ import annotations

from typing import Any

from core.domain.lifecycle import TicketState
from core.musrenbang import planning_years
from tests.core.story import ticket
from tests.officer.conftest import World
from tests.reporter.conftest import Harness, has


async def through_the_menu(citizen: Any, story: str, category: str) -> str:
    """A report of the Aspirasi & saran group, its category picked from the list; its number."""
    await citizen.sends_text(story)
    await citizen.wait_for(lambda m: m.kind == "list" and "Aspirasi & saran" in m.row_titles)
    await citizen.chooses("Aspirasi & saran")
    await citizen.wait_for(lambda m: category in m.row_titles)
    await citizen.chooses(category)
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)  # no place and no photo asked
    await citizen.taps("Biasa")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await citizen.taps("Kirim")
    received = await citizen.wait_for(has("PTL-"))
    return next(w for w in (received.text or "").replace(".", " ").split() if w.startswith("PTL-"))


async def test_an_aspiration_is_noted_for_the_musrenbang_and_rated(world: World, harness: Harness) -> None:
    citizen = harness.sim.citizen("081355550061", name="Daeng Sila")
    number = await through_the_menu(citizen, "Usul dibangun posyandu baru di Dusun Bontoa", "Saran & masukan")
    card = await world.card(world.desk, number, "Aspirasi")
    assert card.button("Catat hasil") and not card.button("Verifikasi")  # not field work

    await world.verifier.taps(card, "Catat hasil")
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button(
        "Dicatat untuk Musrenbang desa") is not None)
    year = world.ctx.now().astimezone(world.ctx.profile.zone).year + 1
    await world.verifier.taps(menu, "Dicatat untuk Musrenbang desa")
    years = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button(str(year)) is not None)
    assert [b.text for b in years.buttons[0]] == [str(y) for y in planning_years(world.ctx)]  # the one rule
    answer = await world.verifier.taps(years, str(year))
    assert answer.text == f"Hasil aspirasi {number} dicatat; pelapor diberi tahu."

    told = await citizen.wait_for(has("Musrenbang desa"))
    assert (told.text or "").startswith(
        f"Aspirasi {number} sudah dicatat untuk dibahas di Musrenbang desa tahun {year}")
    assert "Seberapa puas" in (told.text or "") and told.kind == "list"  # and asked to rate, in the same message
    await citizen.chooses(told.row_titles[0])
    await citizen.wait_for(has("Terima kasih atas nilai 5"))
    await world.card(world.desk, number, "Status: Ditutup")
    found = await ticket(world.ctx, (await harness.tickets())[0].id)
    assert found.state == TicketState.CLOSED.value and found.rating == 5
    await world.settled()
    assert not [m for m in world.field.bot_messages if number in (m.text or "")]  # the field never saw it



async def test_a_declined_aspiration_is_told_in_its_own_words_and_rated(world: World, harness: Harness) -> None:
    """The desk's Tolak on an aspiration: the citizen hears that their aspiration is not taken further and why
    (not a complaint's "cannot process"), and is asked to rate, as after every outcome."""
    citizen = harness.sim.citizen("081355550064", name="Daeng Bau")
    number = await through_the_menu(citizen, "Usul lapangan futsal di atas lahan sawah produktif", "Aspirasi")
    card = await world.card(world.desk, number, "Aspirasi")
    await world.verifier.taps(card, "Tolak")
    menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and m.button(
        "Bukan wewenang kecamatan") is not None)
    assert (await world.verifier.taps(menu, "Bukan wewenang kecamatan")).text.startswith(f"{number} ditolak")

    told = await citizen.wait_for(has("belum dapat kami tindak lanjuti"))
    assert (told.text or "").startswith(
        f"Aspirasi Anda {number} belum dapat kami tindak lanjuti: Bukan wewenang kecamatan.")
    assert "tidak dapat kami proses" not in (told.text or "")
    assert "Seberapa puas" in (told.text or "") and told.kind == "list"
    await citizen.chooses(told.row_titles[1])  # four stars
    await citizen.wait_for(has("Terima kasih atas nilai 4"))
    found = await ticket(world.ctx, (await harness.tickets())[0].id)
    assert found.state == TicketState.REJECTED.value and found.rating == 4
    await world.settled()
    assert not [m for m in world.field.bot_messages if number in (m.text or "")]  # the field never saw it

async def test_a_question_is_answered_asked_again_and_confirmed(world: World, harness: Harness) -> None:
    citizen = harness.sim.citizen("081355550062", name="Daeng Rannu")
    number = await through_the_menu(citizen, "Kapan jadwal pelayanan KTP keliling di Bajeng?", "Tanya informasi")
    card = await world.card(world.desk, number, "Informasi")
    assert card.button("Jawab") and not card.button("Verifikasi")

    await world.verifier.taps(card, "Jawab")
    prompt = await world.desk.wait_for(lambda m: m.from_bot and "jawaban untuk pelapor" in (m.text or ""))
    await world.verifier.sends(world.desk, "Setiap Senin pukul 09.00 di kantor desa", reply_to=prompt)
    answered = await citizen.wait_for(lambda m: "Sudah terjawab" in m.button_titles)
    assert "Setiap Senin pukul 09.00 di kantor desa" in (answered.text or "")
    assert answered.button_titles == ["Sudah terjawab", "Tanya lagi"]

    await citizen.taps("Tanya lagi")  # back to the desk, which may answer again
    await citizen.wait_for(has("kembalikan ke meja kecamatan"))
    card = await world.card(world.desk, number, "Status: Diterima")
    assert card.button("Jawab")
    await world.verifier.taps(card, "Jawab")
    prompt = await world.desk.wait_for(lambda m: m.from_bot and "jawaban untuk pelapor" in (m.text or "")
                                       and m.message_id != prompt.message_id)
    await world.verifier.sends(world.desk, "Bawa KK dan surat pengantar RT", reply_to=prompt)
    await citizen.wait_for(lambda m: "Bawa KK" in (m.text or "") and "Sudah terjawab" in m.button_titles)
    await citizen.taps("Sudah terjawab")
    await citizen.wait_for(has("Seberapa puas"))
    await world.card(world.desk, number, "Status: Ditutup")


SCHEDULE = b"%PDF-1.4 jadwal KTP keliling" + b"." * 300


async def test_a_question_from_the_menu_is_answered_with_a_document_alone(world: World, harness: Harness) -> None:
    """"Tanya informasi" on the menu starts a question (no category list, no place, no photo); the desk answers
    with a PDF and no words; the citizen gets the answer with its two buttons, then the PDF as a document."""
    citizen = harness.sim.citizen("081355550063", name="Daeng Tiro")
    await citizen.sends_text("halo")
    await citizen.wait_for(lambda m: "Tanya informasi" in m.button_titles)
    await citizen.taps("Tanya informasi")
    asked = await citizen.wait_for(has("Apa yang ingin Anda tanyakan?"))
    assert asked.kind == "text"
    await citizen.sends_text("Kapan jadwal KTP keliling di Bajeng?")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    summary = await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    assert "Tanya informasi" in (summary.text or "")
    await citizen.taps("Kirim")
    received = await citizen.wait_for(has("PTL-"))
    number = next(w for w in (received.text or "").replace(".", " ").split() if w.startswith("PTL-"))
    assert (await harness.tickets())[0].category == "informasi"

    card = await world.card(world.desk, number, "Informasi")
    await world.verifier.taps(card, "Jawab")
    prompt = await world.desk.wait_for(lambda m: m.from_bot and "jawaban untuk pelapor" in (m.text or ""))
    await world.verifier.sends_document(world.desk, SCHEDULE, "jadwal.pdf", reply_to=prompt)
    answered = await citizen.wait_for(lambda m: "Sudah terjawab" in m.button_titles)
    assert answered.text == (f"Jawaban untuk pertanyaan {number}:\n(lihat lampiran berikut)\n"
                             "Apakah ini sudah menjawab pertanyaan Anda?")
    document = await citizen.wait_for(lambda m: m.kind == "document")
    assert document.media == SCHEDULE and document.filename == f"{number}-1.pdf"
    assert document.text == f"Lampiran jawaban · {number}" and document.mime_type == "application/pdf"
    await citizen.taps("Sudah terjawab")
    await citizen.wait_for(has("Seberapa puas"))
