"""A case's page: its story, timeline, files, clock and masked reporter; the viewer's actions, taken from the
lifecycle and carried out by the same use cases as the Telegram buttons, behind CSRF; files only for its kecamatan."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select
from starlette.applications import Starlette

from console import console_routes
from core.context import Context
from core.db.models import OutboxMessage, TicketEvent
from core.domain.lifecycle import Role, TicketState
from core.domain.reports import AttachmentKind, NewAttachment, NewReport, Privacy
from core.images import CITIZEN_IMAGE_MAX, PAIR_BAND, PAIR_SIDE
from core.settings import Settings
from core.usecases import citizen
from core.usecases.desk import answer_info, forward_ticket, verify_ticket
from core.usecases.field import accept_ticket, resolve_ticket
from core.usecases.staff import add_staff
from tests.conftest import in_takalar
from tests.console.conftest import csrf_in, sign_in
from tests.core.story import cast, report, ticket

VERIFIER, OFFICER, CAMAT = 1001, 2001, 3001
RED, GREEN = (200, 20, 20), (20, 180, 40)
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64 + b"\xff\xd9"


@asynccontextmanager
async def browser(ctx: Context, media: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(_env_file=None, console_url="https://konsol.test", media_dir=media)  # type: ignore[call-arg]
    app = Starlette(routes=console_routes(ctx, settings))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://konsol.test") as client:
        yield client


@pytest.fixture
def home(ctx: Context) -> Context:
    return in_takalar(ctx)


@pytest.fixture
def media(tmp_path: Path) -> Path:
    (tmp_path / "ab").mkdir()
    (tmp_path / "ab" / "photo.jpg").write_bytes(JPEG)
    (tmp_path / "ab" / "note.ogg").write_bytes(b"OggS" + b"0" * 32)
    return tmp_path


async def photo_report(ctx: Context, who: object, media: Path, privacy: Privacy = Privacy.NORMAL) -> str:
    files = (NewAttachment(AttachmentKind.PHOTO, "whatsapp", "111", caption="lubang, telp 081234567890",
                           mime="image/jpeg", stored_path=str(media / "ab" / "photo.jpg")),
             NewAttachment(AttachmentKind.VOICE, "whatsapp", "112", mime="audio/ogg",
                           stored_path=str(media / "ab" / "note.ogg")),
             NewAttachment(AttachmentKind.DOCUMENT, "whatsapp", "113", mime="application/pdf"))
    done = await citizen.submit_ticket(ctx, who, NewReport(  # type: ignore[arg-type]
        description="Jalan berlubang di depan SD, hubungi 081234567890", category="jalan_rusak", desa="Bajeng",
        latitude=-5.41, longitude=119.6, address="Jl. Poros Bajeng", privacy=privacy, attachments=files))
    return done.number


async def test_the_page_shows_the_story_files_clock_and_a_masked_reporter(ctx: Context, media: Path) -> None:
    people = await cast(ctx)
    number = await photo_report(ctx, people.reporter, media)
    async with browser(ctx, media) as phone:
        await sign_in(phone, ctx, VERIFIER)
        page = await phone.get(f"/konsol/kasus/{number}")
        assert page.status_code == 200, page.text
        body = page.text
        assert "Jalan berlubang di depan SD" in body and "Jl. Poros Bajeng" in body
        assert "081234567890" not in body and "Daeng Ngalle" not in body and "1234567890" not in body
        assert "<dt>Pelapor</dt><dd>0812*****890</dd>" in body  # the masked number of a normal report
        assert "dilaporkan" in body and "Tenggat tahap ini" in body and "sisa " in body
        assert "openstreetmap.org" in body
        drawn = body[body.index('<svg class="map"'):body.index("</svg>")]  # its point, drawn offline by the server
        assert f'<a href="/konsol/kasus/{number}"><circle class="point"' in drawn
        assert "<image" not in drawn
        photos = [f"/konsol/kasus/{number}/lampiran/{n}" for n in (1, 2)]
        assert f'<img src="{photos[0]}"' in body and f'<audio controls preload="none" src="{photos[1]}"' in body
        assert "Berkas tidak tersimpan di server." in body  # the document never arrived
        for action in ("Verifikasi", "Tolak", "Teruskan ke instansi", "Tanya pelapor"):
            assert f"<summary>{action}</summary>" in body
        assert "<summary>Tutup kasus</summary>" not in body  # the desk does not close a case

        image = await phone.get(photos[0])
        assert image.status_code == 200 and image.content == JPEG
        assert image.headers["content-type"] == "image/jpeg"
        assert "sandbox" in image.headers["content-security-policy"]
        assert (await phone.get(f"/konsol/kasus/{number}/lampiran/3")).status_code == 404  # not stored
        assert (await phone.get(f"/konsol/kasus/{number}/lampiran/99")).status_code == 404


async def test_an_anonymous_reporter_is_not_shown(ctx: Context, media: Path) -> None:
    people = await cast(ctx)
    number = await photo_report(ctx, people.reporter, media, Privacy.ANONYMOUS)
    async with browser(ctx, media) as phone:
        await sign_in(phone, ctx, VERIFIER)
        body = (await phone.get(f"/konsol/kasus/{number}")).text
    assert "<dt>Pelapor</dt><dd>tidak ditampilkan (anonim/rahasia)</dd>" in body


async def test_only_the_desk_camat_and_admins_read_the_reporter(ctx: Context, media: Path) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter)  # no number in the story: the reporter line is the only place one shows
    for telegram_id, shown in ((OFFICER, False), (9201, False), (CAMAT, True), (9001, True), (VERIFIER, True)):
        async with browser(ctx, media) as phone:
            await sign_in(phone, ctx, telegram_id)
            body = (await phone.get("/konsol/kasus/PTL-000001")).text
        if shown:
            assert "<dt>Pelapor</dt><dd>0812*****890</dd>" in body, telegram_id
        else:  # a field officer, the Inspektorat: as the field's card, nothing of the person
            assert "<dt>Pelapor</dt><dd>tidak ditampilkan untuk peran Anda</dd>" in body, telegram_id
            assert "0812*****890" not in body and "Daeng Ngalle" not in body


async def test_the_desks_answer_files_and_the_agencys_name_are_shown(home: Context, media: Path) -> None:
    people = await cast(home)
    question = await citizen.submit_ticket(home, people.reporter, NewReport(
        description="Kapan KTP keliling?", category="informasi", desa="Bajeng"))
    await answer_info(home, people.verifier, question.ticket_id, "Jadwalnya terlampir", (
        NewAttachment(AttachmentKind.PHOTO, "telegram", "f9", caption="jadwal", mime="image/jpeg",
                      stored_path=str(media / "ab" / "photo.jpg")),))
    cable = await report(home, people.reporter, "Kabel listrik putus")
    await forward_ticket(home, people.verifier, cable, "pln", "PLN-77")
    async with browser(home, media) as desk:
        await sign_in(desk, home, VERIFIER)
        answered = (await desk.get(f"/konsol/kasus/{question.number}")).text
        forwarded = (await desk.get("/konsol/kasus/PTL-000002")).text
        english = (await desk.get(f"/konsol/kasus/{question.number}?lang=en")).text
    assert "<h3>Dari meja (lampiran jawaban)</h3>" in answered
    assert f'<img src="/konsol/kasus/{question.number}/lampiran/1"' in answered and "<figcaption>jadwal" in answered
    assert "<h3>From the desk (attached to its answer)</h3>" in english
    assert "<dt>Instansi</dt><dd>PLN ULP Takalar</dd>" in forwarded and "<dd>pln</dd>" not in forwarded


async def test_the_desk_verifies_from_the_page_and_the_field_hears_of_it(ctx: Context, media: Path) -> None:
    people = await cast(ctx)
    ticket_id = await report(ctx, people.reporter, desa=None)
    async with browser(ctx, media) as desk:
        await sign_in(desk, ctx, VERIFIER)
        page = await desk.get("/konsol/kasus/PTL-000001")
        forged = await desk.post("/konsol/kasus/PTL-000001/verifikasi",
                                 data={"csrf": "wrong", "kategori": "lampu_jalan", "desa": "Bajeng"})
        assert forged.status_code == 403
        assert (await ticket(ctx, ticket_id)).state == TicketState.RECEIVED.value

        unknown = await desk.post("/konsol/kasus/PTL-000001/verifikasi",
                                  data={"csrf": csrf_in(page), "kategori": "lampu_jalan", "desa": "Atlantis"})
        assert unknown.status_code == 409 and "Data tidak valid." in unknown.text
        assert (await ticket(ctx, ticket_id)).state == TicketState.RECEIVED.value

        cards_before = await _telegram_rows(ctx)
        done = await desk.post("/konsol/kasus/PTL-000001/verifikasi",
                               data={"csrf": csrf_in(page), "kategori": "lampu_jalan", "desa": "Pappa"})
        assert done.status_code == 303 and done.headers["location"] == "/konsol/kasus/PTL-000001?selesai=verifikasi"
        verified = await ticket(ctx, ticket_id)
        assert verified.state == TicketState.VERIFIED.value and verified.desa == "Pappa"
        assert await _telegram_rows(ctx) == cards_before + 1  # the card's change, for the desk and the field
        async with ctx.sessions() as session:
            by = await session.scalar(select(TicketEvent.actor_id).where(TicketEvent.action == "verify"))
        assert by == people.verifier.id

        after = await desk.get(done.headers["location"])
        assert "Kasus diverifikasi" in after.text and "<summary>Verifikasi</summary>" not in after.text
        again = await desk.post("/konsol/kasus/PTL-000001/verifikasi",
                                data={"csrf": csrf_in(page), "kategori": "lampu_jalan", "desa": "Pappa"})
        assert again.status_code == 409 and 'role="alert"' in again.text  # refused: it is no longer waiting


async def test_the_camat_extends_and_closes_and_an_officer_gets_no_desk_actions(ctx: Context, media: Path) -> None:
    people = await cast(ctx)
    ticket_id = await report(ctx, people.reporter)
    await verify_ticket(ctx, people.verifier, ticket_id)
    async with browser(ctx, media) as officer:
        await sign_in(officer, ctx, OFFICER)
        body = (await officer.get("/konsol/kasus/PTL-000001")).text
        assert "<summary>Verifikasi</summary>" not in body and "<summary>Tutup kasus</summary>" not in body
        refused = await officer.post("/konsol/kasus/PTL-000001/tutup", data={"csrf": csrf_in(
            await officer.get("/konsol/kasus/PTL-000001")), "alasan": "selesai"})
        assert refused.status_code == 409
        assert (await ticket(ctx, ticket_id)).state == TicketState.VERIFIED.value
    async with browser(ctx, media) as camat:
        await sign_in(camat, ctx, CAMAT)
        page = await camat.get("/konsol/kasus/PTL-000001")
        assert "<summary>Tugaskan ulang</summary>" in page.text and "Baso Petugas · 0" in page.text
        deadline = (await ticket(ctx, ticket_id)).stage_deadline_at
        extended = await camat.post("/konsol/kasus/PTL-000001/perpanjang", data={"csrf": csrf_in(page), "hari": "3"})
        assert extended.status_code == 303
        assert (await ticket(ctx, ticket_id)).stage_deadline_at != deadline
        bad = await camat.post("/konsol/kasus/PTL-000001/perpanjang", data={"csrf": csrf_in(page), "hari": "365"})
        assert bad.status_code == 409
        closed = await camat.post("/konsol/kasus/PTL-000001/tutup", data={"csrf": csrf_in(page), "alasan": ""})
        assert closed.status_code == 409 and (await ticket(ctx, ticket_id)).state == TicketState.VERIFIED.value
        closed = await camat.post("/konsol/kasus/PTL-000001/tutup",
                                  data={"csrf": csrf_in(page), "alasan": "Sudah ditangani desa"})
        assert closed.status_code == 303 and (await ticket(ctx, ticket_id)).state == TicketState.CLOSED.value


async def test_another_kecamatans_case_and_files_are_not_found(home: Context, media: Path) -> None:
    people = await cast(home)
    number = await photo_report(home, people.reporter, media)
    await add_staff(home, 5005, "Rahmat", frozenset({Role.VERIFIER}), kecamatan="galesong")
    async with browser(home, media) as other:
        await sign_in(other, home, 5005)
        assert (await other.get(f"/konsol/kasus/{number}")).status_code == 404
        assert (await other.get(f"/konsol/kasus/{number}/lampiran/1")).status_code == 404
        page = await other.get("/konsol/kasus")
        taken = await other.post(f"/konsol/kasus/{number}/tolak", data={"csrf": csrf_in(page), "alasan_lain": "x"})
        assert taken.status_code == 404
    async with home.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(TicketEvent)) == 1  # only the report


async def _telegram_rows(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "telegram")) or 0)


async def test_the_desk_records_an_aspirations_outcome_and_answers_a_question(ctx: Context, media: Path) -> None:
    people = await cast(ctx)
    idea = await citizen.submit_ticket(ctx, people.reporter, NewReport(
        description="Usul posyandu baru", category="saran", desa="Bajeng"))
    question = await citizen.submit_ticket(ctx, people.reporter, NewReport(
        description="Kapan KTP keliling?", category="informasi", desa="Bajeng"))
    async with browser(ctx, media) as desk:
        await sign_in(desk, ctx, VERIFIER)
        page = await desk.get(f"/konsol/kasus/{idea.number}")
        assert "<summary>Catat hasil aspirasi</summary>" in page.text
        assert "<summary>Verifikasi</summary>" not in page.text  # not field work
        missing_year = await desk.post(f"/konsol/kasus/{idea.number}/hasil",
                                       data={"csrf": csrf_in(page), "hasil": "musrenbang_desa", "tahun": ""})
        assert missing_year.status_code == 409
        year = ctx.now().astimezone(ctx.profile.zone).year + 1
        done = await desk.post(f"/konsol/kasus/{idea.number}/hasil",
                               data={"csrf": csrf_in(page), "hasil": "musrenbang_desa", "tahun": str(year)})
        assert done.status_code == 303
        assert (await ticket(ctx, idea.ticket_id)).state == TicketState.CLOSED.value

        page = await desk.get(f"/konsol/kasus/{question.number}")
        assert "<summary>Jawab pertanyaan</summary>" in page.text
        done = await desk.post(f"/konsol/kasus/{question.number}/jawab",
                               data={"csrf": csrf_in(page), "jawaban": "Setiap Senin di kantor desa"})
        assert done.status_code == 303
        assert (await ticket(ctx, question.ticket_id)).state == TicketState.RESOLVED.value


async def test_the_desk_merges_a_duplicate_by_the_originals_number(ctx: Context, media: Path) -> None:
    people = await cast(ctx)
    original = await report(ctx, people.reporter)
    copy = await report(ctx, people.neighbour, "Lampu depan masjid mati juga")
    async with browser(ctx, media) as desk:
        await sign_in(desk, ctx, VERIFIER)
        page = await desk.get("/konsol/kasus/PTL-000002")
        unknown = await desk.post("/konsol/kasus/PTL-000002/duplikat", data={"csrf": csrf_in(page), "asli": "PTL-999"})
        assert unknown.status_code == 409
        done = await desk.post("/konsol/kasus/PTL-000002/duplikat", data={"csrf": csrf_in(page), "asli": "ptl-000001"})
        assert done.status_code == 303
    found = await ticket(ctx, copy)
    assert found.state == TicketState.DUPLICATE.value and found.duplicate_of_id == original


async def _rows_after(ctx: Context, last: int) -> list[tuple[str, str, str, dict[str, object]]]:
    """The outbox rows queued after row `last`: (channel, recipient, kind, data)."""
    async with ctx.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.id > last).order_by(OutboxMessage.id))
        return [(r.channel, r.recipient, r.kind, dict(r.data)) for r in rows]


async def _last_row(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.max(OutboxMessage.id))) or 0)


async def test_the_desk_rejects_forwards_and_asks_and_the_camat_reassigns(ctx: Context, media: Path) -> None:
    people = await cast(ctx)
    for story in ("Halo halo", "Kabel listrik putus", "Ada yang rusak", "Lampu jalan mati"):
        lamp = await report(ctx, people.reporter, story)
    await verify_ticket(ctx, people.verifier, lamp)
    await accept_ticket(ctx, people.officer, lamp)
    to_citizen = f"citizen:{people.reporter.id}"
    async with browser(ctx, media) as desk, browser(ctx, media) as camat:
        await sign_in(desk, ctx, VERIFIER)
        await sign_in(camat, ctx, CAMAT)

        async def press(client: httpx.AsyncClient, number: str, slug: str, **form: str) -> dict[tuple[str, str], Any]:
            """Press the page's button: its answer is the way back to the page; the rows it queued, by channel
            and kind."""
            last = await _last_row(ctx)
            page = await client.get(f"/konsol/kasus/{number}")
            done = await client.post(f"/konsol/kasus/{number}/{slug}", data={"csrf": csrf_in(page), **form})
            assert done.status_code == 303 and done.headers["location"].endswith(f"?selesai={slug}"), done.text
            queued = await _rows_after(ctx, last)
            return {(channel, kind): (recipient, data) for channel, recipient, kind, data in queued}

        rejected = await press(desk, "PTL-000001", "tolak", alasan="Spam / bukan laporan")
        found = await ticket(ctx, 1)
        assert found.state == TicketState.REJECTED.value and found.reject_reason == "Spam / bukan laporan"
        told = rejected[("whatsapp", "ticket.rejected")]
        assert told[0] == to_citizen and told[1]["reason"] == "Spam / bukan laporan"
        assert rejected[("telegram", "ticket.changed")][1]["state"] == "rejected"  # the desk's card follows

        forwarded = await press(desk, "PTL-000002", "teruskan", instansi="pln", referensi="PLN-77")
        found = await ticket(ctx, 2)
        assert (found.state, found.forward_agency) == (TicketState.FORWARDED.value, "pln")
        told = forwarded[("whatsapp", "ticket.forwarded")]
        assert told[0] == to_citizen and (told[1]["agency_name"], told[1]["reference"]) == ("PLN", "PLN-77")
        assert forwarded[("telegram", "ticket.changed")][1]["state"] == "forwarded"

        asked = await press(desk, "PTL-000003", "tanya", pertanyaan="Di sebelah mana persisnya?")
        assert (await ticket(ctx, 3)).state == TicketState.RECEIVED.value
        told = asked[("whatsapp", "ticket.question")]
        assert told[0] == to_citizen and told[1]["question"] == "Di sebelah mana persisnya?"

        moved = await press(camat, "PTL-000004", "tugaskan", petugas=str(people.officer2.id))
        assert (await ticket(ctx, lamp)).assignee_id == people.officer2.id
        assert list(moved) == [("telegram", "ticket.changed")]  # the card, for the field (no citizen is told)
        card = moved[("telegram", "ticket.changed")][1]
        assert (card["action"], card["officer"], card["actor"]) == ("reassign", "Cakra Petugas", "Pak Camat")


def _image(colour: tuple[int, int, int], size: tuple[int, int], kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


async def test_the_page_shows_before_and_after_side_by_side_to_its_kecamatan_only(home: Context,
                                                                                  media: Path) -> None:
    people = await cast(home)
    (media / "ab" / "before.jpg").write_bytes(_image(RED, (800, 600), "JPEG"))
    (media / "cd").mkdir()
    (media / "cd" / "after.png").write_bytes(_image(GREEN, (300, 400), "PNG"))
    done = await citizen.submit_ticket(home, people.reporter, NewReport(
        description="Lampu jalan mati", category="lampu_jalan", desa="Bajeng", attachments=(
            NewAttachment(AttachmentKind.PHOTO, "whatsapp", "121", mime="image/jpeg",
                          stored_path=str(media / "ab" / "before.jpg")),)))
    pair_url = f"/konsol/kasus/{done.number}/sebelum-sesudah.jpg"
    await verify_ticket(home, people.verifier, done.ticket_id)
    await accept_ticket(home, people.officer, done.ticket_id)
    async with browser(home, media) as camat:
        await sign_in(camat, home, CAMAT)
        assert pair_url not in (await camat.get(f"/konsol/kasus/{done.number}")).text  # no proof yet
        assert (await camat.get(pair_url)).status_code == 404
        await resolve_ticket(home, people.officer, done.ticket_id, "Lampu sudah menyala", (
            NewAttachment(AttachmentKind.PHOTO, "telegram", "f1", mime="image/png",
                          stored_path=str(media / "cd" / "after.png")),))
        page = await camat.get(f"/konsol/kasus/{done.number}")
        assert f'<img src="{pair_url}"' in page.text and "Sebelum dan sesudah" in page.text
        served = await camat.get(pair_url)
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert "sandbox" in served.headers["content-security-policy"]
        image = Image.open(io.BytesIO(served.content))
        assert image.format == "JPEG" and image.height == PAIR_SIDE + PAIR_BAND
        assert len(served.content) <= CITIZEN_IMAGE_MAX
        rgb = image.convert("RGB")
        assert _near(rgb.getpixel((20, PAIR_BAND + 20)), RED) and _near(rgb.getpixel((rgb.width - 20, 100)), GREEN)
        cached = list((media / "pairs").iterdir())  # under the name the citizen's copy has: made once
        assert [p.name for p in cached] == [f"{done.ticket_id}-after.jpg"]
        assert (await camat.get(pair_url)).content == served.content
    await add_staff(home, 5005, "Rahmat", frozenset({Role.VERIFIER}), kecamatan="galesong")
    async with browser(home, media) as other:
        await sign_in(other, home, 5005)
        assert (await other.get(pair_url)).status_code == 404
    async with browser(home, media) as stranger:
        signed_out = await stranger.get(pair_url)
        assert signed_out.status_code == 303 and signed_out.headers["location"] == "/konsol/masuk"


def _near(pixel: Any, colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))
