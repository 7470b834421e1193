"""A public photo is a copy made for the public: small, and without the EXIF that says where it was taken."""

from __future__ import annotations

import io
import re
from pathlib import Path

from PIL import Image

from core.context import Context
from core.domain.reports import AttachmentKind, NewAttachment
from core.images import GPS_IFD, PUBLIC_SIDE, gps_of
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket, resolve_ticket
from tests.core.story import cast, report
from tests.open311.conftest import api, data
from tests.public.conftest import phone_photo, visitor

LIMIT = 150_000  # the public page's first-load budget: one photo must fit well within it


def stripped(served: bytes) -> Image.Image:
    """The served photo, checked to carry nothing of the phone's: no EXIF (no GPS, make, model), no comment, ICC."""
    image = Image.open(io.BytesIO(served))
    assert image.format == "JPEG" and max(image.size) <= PUBLIC_SIDE
    exif = image.getexif()
    assert not exif and not exif.get_ifd(GPS_IFD), dict(exif)
    assert not {"exif", "comment", "icc_profile", "xmp"} & set(image.info), image.info.keys()
    assert b"Ngalle" not in served and b"Xiaomi" not in served
    return image


async def test_the_officers_photo_sent_as_a_file_is_served_small_and_without_its_gps(ctx: Context,
                                                                                      tmp_path: Path) -> None:
    original = phone_photo()
    assert 1_000_000 < len(original) < 2_000_000
    (tmp_path / "bukti.jpg").write_bytes(original)
    assert gps_of(tmp_path / "bukti.jpg") is not None  # the file as the officer sent it knows the exact spot
    people = await cast(ctx)
    case = await report(ctx, people.reporter)
    await verify_ticket(ctx, people.verifier, case)
    await accept_ticket(ctx, people.officer, case)
    await resolve_ticket(ctx, people.officer, case, "Sudah diganti", (NewAttachment(
        AttachmentKind.PHOTO, "telegram", "doc-1", mime="image/jpeg", size=len(original), stored_path="bukti.jpg"),))
    async with visitor(ctx, tmp_path) as web, api(ctx, tmp_path) as client:
        page = await web.get("/publik/pattallassang/kasus?nomor=PTL-000001")
        found = re.search(r'<img src="(/publik/pattallassang/kasus/PTL-000001/foto/(\d+))"', page.text)
        assert found, page.text
        on_page = await web.get(found[1])
        (row,) = data(await client.get("/requests.json"))
        by_api = await client.get(row["media_url"].removeprefix("https://lapor.test/open311/v2"))
    for served in (on_page, by_api):
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"
        assert len(served.content) < LIMIT, len(served.content)
        assert max(stripped(served.content).size) == PUBLIC_SIDE  # scaled down, not a thumbnail
    assert on_page.content == by_api.content  # one copy, made once
    kept = tmp_path / "public" / f"{found[2]}.jpg"
    assert kept.read_bytes() == on_page.content and [p.name for p in kept.parent.iterdir()] == [kept.name]
    assert (tmp_path / "bukti.jpg").read_bytes() == original  # staff keep the original
