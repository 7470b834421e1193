"""The unfinished report a citizen is building, kept as JSON in the `conversations` table."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from core.domain.reports import AttachmentKind, NewAttachment, NewReport, Privacy


@dataclass
class Draft:
    """What the citizen has told us so far; `media` items are dicts as `media.Fetched.to_dict` writes them."""

    category: str | None = None
    description: str = ""
    media: list[dict[str, Any]] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    desa: str | None = None
    privacy: str | None = None
    photos_done: bool = False
    editing: bool = False  # came from the summary's "Ubah": go back to the summary afterwards
    nearby_offered: bool = False
    nearby_ids: list[int] = field(default_factory=list)  # tickets offered to follow: the only ones a reply may name
    # On the kabupaten-wide number: the kecamatan the report is for (kept while idle: the one the citizen
    # last reported to there), and whether the citizen was asked where the problem is.
    kecamatan: str | None = None
    asked_where: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def count(self, kind: str) -> int:
        return sum(1 for m in self.media if m.get("kind") == kind)

    @property
    def has_story(self) -> bool:
        return bool(self.description.strip()) or self.count("voice") > 0

    @property
    def has_location(self) -> bool:
        return self.latitude is not None or bool(self.address.strip())

    @property
    def is_empty(self) -> bool:
        return not (self.category or self.has_story or self.media or self.has_location)

    def add_text(self, text: str) -> None:
        text = text.strip()
        if text:
            self.description = f"{self.description}\n{text}".strip() if self.description else text

    def attachments(self) -> tuple[NewAttachment, ...]:
        found = [NewAttachment(AttachmentKind(m["kind"]), "whatsapp", m.get("ref", ""), m.get("caption", ""),
                               m.get("sha256"), m.get("mime"), m.get("size"), m.get("path"), m.get("error"))
                 for m in self.media]
        if self.latitude is not None and self.longitude is not None:
            found.append(NewAttachment(AttachmentKind.LOCATION, "whatsapp", f"{self.latitude},{self.longitude}"))
        return tuple(found)

    def report(self) -> NewReport:
        return NewReport(description=self.description, category=self.category, latitude=self.latitude,
                         longitude=self.longitude, address=self.address, desa=self.desa,
                         privacy=Privacy(self.privacy or "normal"), attachments=self.attachments())
