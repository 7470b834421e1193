"""An officer's proof larger than WhatsApp takes still reaches the citizen; staff keep the original."""

from __future__ import annotations

import io
import os

from PIL import Image
from sqlalchemy import select

from core.db.models import Attachment, OutboxMessage
from core.images import CITIZEN_IMAGE_MAX
from core.usecases.desk import verify_ticket
from tests.officer.conftest import World
from tests.reporter.conftest import Harness, report

MB = 1024 * 1024


def big_png() -> bytes:
    """A 1900x1900 photo of noise as a PNG: about 10.8 MB, more than twice WhatsApp's 5 MB for images."""
    image = Image.frombytes("RGB", (1900, 1900), os.urandom(1900 * 1900 * 3))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


async def test_a_10_mb_image_document_as_proof_reaches_the_citizen(world: World, harness: Harness) -> None:
    original = big_png()
    assert len(original) > 10 * MB
    citizen = harness.sim.citizen("081355550031", name="Daeng Rannu")
    number = await report(citizen)
    tid = next(t.id for t in await harness.tickets() if t.number == number)
    await verify_ticket(world.ctx, world.cast.verifier, tid, category="lampu_jalan", desa="Bajeng")
    card = await world.card(world.field, number, "Diverifikasi")
    await world.officer.taps(card, "Ambil")
    card = await world.card(world.field, number, "Dikerjakan oleh")
    await world.officer.taps(card, "Selesaikan")
    prompt = await world.field.wait_for(lambda m: m.from_bot and "foto sesudah" in (m.text or ""))
    await world.officer.sends_document(world.field, original, "bukti.png", mime_type="image/png", reply_to=prompt)
    more = await world.field.wait_for(lambda m: m.from_bot and "Balas pesan ini untuk melengkapi" in (m.text or ""))
    await world.officer.replies(world.field, more, "Lampu sudah menyala")  # the note, after the photo
    await world.card(world.field, number, "Selesai dikerjakan")

    proof = await citizen.wait_for(lambda m: "Sudah beres" in m.button_titles, timeout=20)
    assert proof.media is not None  # the photo heads the message with the buttons
    assert proof.media[:2] == b"\xff\xd8" and len(proof.media) <= CITIZEN_IMAGE_MAX  # a JPEG WhatsApp takes
    assert Image.open(io.BytesIO(proof.media)).size == (1900, 1900)
    async with world.ctx.sessions() as session:
        [kept] = await session.scalars(select(Attachment).where(Attachment.role == "proof"))
        resolved = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "ticket.resolved"))
    assert kept.stored_path and (world.media_dir / kept.stored_path).read_bytes() == original  # staff's copy
    assert kept.citizen_path and (world.media_dir / kept.citizen_path).read_bytes() == proof.media
    assert resolved is not None and resolved.attempts == 0  # the rendition went first time: no refused upload
