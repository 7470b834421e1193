"""Updates reach the reporter and followers, rendered from core's outbox rows; the fix is confirmed and rated."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.db.models import Follower, Ticket
from core.domain.lifecycle import Role
from core.domain.people import Actor
from core.domain.reports import AttachmentKind, NewAttachment
from core.usecases.desk import ask_citizen, forward_ticket, mark_duplicate, reject_ticket, verify_ticket
from core.usecases.field import accept_ticket, add_progress, resolve_ticket
from core.usecases.oversight import auto_close_ticket
from core.usecases.staff import add_staff
from tests.reporter.conftest import JPEG, Harness, has, report


async def staff(harness: Harness) -> tuple[Actor, Actor]:
    desk = await add_staff(harness.ctx, 1001, "Andi Verifikator", frozenset({Role.VERIFIER}))
    field = await add_staff(harness.ctx, 2001, "Baso Petugas", frozenset({Role.OFFICER}))
    return (Actor.staff(desk.id, desk.name, frozenset({Role.VERIFIER})),
            Actor.staff(field.id, field.name, frozenset({Role.OFFICER})))


async def ticket_id(harness: Harness, number: str) -> int:
    async with harness.ctx.sessions() as session:
        found = await session.scalar(select(Ticket.id).where(Ticket.number == number))
        assert found is not None
        return found


def proof_photo(harness: Harness) -> NewAttachment:
    path = Path(harness.settings.media_dir) / "proof.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(JPEG)
    return NewAttachment(AttachmentKind.PHOTO, "telegram", "file-1", mime="image/jpeg", stored_path=str(path))


async def test_every_step_reaches_the_reporter_and_the_follower(harness: Harness) -> None:
    desk, officer = await staff(harness)
    citizen = harness.sim.citizen("081234567890", name="Daeng")
    neighbour = harness.sim.citizen("081311112222", name="Tetangga")
    number = await report(citizen)

    await neighbour.sends_text("Lampu jalan mati, gelap sekali")
    await neighbour.wait_for(lambda m: m.kind == "location_request")
    await neighbour.sends_location(-5.4502, 119.5401)  # 25 m away
    await neighbour.wait_for(lambda m: "Lewati" in m.button_titles)
    await neighbour.taps("Lewati")
    await neighbour.wait_for(lambda m: "Biasa" in m.button_titles)
    await neighbour.taps("Biasa")
    await neighbour.wait_for(lambda m: "Kirim" in m.button_titles)
    await neighbour.taps("Kirim")
    offer = await neighbour.wait_for(lambda m: "Ikut pantau" in m.button_titles)
    assert f"Laporan serupa {number} sudah ada" in (offer.text or "")
    await neighbour.taps("Ikut pantau")
    await neighbour.wait_for(has(f"Anda sekarang memantau {number}"))

    tid = await ticket_id(harness, number)
    await verify_ticket(harness.ctx, desk, tid, desa="Bajeng")
    for who in (citizen, neighbour):
        assert "diverifikasi" in (await who.wait_for(has(number))).text  # type: ignore[operator]
    await accept_ticket(harness.ctx, officer, tid)
    for who in (citizen, neighbour):
        accepted = await who.wait_for(has("sedang dikerjakan"))
        assert "petugas Baso." in (accepted.text or "") and "Petugas" not in (accepted.text or "").split("Baso")[1]
    await add_progress(harness.ctx, officer, tid, "Kabel sudah dicek, lampu dipesan")
    await citizen.wait_for(has("Perkembangan laporan"))
    await resolve_ticket(harness.ctx, officer, tid, "Lampu sudah diganti", (proof_photo(harness),))
    resolved = await citizen.wait_for(lambda m: "Sudah beres" in m.button_titles)
    assert resolved.raw["interactive"]["header"]["type"] == "image" and "Lampu sudah diganti" in (resolved.text or "")
    follower_view = await neighbour.wait_for(has("selesai dikerjakan"))
    assert follower_view.buttons == []  # only the reporter confirms

    await citizen.taps("Belum beres")
    await citizen.wait_for(has("dibuka lagi"))
    await neighbour.wait_for(has("dibuka lagi"))
    await resolve_ticket(harness.ctx, officer, tid, "Sudah diganti lagi, sekarang menyala", (proof_photo(harness),))
    await citizen.wait_for(lambda m: "Sudah beres" in m.button_titles)
    await citizen.taps("Sudah beres")
    rating = await citizen.wait_for(lambda m: m.kind == "list")
    assert rating.row_titles[0] == "5 — Sangat puas" and len(rating.rows) == 5
    await neighbour.wait_for(has("ditutup"))
    await citizen.chooses("5 — Sangat puas")
    await citizen.wait_for(has("nilai 5"))
    assert (await harness.tickets())[0].rating == 5


async def test_rejected_duplicate_forwarded_question_and_auto_close(harness: Harness) -> None:
    desk, _officer = await staff(harness)
    one, two, three = (harness.sim.citizen(f"0813555500{n}") for n in (1, 2, 3))
    first = await report(one, "Sampah menumpuk di pasar", -5.40, 119.50)
    second = await report(two, "Sampah di pasar tidak diangkut", -5.30, 119.40)
    third = await report(three, "Jalan rusak parah dekat sekolah", -5.20, 119.30)

    await reject_ticket(harness.ctx, desk, await ticket_id(harness, first), "Lokasi di luar kecamatan")
    assert "Lokasi di luar kecamatan" in ((await one.wait_for(has("tidak dapat kami proses"))).text or "")
    await mark_duplicate(harness.ctx, desk, await ticket_id(harness, second), await ticket_id(harness, third))
    assert f"ikut memantau {third}" in ((await two.wait_for(has("sama dengan"))).text or "")
    tid = await ticket_id(harness, third)
    await ask_citizen(harness.ctx, desk, tid, "Berapa lebar lubangnya?")
    question = await three.wait_for(has("Pertanyaan petugas"))
    assert "Berapa lebar lubangnya?" in (question.text or "")
    await three.sends_text("Kira-kira dua meter")
    await three.wait_for(has("jawaban Anda sudah diteruskan"))
    await forward_ticket(harness.ctx, desk, tid, "dinas_pu", "PU-77")
    for who in (two, three):
        assert "Nomor rujukan: PU-77" in ((await who.wait_for(has("Dinas PU"))).text or "")
    async with harness.ctx.sessions() as session:
        assert await session.get(Follower, (tid, (await harness.citizen_row(two.wa_id)).id)) is not None

    tk = await ticket_id(harness, first)
    async with harness.ctx.sessions.begin() as session:
        row = await session.get(Ticket, tk)
        assert row is not None
        row.state = "resolved"
    await auto_close_ticket(harness.ctx, Actor.system(), tk)
    await one.wait_for(has("ditutup otomatis"))


async def test_status_and_cancel(harness: Harness) -> None:
    desk, _officer = await staff(harness)
    citizen = harness.sim.citizen("081300000070")
    stranger = harness.sim.citizen("081300000071")
    number = await report(citizen)
    await citizen.sends_text("cek")
    listing = await citizen.wait_for(has("sedang berjalan"))
    assert f"{number} — Lampu jalan: Diterima" in (listing.text or "")
    await citizen.sends_text(f"status {number.lower()}")
    detail = await citizen.wait_for(has("Status: Diterima"))
    assert "Pembaruan terakhir: hari ini pukul 09.00" in (detail.text or "")
    await stranger.sends_text(f"status {number}")
    assert (await stranger.wait_for()).text == "Laporan tidak ditemukan."  # not theirs: nothing shown

    await ask_citizen(harness.ctx, desk, await ticket_id(harness, number), "Tiang nomor berapa?")
    await citizen.wait_for(has("Tiang nomor berapa?"))
    await citizen.sends_text(f"status {number}")
    assert "Catatan petugas: Tiang nomor berapa?" in ((await citizen.wait_for(has("Status:"))).text or "")

    await citizen.sends_text("batal")
    await citizen.wait_for(lambda m: "Ya, batalkan" in m.button_titles)
    await citizen.taps("Tidak")
    await citizen.wait_for(has("tetap berjalan"))
    await citizen.sends_text(f"batal {number}")
    await citizen.wait_for(lambda m: "Ya, batalkan" in m.button_titles)
    await citizen.taps("Ya, batalkan")
    await citizen.wait_for(has("sudah dibatalkan"))
    assert (await harness.tickets())[0].state == "cancelled"


async def test_cancel_refused_once_work_started(harness: Harness) -> None:
    desk, officer = await staff(harness)
    citizen = harness.sim.citizen("081300000080")
    number = await report(citizen)
    tid = await ticket_id(harness, number)
    await citizen.sends_text("batal")
    await citizen.wait_for(lambda m: "Ya, batalkan" in m.button_titles)
    await verify_ticket(harness.ctx, desk, tid, desa="Bajeng")
    await accept_ticket(harness.ctx, officer, tid)
    await citizen.wait_for(has("sedang dikerjakan"))
    await citizen.taps("Ya, batalkan")
    refused = await citizen.wait_for(has("tidak ada yang diubah"))
    assert refused.text == "Laporan ini sedang dikerjakan; tidak ada yang diubah."
    assert (await harness.tickets())[0].state == "in_progress"


async def test_more_messages_after_submit_reach_the_ticket(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000090")
    number = await report(citizen)
    await citizen.sends_image(JPEG, caption="Ini foto tambahan")
    pick = await citizen.wait_for(lambda m: m.kind == "buttons")
    assert pick.button_titles == [number, "Laporan baru"]
    await citizen.taps(number)
    await citizen.wait_for(has(f"diteruskan ke petugas untuk {number}"))
    async with harness.ctx.sessions() as session:
        from core.db.models import TicketEvent

        event = await session.scalar(select(TicketEvent).where(TicketEvent.action == "citizen_answers"))
    assert event is not None and event.data["text"] == "Ini foto tambahan" and len(event.data["attachment_ids"]) == 1
