"""Files between Telegram and the ticket: citizens' photos and voice notes out, officers' photos in."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
from pathlib import Path

from telegram import Bot, InputMediaPhoto, Message

from core.db.models import Attachment
from core.domain.reports import AttachmentKind, NewAttachment
from core.images import fits, store_rendition
from core.media_files import on_disk

log = logging.getLogger(__name__)
ALBUM_MAX = 10


def readable(att: Attachment, media_dir: Path) -> str | bytes | None:
    """What Telegram can be given for a stored attachment: its file id, or the bytes on disk; None if neither."""
    if att.platform == "telegram" and att.platform_ref:
        return att.platform_ref
    if att.stored_path:
        path = on_disk(media_dir, att.stored_path)
        try:
            if path is not None:
                return path.read_bytes()
        except OSError:
            pass
        log.warning("attachment file missing", extra={"attachment_id": att.id})
    return None


def album(photos: list[Attachment], media_dir: Path) -> list[str | bytes]:
    found = [readable(a, media_dir) for a in photos]
    return [f for f in found if f is not None][:ALBUM_MAX]


def voices(notes: list[Attachment], media_dir: Path) -> list[str | bytes]:
    found = [readable(a, media_dir) for a in notes]
    return [f for f in found if f is not None]


def as_media(items: list[str | bytes]) -> list[InputMediaPhoto]:
    return [InputMediaPhoto(item) for item in items]


# -- a citizen's documents and videos: sent as files, within what a bot may upload ------------------

UPLOAD_MAX = 50 * 1024 * 1024  # Bot API: sendDocument/sendVideo take files up to 50 MB from a bot
FILE_KINDS = ("document", "video")  # sent one by one (Telegram albums do not mix them with photos)


def missing(att: Attachment) -> bool:
    """A file the citizen sent that never reached us (the download failed): staff must ask again."""
    return bool(att.fetch_error) and not att.stored_path and att.platform != "telegram"


def too_big(att: Attachment) -> bool:
    """Stored here, but larger than a bot may upload to Telegram."""
    return att.platform != "telegram" and (att.size or 0) > UPLOAD_MAX


def file_name(number: str, att: Attachment, index: int) -> str:
    """The name staff see for a citizen's file: the ticket and its place, never the citizen's own name."""
    ext = mimetypes.guess_extension((att.mime or "").split(";")[0].strip()) or ""
    if not ext and att.stored_path:
        ext = Path(att.stored_path).suffix
    return f"{number}-{index}{ext}"


def sendable(files: list[Attachment], media_dir: Path) -> list[tuple[Attachment, str | bytes]]:
    """The files Telegram can be given now (fetched, within the upload limit), with what to give it."""
    found = [(a, readable(a, media_dir)) for a in files if not too_big(a)]
    return [(a, item) for a, item in found if item is not None]


async def incoming(bot: Bot, message: Message, media_dir: Path, documents: bool = False) -> tuple[NewAttachment, ...]:
    """The photo (largest size) or document image of a staff message, kept on disk for the citizen's bot; with
    `documents`, any other document too (a letter or a schedule with the desk's answer to a question)."""
    suffix = ".jpg"
    if message.photo:
        size = message.photo[-1]
        file_id, mime, kind = size.file_id, "image/jpeg", AttachmentKind.PHOTO
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        file_id, mime, kind = message.document.file_id, message.document.mime_type or "image/jpeg", AttachmentKind.PHOTO
    elif message.document and documents:
        document = message.document
        file_id, kind = document.file_id, AttachmentKind.DOCUMENT
        mime = document.mime_type or "application/octet-stream"
        suffix = mimetypes.guess_extension(mime) or Path(document.file_name or "").suffix[:10] or ".bin"
    else:
        return ()
    stored: str | None = None
    citizen_copy: str | None = None
    digest: str | None = None
    size_bytes: int | None = None
    error: str | None = None
    try:
        data = bytes(await (await bot.get_file(file_id)).download_as_bytearray())
        digest, size_bytes = hashlib.sha256(data).hexdigest(), len(data)
        relative = Path("telegram") / f"{digest}{suffix}"
        (media_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (media_dir / relative).write_bytes(data)
        stored = str(relative)
    except Exception as exc:  # the file id still lets the photo be shown in Telegram
        log.warning("could not fetch a telegram photo", extra={"error": repr(exc)})
        error = type(exc).__name__
    else:
        if kind is AttachmentKind.PHOTO:
            citizen_copy = await citizen_rendition(media_dir, relative, data, mime)
    return (NewAttachment(kind, "telegram", file_id, caption=message.caption or "", sha256=digest, mime=mime,
                          size=size_bytes, stored_path=stored, fetch_error=error, citizen_path=citizen_copy),)


async def citizen_rendition(media_dir: Path, relative: Path, data: bytes, mime: str) -> str | None:
    """A copy WhatsApp takes (JPEG within 5 MB) when the original does not fit; None when it fits or cannot be made.

    Made here, as the photo arrives, so a 10 MB image document never becomes a message WhatsApp refuses;
    the citizen's bot falls back to the text alone (saying so) when no copy could be made.
    """
    if fits(mime, len(data)):
        return None
    try:
        return await asyncio.to_thread(store_rendition, media_dir, relative, data)  # seconds of CPU: off the loop
    except OSError:
        log.warning("could not write a citizen rendition", exc_info=True)
        return None
