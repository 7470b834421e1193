"""Files: storing uploads under file ids, resolving InputFile parameters, image sizes."""

from __future__ import annotations

import hashlib
import itertools
import struct
from typing import TYPE_CHECKING

from .rules import bad_request
from .wire import Params
from .world import SimFile

if TYPE_CHECKING:
    from .simulator import TelegramSimulator

EXTENSIONS = {"photos": ".jpg", "voice": ".oga", "documents": "", "videos": ".mp4"}


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG (1280x960 when unknown)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
    return 1280, 960


class FileStore:
    def __init__(self, sim: TelegramSimulator) -> None:
        self.sim = sim
        self.by_id: dict[str, SimFile] = {}
        self.by_path: dict[str, SimFile] = {}
        self._ids = itertools.count(1)

    def add(
        self, data: bytes, kind: str, mime_type: str | None = None, file_name: str | None = None, duration: int = 0
    ) -> SimFile:
        n = next(self._ids)
        digest = hashlib.sha256(data).hexdigest()
        ext = EXTENSIONS.get(kind, "")
        if kind == "documents" and file_name and "." in file_name:
            ext = "." + file_name.rsplit(".", 1)[1]
        width, height = image_size(data) if kind == "photos" else (0, 0)
        file = SimFile(
            file_id=f"AgAC{kind[:2].upper()}{n:06d}{digest[:24]}",
            file_unique_id=f"AQAD{digest[:12]}",
            data=data,
            kind=kind,
            file_path=f"{kind}/file_{n}{ext}",
            mime_type=mime_type,
            file_name=file_name,
            width=width,
            height=height,
            duration=duration,
        )
        self.by_id[file.file_id] = file
        self.by_path[file.file_path] = file
        return file

    def get(self, file_id: str) -> SimFile:
        file = self.by_id.get(file_id)
        if file is None:
            raise bad_request("invalid file_id")
        return file

    def from_param(self, params: Params, name: str, kind: str, value: str | None = None) -> SimFile:
        """An InputFile parameter: an upload (field or attach://), or a known file_id."""
        ref = value if value is not None else params.str(name)
        upload = params.files.get(name) if value is None else None
        if ref and ref.startswith("attach://"):
            upload = params.files.get(ref[len("attach://") :])
            if upload is None:
                raise bad_request(f'can\'t find attached file "{ref[len("attach://") :]}"')
        if upload is not None:
            if not upload.data:
                raise bad_request("file must be non-empty")
            default_mime = {"photos": "image/jpeg", "voice": "audio/ogg"}.get(kind)
            return self.add(upload.data, kind, upload.content_type or default_mime, upload.filename)
        if not ref:
            raise bad_request(f"there is no {name} in the request")
        if ref.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        file = self.by_id.get(ref)
        if file is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if file.kind != kind:
            raise bad_request(f"wrong file type: can't use file of type {file.kind[:-1]} as {kind[:-1]}")
        return file
