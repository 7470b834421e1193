"""A backup taken while reports pour in restores every report acknowledged before it began, with its photo."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

from sqlalchemy import func, select

from core.db.engine import make_engine
from core.db.models import Attachment, Ticket
from core.media_files import on_disk
from core.settings import Settings
from simulator.whatsapp import Citizen
from tests.ops.conftest import lapor_camat
from tests.reporter.conftest import JPEG, Harness, has

WORKERS = 6


async def files_a_report(citizen: Citizen, i: int, photo: bytes) -> str:
    """Story, shared location, one photo, Biasa, Kirim; the number the acknowledgement gives."""
    lat, lon = -5.40 - (i // 20) * 0.002, 119.50 + (i % 20) * 0.002  # 220 m apart: no duplicate offers
    await citizen.sends_text(f"Sampah menumpuk di depan rumah nomor {i}")
    await citizen.wait_for(lambda m: m.kind == "location_request", timeout=30)
    await citizen.sends_location(lat, lon)
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles, timeout=30)
    await citizen.sends_image(photo)
    await citizen.wait_for(has("Foto 1 dari 5"), timeout=30)
    await citizen.taps("Selesai")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles, timeout=30)
    await citizen.taps("Biasa")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles, timeout=30)
    await citizen.taps("Kirim")
    ack = await citizen.wait_for(has("Laporan Anda diterima dengan nomor"), timeout=30)
    return next(w.strip(".,") for w in (ack.text or "").split() if w.startswith("PTL-"))


async def test_a_backup_during_a_flood_restores_every_acknowledged_report(
        harness: Harness, settings: Settings, db_url: str, fresh_url: str, tmp_path: Path) -> None:
    acked: dict[str, tuple[float, bytes]] = {}  # number -> when the citizen had the acknowledgement, the photo
    twenty_acked, stop = asyncio.Event(), asyncio.Event()
    counter = iter(range(100_000))

    async def citizen_after_citizen() -> None:
        while not stop.is_set():
            i = next(counter)
            photo = JPEG + f"-laporan-{i}".encode()
            number = await files_a_report(harness.sim.citizen(f"0813{i:08d}"), i, photo)
            acked[number] = (time.monotonic(), photo)
            if len(acked) >= 20:
                twenty_acked.set()

    flood = [asyncio.create_task(citizen_after_citizen()) for _ in range(WORKERS)]
    await twenty_acked.wait()
    began = time.monotonic()
    backup = await lapor_camat("backup", str(tmp_path / "backup"), database_url=db_url, media_dir=settings.media_dir,
                               cwd=tmp_path)
    ended = time.monotonic()
    stop.set()
    await asyncio.gather(*flood)
    await harness.stop()
    assert backup.code == 0, backup.err
    before = {n: photo for n, (at, photo) in acked.items() if at < began}
    assert len(before) >= 20 and any(began < at < ended for at, _ in acked.values())  # it ran under the flood
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["tickets"] >= len(before) and manifest["media"]["files"] >= len(before)

    shutil.rmtree(settings.media_dir)  # the restore must bring the files, not find the old ones
    new_media = tmp_path / "restored-media"
    restored = await lapor_camat("restore", str(tmp_path / "backup"), database_url=fresh_url, media_dir=new_media,
                                 cwd=tmp_path)
    assert restored.code == 0, restored.err
    assert "counts match the manifest" in restored.out

    engine = make_engine(fresh_url)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(Ticket)) == manifest["tickets"]
            for number, photo in before.items():
                ticket_id = await conn.scalar(select(Ticket.id).where(Ticket.number == number))
                assert ticket_id is not None, f"{number} was acknowledged before the backup but is not restored"
                paths = list(await conn.scalars(select(Attachment.stored_path).where(
                    Attachment.ticket_id == ticket_id, Attachment.kind == "photo")))
                found = [on_disk(new_media, p) for p in paths]
                assert [f.read_bytes() if f else None for f in found] == [photo], number
    finally:
        await engine.dispose()
