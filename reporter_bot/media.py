"""Fetching a citizen's media from WhatsApp right away (ids expire) into content-addressed files."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
from pywa.errors import WhatsAppError
from pywa_async.client import WhatsApp

from reporter_bot.webhook_body import Media

log = logging.getLogger(__name__)
MB = 1024 * 1024
MEDIA_ID = re.compile(r"[A-Za-z0-9_.-]{1,128}")
# What the bot keeps per kind; WhatsApp's own limits are the same or larger (documents 100 MB).
DEFAULT_LIMITS = {"photo": 5 * MB, "voice": 16 * MB, "video": 16 * MB, "document": 20 * MB}
KIND_OF_TYPE = {"image": "photo", "audio": "voice", "video": "video", "document": "document"}


@dataclass(frozen=True)
class Fetched:
    kind: str
    ref: str
    mime: str
    caption: str = ""
    sha256: str | None = None
    size: int | None = None
    path: str | None = None
    error: str | None = None
    too_large: bool = False
    limit: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k not in ("too_large", "limit")}


class MediaFetcher:
    """Downloads by media id with retries and stores `<media_dir>/<sha256[:2]>/<sha256><ext>`."""

    def __init__(self, wa: WhatsApp, media_dir: Path, limits: dict[str, int] | None = None,
                 attempts: int = 3, retry_delay: float = 0.5) -> None:
        self.wa, self.media_dir = wa, media_dir
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.attempts, self.retry_delay = attempts, retry_delay

    async def fetch(self, media: Media, message_type: str) -> Fetched:
        """The stored copy, or a Fetched with `error` (and `too_large`) saying why there is none."""
        kind = KIND_OF_TYPE.get(message_type, "document")
        base = Fetched(kind, media.id, media.mime, media.caption)
        if not MEDIA_ID.fullmatch(media.id):  # Meta's ids are digits; anything else cannot be asked for
            log.warning("media with an unusable id", extra={"kind": kind})
            return Fetched(kind, media.id[:100], media.mime, media.caption, error="unusable media id")
        last = ""
        for attempt in range(self.attempts):
            try:
                url = await self.wa.get_media_url(media.id)
                if url.file_size and url.file_size > self.limits[kind]:
                    return Fetched(kind, media.id, media.mime, media.caption, size=url.file_size,
                                   error=f"too large: {url.file_size} bytes", too_large=True,
                                   limit=self.limits[kind])
                data = await self.wa.get_media_bytes(url.url)
                return self._keep(base, data, url.mime_type or media.mime)
            except (WhatsAppError, httpx.HTTPError, httpx.InvalidURL, OSError, KeyError, ValueError) as exc:
                last = f"{type(exc).__name__}: {exc}"[:300]
                log.warning("media fetch failed", extra={"media_id": media.id, "attempt": attempt + 1})
                if attempt + 1 < self.attempts:
                    await asyncio.sleep(self.retry_delay * 2**attempt)
        return Fetched(kind, media.id, media.mime, media.caption, error=last or "download failed")

    def _keep(self, base: Fetched, data: bytes, mime: str) -> Fetched:
        digest = hashlib.sha256(data).hexdigest()
        ext = mimetypes.guess_extension(mime.split(";")[0].strip()) or ".bin"
        path = self.media_dir / digest[:2] / f"{digest}{ext}"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(path.suffix + f".{os.getpid()}.part")
            partial.write_bytes(data)
            partial.replace(path)
        return Fetched(base.kind, base.ref, mime, base.caption, digest, len(data), str(path))
