"""In-memory media store: business uploads and the citizens' incoming media."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import mimetypes
import secrets
from dataclasses import dataclass

from . import rules


@dataclass(frozen=True)
class StoredMedia:
    id: str
    data: bytes
    mime_type: str
    filename: str | None
    phone_id: str
    uploaded_by_business: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)


class MediaStore:
    """Media by numeric id (pywa recognises a media id by its digits), with signed download URLs."""

    def __init__(self) -> None:
        self._items: dict[str, StoredMedia] = {}
        self._ids = itertools.count(1_000_000_000_000_000 + secrets.randbelow(10**15))
        self._url_key = secrets.token_bytes(16)

    def put(
        self,
        data: bytes,
        mime_type: str,
        *,
        phone_id: str,
        filename: str | None = None,
        by_business: bool,
    ) -> StoredMedia:
        """Store media after checking its type and size like Meta's upload endpoint."""
        kind = rules.media_kind(mime_type)
        if kind is None:
            raise rules.unsupported_media_type(mime_type)
        if len(data) > rules.MEDIA_MAX_BYTES[kind]:
            raise rules.media_too_large(kind, len(data))
        media = StoredMedia(
            id=str(next(self._ids)),
            data=data,
            mime_type=mime_type,
            filename=filename,
            phone_id=phone_id,
            uploaded_by_business=by_business,
        )
        self._items[media.id] = media
        return media

    def get(self, media_id: str) -> StoredMedia | None:
        return self._items.get(media_id)

    def delete(self, media_id: str) -> bool:
        return self._items.pop(media_id, None) is not None

    def __contains__(self, media_id: object) -> bool:
        return media_id in self._items

    # ---- download URLs (like lookaside.fbsbx.com/whatsapp_business/attachments/?mid=...) -------

    def url_hash(self, media_id: str) -> str:
        return hmac.new(self._url_key, media_id.encode(), hashlib.sha256).hexdigest()[:24]

    def download_url(self, base_url: str, media: StoredMedia) -> str:
        if media.filename and "." in media.filename:
            ext = media.filename.rpartition(".")[2]
        else:
            ext = (mimetypes.guess_extension(media.mime_type.split(";")[0].strip()) or ".bin")[1:]
        return (
            f"{base_url.rstrip('/')}/whatsapp_business/attachments/?mid={media.id}"
            f"&ext={ext}&hash={self.url_hash(media.id)}"
        )

    def check_media_kind(self, media_id: str, message_type: str, *, phone_id: str | None = None) -> StoredMedia:
        """The stored media for a send of ``message_type`` by id, or the error Meta answers.

        With ``phone_id`` (the sending number) the media must belong to that number: only the number
        it was uploaded on (or received by) can send it.
        """
        media = self._items.get(media_id)
        if media is None or (phone_id is not None and media.phone_id != phone_id):
            raise rules.media_not_found(media_id)
        kind = rules.media_kind(media.mime_type)
        allowed = {message_type} | ({"image", "audio", "video", "sticker"} if message_type == "document" else set())
        if kind not in allowed:
            raise rules.param_not_valid(
                f"Media id {media_id} has type {media.mime_type}, which cannot be sent as {message_type}."
            )
        if media.size > rules.MEDIA_MAX_BYTES[message_type]:
            raise rules.media_too_large(message_type, media.size)
        return media
