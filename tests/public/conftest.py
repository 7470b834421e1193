"""The public pages over ASGI on the test database, and a small story of cases across two months."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from PIL import Image, ImageFilter
from starlette.applications import Starlette

from core.context import Context
from core.domain.reports import AttachmentKind, NewAttachment, Privacy
from core.images import GPS_IFD
from core.settings import Settings
from core.usecases.citizen import confirm_fixed, rate_ticket
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket, resolve_ticket
from core.usecases.oversight import escalate_ticket
from public.pages import public_routes
from tests.conftest import Clock
from tests.core.story import Cast, report

# Any Indonesian mobile number, a citizen's or not: no page shows one (a masked one has stars among its digits).
MOBILE = re.compile(r"(\+?62|0)8\d{7,}")
# The cast's citizens (tests.core.story) and the words of the addresses the tests' citizens type: no page shows them.
PERSONAL = ("Daeng Ngalle", "Ngalle", "Tetangga", "Mawar", "Poros Malino")
OCTOBER = datetime(2026, 10, 20, 1, 0, tzinfo=UTC)  # 09.00 WITA, last month for the test clock's November
NOVEMBER = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


def settings(media_dir: Path | None = None) -> Settings:
    extra = {"media_dir": media_dir} if media_dir else {}
    return Settings(_env_file=None, console_url="https://lapor.test", **extra)  # type: ignore[call-arg, arg-type]


@asynccontextmanager
async def visitor(ctx: Context, media_dir: Path | None = None) -> AsyncIterator[httpx.AsyncClient]:
    """Someone on the web, no sign-in, no cookies kept; figures never cached (each request recounts). Every page
    is scanned: no name or typed address of the cast (PERSONAL), no mobile number of anyone."""
    app = Starlette(routes=public_routes(ctx, settings(media_dir), cache_for=0))

    async def nothing_personal(response: httpx.Response) -> None:
        await response.aread()
        if response.headers.get("content-type", "").startswith("text/"):
            for word in PERSONAL:
                assert word.casefold() not in response.text.casefold(), (word, response.url)
            found = MOBILE.search(re.sub(r"(?<=\d)[\s.-](?=\d)", "", response.text))
            assert found is None, (found, response.url)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://lapor.test",
                                 event_hooks={"response": [nothing_personal]}) as client:
        yield client


def small_jpeg() -> bytes:
    """A real (tiny) JPEG: the public is served a copy made from it."""
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 140, 60)).save(out, "JPEG")
    return out.getvalue()


def phone_photo(size: tuple[int, int] = (2400, 1800)) -> bytes:
    """A phone's photo sent as a file: ~1.2 MB of detail, with EXIF GPS (the exact spot), the phone's make and
    model, and a comment naming the reporter."""
    bands = [Image.effect_noise(size, sigma).filter(ImageFilter.GaussianBlur(radius))
             for sigma, radius in ((60, 1), (50, 2), (70, 1.5))]
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Xiaomi", "Redmi Note 12"
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "S", (5.0, 25.0, 52.32), "E", (119.0, 36.0, 17.64)
    out = io.BytesIO()
    Image.merge("RGB", bands).save(out, "JPEG", quality=92, exif=exif, comment=b"Daeng Ngalle 081234567890")
    return out.getvalue()


def proof(media_dir: Path | None, name: str = "after.jpg") -> NewAttachment:
    """An officer's after-photo (stored under `media_dir` when given, so the page can serve it)."""
    if media_dir is None:
        return NewAttachment(AttachmentKind.PHOTO, "telegram", "file-after-1", mime="image/jpeg", size=1234)
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / name).write_bytes(small_jpeg())
    return NewAttachment(AttachmentKind.PHOTO, "telegram", f"file-{name}", mime="image/jpeg", size=20,
                         stored_path=name)


async def worked(ctx: Context, people: Cast, ticket_id: int, media_dir: Path | None = None,
                 hours: float = 2) -> None:
    """Verified, accepted and resolved with a proof photo, `hours` after it was reported."""
    clock = ctx.clock
    assert isinstance(clock, Clock)
    await verify_ticket(ctx, people.verifier, ticket_id)
    await accept_ticket(ctx, people.officer, ticket_id)
    clock.advance(hours=hours)
    await resolve_ticket(ctx, people.officer, ticket_id, "Sudah diperbaiki", (proof(media_dir, f"{ticket_id}.jpg"),))


@dataclass(frozen=True)
class Story:
    lamp: int  # October: resolved in 4 h, closed, rated 4
    secret_october: int  # October, confidential, resolved
    rubbish: int  # November: resolved in 2 h after the accept stage was escalated
    drain: int  # November: only received
    secret_november: int  # November, confidential


async def two_months(ctx: Context, people: Cast, clock: Clock, media_dir: Path | None = None) -> Story:
    """Cases of last month (October) and this month (November 23), two of them confidential."""
    clock.now = OCTOBER
    lamp = await report(ctx, people.reporter, "Lampu jalan mati di depan masjid")
    await worked(ctx, people, lamp, media_dir, hours=4)
    await confirm_fixed(ctx, people.reporter, lamp)
    await rate_ticket(ctx, people.reporter, lamp, 4)
    secret_october = await report(ctx, people.neighbour, "Pungutan liar di kantor desa", category="pelayanan_publik",
                                  desa="Pappa", privacy=Privacy.CONFIDENTIAL)
    await worked(ctx, people, secret_october, media_dir, hours=1)
    await confirm_fixed(ctx, people.neighbour, secret_october)
    await rate_ticket(ctx, people.neighbour, secret_october, 1)

    clock.now = NOVEMBER
    rubbish = await report(ctx, people.reporter, "Sampah menumpuk di pasar", category="sampah", desa="Salaka",
                           latitude=-5.4312, longitude=119.6049)
    await verify_ticket(ctx, people.verifier, rubbish)
    await escalate_ticket(ctx, people.system, rubbish, 1, details={"stage": "accept"})
    await accept_ticket(ctx, people.officer, rubbish)
    clock.advance(hours=2)
    await resolve_ticket(ctx, people.officer, rubbish, "Sudah diangkut", (proof(media_dir, "rubbish.jpg"),))
    drain = await report(ctx, people.neighbour, "Got tersumbat dekat sekolah", category="drainase", desa="Bajeng")
    secret_november = await report(ctx, people.neighbour, "Keamanan: pencurian di rumah", category="keamanan",
                                   desa="Pappa", privacy=Privacy.CONFIDENTIAL)
    return Story(lamp, secret_october, rubbish, drain, secret_november)
