"""Photos made fit for the citizens' channel: WhatsApp takes JPEG or PNG images up to 5 MB.

Staff may send anything Telegram carries (a 10 MB image document, a WebP, a phone's HEIC); the
original is kept for them, and the citizen gets a JPEG rendition that WhatsApp accepts.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import warnings
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

log = logging.getLogger(__name__)
CITIZEN_IMAGE_MAX = 5 * 1024 * 1024  # WhatsApp Cloud API, "Supported media types": images up to 5 MB
CITIZEN_IMAGE_TYPES = ("image/jpeg", "image/png")
LONG_SIDE = 2560  # a phone screen shows no more; most photos shrink well below the limit at this size
SMALLEST_SIDE = 320  # below this a rendition shows nothing useful: give up
RENDITION_SUFFIX = ".citizen.jpg"


def fits(mime: str | None, size: int) -> bool:
    """Whether the citizens' channel takes this image as it is."""
    return (mime or "").split(";")[0].strip().lower() in CITIZEN_IMAGE_TYPES and size <= CITIZEN_IMAGE_MAX


def rendition(data: bytes, limit: int = CITIZEN_IMAGE_MAX) -> bytes | None:
    """A JPEG of the image within `limit` bytes (scaled down until it fits), or None if it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)  # a pixel bomb is refused, not decoded
            opened = Image.open(io.BytesIO(data))
            opened.draft("RGB", (LONG_SIDE, LONG_SIDE))  # JPEG: decode at a reduced scale, much faster
            image: Image.Image = ImageOps.exif_transpose(opened)  # the phone's rotation: the copy has no EXIF
            image.load()
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        log.warning("image cannot be read for a citizen rendition", exc_info=True)
        return None
    if image.mode != "RGB":  # transparency over white, as a chat shows it
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    image.thumbnail((LONG_SIDE, LONG_SIDE))
    quality = 85
    while True:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True)
        if out.tell() <= limit:
            return out.getvalue()
        width, height = image.size
        if min(width, height) * 3 // 4 < SMALLEST_SIDE:
            return None
        image = image.resize((width * 3 // 4, height * 3 // 4), Image.Resampling.LANCZOS)
        quality = max(quality - 10, 60)


def store_rendition(media_dir: Path, relative: Path, data: bytes) -> str | None:
    """Write the rendition of `data` beside its original (`relative` under `media_dir`); its relative path."""
    made = rendition(data)
    if made is None:
        return None
    target = relative.with_name(relative.name.split(".")[0] + RENDITION_SUFFIX)
    (media_dir / target).parent.mkdir(parents=True, exist_ok=True)
    (media_dir / target).write_bytes(made)
    return str(target)


GPS_IFD = 0x8825  # EXIF's GPS block; in it 1/2 latitude ref and value, 3/4 longitude ref and value


def gps_of(path: Path) -> tuple[float, float] | None:
    """Where a photo was taken, from the GPS block of its EXIF: (lat, lon), or None when the file has none
    (Telegram and WhatsApp strip it from compressed photos; a photo sent as a file may keep it)."""
    try:
        with Image.open(path) as image:
            gps = image.getexif().get_ifd(GPS_IFD)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    try:
        lat, lon = _degrees(gps[2], gps[1]), _degrees(gps[4], gps[3])
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0) else None


def _degrees(value: tuple[float, float, float], ref: str) -> float:
    degrees, minutes, seconds = (float(v) for v in value)
    sign = -1 if str(ref).strip().upper() in ("S", "W") else 1
    return sign * (degrees + minutes / 60 + seconds / 3600)


PAIR_SIDE = 720  # each photo's height in the before/after pair: readable on a phone, far below 5 MB
PAIR_BAND = 64  # the label band above the photos


def before_after(before: Path, after: Path, labels: tuple[str, str], target: Path) -> bool:
    """One JPEG with the report's photo and the proof side by side, each labelled ("Sebelum" / "Sesudah"),
    written to `target` (within WhatsApp's 5 MB); False if either photo cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            sides = [_pair_side(path) for path in (before, after)]
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        log.warning("before/after pair not made: a photo cannot be read", exc_info=True)
        return False
    gap = 8
    width = sum(s.width for s in sides) + gap
    pair = Image.new("RGB", (width, PAIR_SIDE + PAIR_BAND), "white")
    draw = ImageDraw.Draw(pair)
    font = ImageFont.load_default(size=PAIR_BAND * 3 // 5)
    x = 0
    for side, label in zip(sides, labels, strict=True):
        pair.paste(side, (x, PAIR_BAND))
        left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
        draw.text((x + (side.width - (right - left)) // 2, (PAIR_BAND - (bottom - top)) // 2 - top), label,
                  fill=(33, 33, 33), font=font)
        x += side.width + gap
    target.parent.mkdir(parents=True, exist_ok=True)
    out = io.BytesIO()
    pair.save(out, "JPEG", quality=82, optimize=True)
    made = out.getvalue() if out.tell() <= CITIZEN_IMAGE_MAX else rendition(out.getvalue())
    if made is None:
        return False
    target.write_bytes(made)
    return True


def kept_pair(media_dir: Path, ticket_id: int, before: Path, proof: Path, labels: tuple[str, str]) -> Path | None:
    """The case's before/after image for this proof, kept under media/pairs: made once (written aside, then
    renamed, so nobody is served half of it) whichever asks first, the citizen's "selesai" message or the
    console's case page; None if either photo cannot be read."""
    target = media_dir / "pairs" / f"{ticket_id}-{proof.stem}.jpg"
    if target.is_file():
        return target
    draft = target.with_name(f"{target.stem}.{secrets.token_hex(4)}.part")
    if not before_after(before, proof, labels, draft):
        return None
    os.replace(draft, target)
    return target


def _pair_side(path: Path) -> Image.Image:
    with Image.open(path) as opened:
        opened.draft("RGB", (PAIR_SIDE * 2, PAIR_SIDE * 2))
        image = ImageOps.exif_transpose(opened).convert("RGB")
    scale = PAIR_SIDE / image.height
    return image.resize((max(1, min(round(image.width * scale), PAIR_SIDE * 2)), PAIR_SIDE), Image.Resampling.LANCZOS)


PUBLIC_SIDE = 1024  # a public photo's long side: sharp on a phone, a page's worth of them stays light
PUBLIC_IMAGE_MAX = 140_000  # bytes: one photo within the public page's first-load budget (150 kB)
PUBLIC_QUALITY = 80


def public_rendition(data: bytes) -> bytes | None:
    """A JPEG of the image for anyone to see: at most PUBLIC_SIDE on its long side and PUBLIC_IMAGE_MAX bytes,
    with nothing of the original's metadata (no EXIF, so no GPS nor the phone's details; no ICC, XMP or comment);
    None if it cannot be read."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            opened.draft("RGB", (PUBLIC_SIDE, PUBLIC_SIDE))
            image: Image.Image = ImageOps.exif_transpose(opened).convert("RGB")
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        log.warning("image cannot be read for the public", exc_info=True)
        return None
    image.thumbnail((PUBLIC_SIDE, PUBLIC_SIDE), Image.Resampling.LANCZOS)
    image.info = {}  # the JPEG encoder would carry a comment over from here
    quality = PUBLIC_QUALITY
    while True:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
        if out.tell() <= PUBLIC_IMAGE_MAX or min(image.size) * 3 // 4 < SMALLEST_SIDE // 2:
            return out.getvalue()
        if quality > 60:
            quality -= 10
        else:
            image = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.Resampling.LANCZOS)


def kept_public(media_dir: Path, attachment_id: int, source: Path) -> Path | None:
    """The public copy of a stored photo (`public_rendition`), kept under media/public: made once (written aside,
    then renamed, as `kept_pair`), whichever page or API asks first; None if the photo cannot be read."""
    target = media_dir / "public" / f"{attachment_id}.jpg"
    if target.is_file():
        return target
    try:
        made = public_rendition(source.read_bytes())
    except OSError:
        log.warning("photo for the public not found", exc_info=True)
        return None
    if made is None:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f"{target.stem}.{secrets.token_hex(4)}.part")
    draft.write_bytes(made)
    os.replace(draft, target)
    return target
