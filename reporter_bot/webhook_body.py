"""Reading a stored WhatsApp webhook body: the citizen's messages and the status of ours."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T", int, float)

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")
# Control characters other than tab and newline: they carry nothing a reader sees, break matching,
# and PostgreSQL refuses NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A lone UTF-16 surrogate (half an emoji; legal in JSON as "\ud83d") cannot be encoded as UTF-8: the
# database, the outbox's JSON and both platforms would refuse the text, and a refused row blocks the
# citizen's queue. (json has already joined every valid pair, so any surrogate left is a lone one.)
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(value: object) -> str:
    """Text from a webhook as a string everything downstream accepts: control characters dropped, what
    UTF-8 cannot encode replaced with U+FFFD, and a number as its digits (an object or list is no text)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | float):
        text = str(value)
    else:
        return ""
    return _CONTROL.sub("", _SURROGATE.sub("\ufffd", text))


@dataclass(frozen=True)
class Media:
    id: str
    mime: str
    caption: str = ""
    filename: str = ""
    voice: bool = False


@dataclass(frozen=True)
class Incoming:
    """One message from a citizen; `type` is WhatsApp's (text, image, interactive, ...)."""

    wamid: str
    wa_id: str
    name: str
    type: str
    text: str = ""
    choice_id: str = ""  # button_reply / list_reply / template quick-reply payload
    media: Media | None = None
    latitude: float | None = None
    longitude: float | None = None
    place: str = ""  # name/address the citizen's phone attached to a shared location
    timestamp: int = 0


@dataclass(frozen=True)
class Status:
    """A delivery status of a message we sent."""

    wamid: str
    status: str
    recipient: str
    error: str = ""


Lines = str | frozenset[str]  # the business number(s) this install answers on, by phone number id


def _values(body: Any, lines: Lines | None = None) -> list[dict[str, Any]]:
    """The change values of a body; with `lines`, only those for these business numbers (Meta sends
    every number of the app to one webhook: another number's messages are not ours to answer)."""
    values = [change["value"] for entry in _dicts(_dict(body).get("entry")) for change in _dicts(entry.get("changes"))
              if isinstance(change.get("value"), dict)]
    if lines is None:
        return values
    ours = frozenset({lines}) if isinstance(lines, str) else lines
    return [v for v in values if str(_dict(v.get("metadata")).get("phone_number_id", "")) in ours]


def line_of(raw: str) -> str:
    """The business number (phone number id) a stored update came to: each is stored alone, with its metadata."""
    values = _values(json.loads(raw))
    return str(_dict(values[0].get("metadata")).get("phone_number_id", "")) if values else ""


def parse(raw: str, lines: Lines | None = None) -> tuple[list[Incoming], list[Status]]:
    """The messages and statuses of a webhook body (for `lines`, if given); parts of the wrong shape
    are read as far as they go (the intake split off what has no id)."""
    messages: list[Incoming] = []
    statuses: list[Status] = []
    for value in _values(json.loads(raw), lines):
        contacts = _dicts(value.get("contacts"))
        names = {clean(c.get("wa_id")): clean(_dict(c.get("profile")).get("name")) for c in contacts}
        for message in _dicts(value.get("messages")):
            messages.append(_message(message, names.get(clean(message.get("from")), "")))
        for status in _dicts(value.get("statuses")):
            error = "; ".join(f"{clean(e.get('code'))} {clean(e.get('title'))}".strip()
                              for e in _dicts(status.get("errors")))
            statuses.append(Status(clean(status.get("id")), clean(status.get("status")),
                                   clean(status.get("recipient_id")), error))
    return messages, statuses


def _message(message: dict[str, Any], name: str) -> Incoming:
    kind = clean(message.get("type")) or "unsupported"
    content = _dict(message.get(kind))
    head = (clean(message.get("id")), clean(message.get("from")), name, kind)
    when = _number(message.get("timestamp"), int) or 0
    if kind == "text":
        return Incoming(*head, text=clean(content.get("body")), timestamp=when)
    if kind in MEDIA_TYPES:
        media = Media(clean(content.get("id")), clean(content.get("mime_type")), clean(content.get("caption")),
                      clean(content.get("filename")), bool(content.get("voice")))
        return Incoming(*head, text=media.caption, media=media, timestamp=when)
    if kind == "location":
        latitude, longitude = _number(content.get("latitude"), float), _number(content.get("longitude"), float)
        if latitude is None or longitude is None or not (abs(latitude) <= 90 and abs(longitude) <= 180):
            return Incoming(head[0], head[1], head[2], "unsupported", timestamp=when)  # no usable place in it
        place = ", ".join(clean(content[k]) for k in ("name", "address") if clean(content.get(k)))
        return Incoming(*head, latitude=latitude, longitude=longitude, place=place, timestamp=when)
    if kind == "interactive":
        reply = _dict(content.get("button_reply")) or _dict(content.get("list_reply"))
        return Incoming(*head, choice_id=clean(reply.get("id")), text=clean(reply.get("title")), timestamp=when)
    if kind == "button":  # a template's quick-reply button
        return Incoming(*head, choice_id=clean(content.get("payload")), text=clean(content.get("text")),
                        timestamp=when)
    return Incoming(*head, timestamp=when)


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a list (an absent list, or one of the wrong type, holds none)."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _number(value: Any, kind: Callable[[Any], T]) -> T | None:
    """`value` as an int or a finite float, or None when it is not a number."""
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(float(number)) else None
