"""What a citizen hands in: a report and its attachments, before they become a ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Privacy(StrEnum):
    NORMAL = "normal"  # officers see the masked number
    ANONYMOUS = "anonymous"  # officers see "anonim"
    CONFIDENTIAL = "confidential"  # as anonymous, and the ticket is kept out of public summaries


class AttachmentKind(StrEnum):
    PHOTO = "photo"
    VOICE = "voice"
    VIDEO = "video"
    DOCUMENT = "document"
    LOCATION = "location"


class AttachmentRole(StrEnum):
    REPORT = "report"
    PROGRESS = "progress"
    PROOF = "proof"
    ANSWER = "answer"  # what the desk sent with its answer to a request for information


class Outcome(StrEnum):
    """What became of an aspiration (a declined one is rejected, with its reason)."""

    MUSRENBANG_DESA = "musrenbang_desa"  # noted for the desa's Musrenbang of a planning year
    MUSRENBANG_KECAMATAN = "musrenbang_kecamatan"  # noted for the kecamatan's Musrenbang of a year
    TO_DESA = "ke_desa"  # passed on to the desa government
    TO_AGENCY = "ke_dinas"  # passed on to an agency of the kabupaten
    PLANNED = "direncanakan"  # already planned or under way (with a note saying what)


MUSRENBANG = frozenset({Outcome.MUSRENBANG_DESA, Outcome.MUSRENBANG_KECAMATAN})


@dataclass(frozen=True)
class NewAttachment:
    """A file (or shared location) as the platform gave it; the stored copy may follow later."""

    kind: AttachmentKind
    platform: str
    platform_ref: str = ""
    caption: str = ""
    sha256: str | None = None
    mime: str | None = None
    size: int | None = None
    stored_path: str | None = None
    fetch_error: str | None = None
    citizen_path: str | None = None  # a copy the citizens' channel takes, when the original does not fit


@dataclass(frozen=True)
class NewReport:
    """A finished draft. `category` may be empty: the desk sets it when verifying."""

    description: str
    category: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    address: str = ""
    desa: str | None = None
    privacy: Privacy = Privacy.NORMAL
    attachments: tuple[NewAttachment, ...] = field(default_factory=tuple)
    # What submitted it (e.g. the platform message): submitting the same source again returns the same ticket.
    source_ref: str | None = None


def format_number(prefix: str, value: int) -> str:
    """The public ticket number: `PTL-000123`."""
    return f"{prefix}-{value:06d}"
