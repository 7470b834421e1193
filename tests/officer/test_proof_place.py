"""Proof checked against the place: the officer shares their location with the after photo; the distance to
the report's place (the citizen's point, else the desa's centre) is on the card and in the audit event, and
far-away proof is flagged to the desk, never silently accepted or refused. The profile may require it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image
from sqlalchemy import select

from core.context import Context
from core.db.models import TicketEvent
from core.domain.lifecycle import TicketState
from core.images import gps_of
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from simulator.telegram import SimMessage
from tests.core.story import report, ticket
from tests.officer.conftest import World
from tests.simulator.telegram_fixtures import png

REPORTED = (-5.4, 119.6)  # where the story's reports are


async def in_progress(world: World, **kw: Any) -> tuple[int, SimMessage]:
    """A verified case Baso has taken; its resolve prompt."""
    tid = await report(world.ctx, world.cast.reporter, **kw)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    await accept_ticket(world.ctx, world.cast.officer, tid)
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh Baso Petugas")
    await world.officer.taps(card, "Selesaikan")
    prompt = await world.field.wait_for(lambda m: m.from_bot and "lokasi Anda saat ini" in (m.text or ""))
    return tid, prompt


async def resolve_event(ctx: Context, tid: int) -> dict[str, Any]:
    async with ctx.sessions() as session:
        event = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == tid,
                                                               TicketEvent.action == "resolve"))
    assert event is not None
    return dict(event.data)


def flagged(world: World) -> list[str]:
    return [m.text or "" for m in world.desk.bot_messages if "bukti penyelesaian dikirim" in (m.text or "")]


async def test_a_location_with_the_photo_is_measured_near(world: World) -> None:
    tid, prompt = await in_progress(world)
    await world.officer.shares_location(world.field, -5.4003, 119.6, reply_to=prompt)  # 33 m away
    asked = await world.field.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Untuk menyelesaikan"))
    assert (await ticket(world.ctx, tid)).state == TicketState.IN_PROGRESS  # the photo and note still owed
    await world.officer.sends_photo(world.field, png(shade=200), caption="Lampu sudah menyala", reply_to=asked)
    await world.card(world.field, "PTL-000001", "Selesai dikerjakan", "📍 Bukti dari 33 m lokasi laporan")
    await world.card(world.desk, "PTL-000001", "📍 Bukti dari 33 m lokasi laporan")
    data = await resolve_event(world.ctx, tid)
    assert data["proof_distance_m"] == 33 and data["proof_far"] is False and data["proof_against"] == "report"
    assert data["proof_at"] == [-5.4003, 119.6] and data["proof_from"] == "location"
    await world.settled()
    assert flagged(world) == []


async def test_without_a_location_the_case_resolves_and_no_distance_is_claimed(world: World) -> None:
    tid, prompt = await in_progress(world)
    await world.officer.sends_photo(world.field, png(shade=200), caption="Sudah", reply_to=prompt)
    card = await world.card(world.field, "PTL-000001", "Selesai dikerjakan")  # optional in the sample
    assert "Bukti" not in (card.text or "")
    data = await resolve_event(world.ctx, tid)
    assert "proof_distance_m" not in data and "proof_at" not in data


async def test_far_proof_is_accepted_and_flagged_on_the_card_and_to_the_desk(world: World) -> None:
    tid, prompt = await in_progress(world)
    await world.officer.shares_location(world.field, -5.42, 119.6, reply_to=prompt)  # 2.2 km away
    asked = await world.field.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Untuk menyelesaikan"))
    await world.officer.sends_photo(world.field, png(shade=200), caption="Lampu sudah menyala", reply_to=asked)
    await world.card(world.field, "PTL-000001", "Selesai dikerjakan", "⚠ Bukti 2,2 km dari lokasi laporan")
    note = await world.desk.wait_for(lambda m: m.from_bot and "bukti penyelesaian dikirim" in (m.text or ""))
    assert note.text == ("⚠ PTL-000001: bukti penyelesaian dikirim 2,2 km dari lokasi laporan oleh Baso Petugas. "
                         "Mohon diperiksa sebelum kasus ditutup.")
    desk_card = await world.card(world.desk, "PTL-000001", "⚠ Bukti 2,2 km")
    assert note.reply_to is not None and note.reply_to.message_id == desk_card.message_id
    data = await resolve_event(world.ctx, tid)
    assert data["proof_far"] is True and data["proof_distance_m"] == 2224
    assert ("ticket.resolved", f"citizen:{world.cast.reporter.id}") in await world.whatsapp(tid)  # not refused


def jpeg_with_gps(lat: float, lon: float) -> bytes:
    """A JPEG whose EXIF says where it was taken (as a phone's camera writes it)."""
    def dms(value: float) -> tuple[float, float, float]:
        value = abs(value)
        degrees, rest = int(value), (abs(value) - int(value)) * 60
        return (float(degrees), float(int(rest)), round((rest - int(rest)) * 60, 4))

    exif = Image.Exif()
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S" if lat < 0 else "N", 2: dms(lat), 3: "W" if lon < 0 else "E", 4: dms(lon)})
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 200)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_gps_is_read_from_exif_and_absent_from_a_plain_photo(tmp_path: Path) -> None:
    (tmp_path / "with.jpg").write_bytes(jpeg_with_gps(-5.4003, 119.6))
    (tmp_path / "plain.png").write_bytes(png())
    (tmp_path / "junk.jpg").write_bytes(b"not an image")
    lat, lon = gps_of(tmp_path / "with.jpg") or (0.0, 0.0)
    assert abs(lat - -5.4003) < 1e-5 and abs(lon - 119.6) < 1e-5
    assert gps_of(tmp_path / "plain.png") is None and gps_of(tmp_path / "junk.jpg") is None


async def test_a_photo_sent_as_a_file_with_exif_gps_is_the_location(world: World) -> None:
    tid, prompt = await in_progress(world)
    sent = await world.officer.sends_document(world.field, jpeg_with_gps(-5.4003, 119.6), "IMG_0042.jpg",
                                              mime_type="image/jpeg", reply_to=prompt)
    asked = await world.field.wait_for(lambda m: m.from_bot and m.reply_to is not None and m.reply_to is sent)
    await world.officer.replies(world.field, asked, "Lampu sudah menyala")
    await world.card(world.field, "PTL-000001", "Selesai dikerjakan", "📍 Bukti dari 33 m lokasi laporan")
    data = await resolve_event(world.ctx, tid)
    assert data["proof_from"] == "exif" and data["proof_distance_m"] == 33
