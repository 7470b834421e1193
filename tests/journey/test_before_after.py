"""The citizen's "selesai" message carries the proof, and then one image with the report's photo and the
proof side by side, labelled "Sebelum" / "Sesudah", small enough for WhatsApp."""

from __future__ import annotations

import io

from PIL import Image

from core.images import CITIZEN_IMAGE_MAX, PAIR_BAND, PAIR_SIDE
from core.usecases.desk import verify_ticket
from tests.officer.conftest import World
from tests.reporter.conftest import Harness, has

RED, GREEN = (200, 20, 20), (20, 180, 40)


def photo(colour: tuple[int, int, int], size: tuple[int, int], kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel, colour, strict=False))


async def test_the_citizen_gets_the_proof_then_before_and_after_side_by_side(world: World, harness: Harness) -> None:
    citizen = harness.sim.citizen("081355550041", name="Daeng Bollo")
    await citizen.sends_text("Lampu jalan mati di depan masjid")
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_location(-5.45, 119.54)
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles)
    await citizen.sends_image(photo(RED, (800, 600), "JPEG"))
    await citizen.wait_for(lambda m: "Selesai" in m.button_titles)  # "another photo, or done?"
    await citizen.taps("Selesai")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await citizen.taps("Kirim")
    received = await citizen.wait_for(has("PTL-"))
    number = next(w for w in (received.text or "").replace(".", " ").split() if w.startswith("PTL-"))
    tid = next(t.id for t in await harness.tickets() if t.number == number)

    await verify_ticket(world.ctx, world.cast.verifier, tid, category="lampu_jalan", desa="Bajeng")
    card = await world.card(world.field, number, "Diverifikasi")
    await world.officer.taps(card, "Ambil")
    card = await world.card(world.field, number, "Dikerjakan oleh")
    await world.officer.taps(card, "Selesaikan")
    prompt = await world.field.wait_for(lambda m: m.from_bot and "foto sesudah" in (m.text or ""))
    await world.officer.sends_photo(world.field, photo(GREEN, (300, 400), "PNG"), caption="Lampu sudah menyala",
                                    reply_to=prompt)

    proof = await citizen.wait_for(lambda m: "Sudah beres" in m.button_titles, timeout=20)
    assert proof.media is not None and near(Image.open(io.BytesIO(proof.media)).convert("RGB").getpixel((5, 5)),
                                            GREEN)  # the proof itself, with the question
    pair = await citizen.wait_for(has(f"Sebelum dan sesudah · {number}"), timeout=20)
    assert pair.media is not None and pair.media[:2] == b"\xff\xd8" and len(pair.media) <= CITIZEN_IMAGE_MAX
    image = Image.open(io.BytesIO(pair.media)).convert("RGB")
    assert image.height == PAIR_SIDE + PAIR_BAND
    assert near(image.getpixel((20, PAIR_BAND + 20)), RED)  # before on the left
    assert near(image.getpixel((image.width - 20, PAIR_BAND + 20)), GREEN)  # after on the right
    assert near(image.getpixel((5, 5)), (255, 255, 255))  # the label band
    assert citizen.received.index(proof) < citizen.received.index(pair)
