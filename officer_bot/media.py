"""Files between Telegram and the ticket: citizens' photos and voice notes out, officers' photos in."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from telegram import Bot, InputMediaPhoto, Message

from core.db.models import Attachment
from core.domain.reports import AttachmentKind, NewAttachment

log = logging.getLogger(__name__)
ALBUM_MAX = 10


def readable(att: Attachment, media_dir: Path) -> str | bytes | None:
    """What Telegram can be given for a stored attachment: its file id, or the bytes on disk; None if neither."""
    if att.platform == "telegram" and att.platform_ref:
        return att.platform_ref
    if att.stored_path:
        path = Path(att.stored_path)
        path = path if path.is_absolute() else media_dir / path
        try:
            return path.read_bytes()
        except OSError:
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


async def incoming(bot: Bot, message: Message, media_dir: Path) -> tuple[NewAttachment, ...]:
    """The photo (largest size) or document image of a staff message, kept on disk for the citizen's bot."""
    if message.photo:
        size = message.photo[-1]
        file_id, mime, kind = size.file_id, "image/jpeg", AttachmentKind.PHOTO
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        file_id, mime, kind = message.document.file_id, message.document.mime_type or "image/jpeg", AttachmentKind.PHOTO
    else:
        return ()
    stored: str | None = None
    digest: str | None = None
    size_bytes: int | None = None
    error: str | None = None
    try:
        data = bytes(await (await bot.get_file(file_id)).download_as_bytearray())
        digest, size_bytes = hashlib.sha256(data).hexdigest(), len(data)
        relative = Path("telegram") / f"{digest}.jpg"
        (media_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (media_dir / relative).write_bytes(data)
        stored = str(relative)
    except Exception as exc:  # the file id still lets the photo be shown in Telegram
        log.warning("could not fetch a telegram photo", extra={"error": repr(exc)})
        error = type(exc).__name__
    return (NewAttachment(kind, "telegram", file_id, caption=message.caption or "", sha256=digest, mime=mime,
                          size=size_bytes, stored_path=stored, fetch_error=error),)
