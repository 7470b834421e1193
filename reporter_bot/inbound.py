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


MAX_ID = 2**31 - 1  # database ids are INTEGER columns


def is_id(text: str) -> bool:
    """Whether a button's id part can name a database row (digits, within INTEGER)."""
    return text.isdigit() and 0 < int(text) <= MAX_ID


def clean(value: object) -> str:
    """Text from a webhook as a string without control characters."""
    return _CONTROL.sub("", value if isinstance(value, str) else "" if value is None else str(value))


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


def _values(body: dict[str, Any], phone_id: str | None = None) -> list[dict[str, Any]]:
    """The change values of a body; with `phone_id`, only those for that business number (Meta sends
    every number of the app to one webhook: another number's messages are not ours to answer)."""
    values = [change.get("value") or {} for entry in body.get("entry") or () for change in entry.get("changes") or ()]
    if phone_id is None:
        return values
    return [v for v in values if str((v.get("metadata") or {}).get("phone_number_id", "")) == phone_id]


def keys(raw: bytes, phone_id: str | None = None) -> list[tuple[str, str]]:
    """(inbox key, sender wa_id) of each message and status in a webhook body (for `phone_id`, if given)."""
    body = json.loads(raw)
    found: list[tuple[str, str]] = []
    for value in _values(body, phone_id):
        for message in value.get("messages") or ():
            found.append((str(message["id"]), str(message.get("from", ""))))
        for status in value.get("statuses") or ():
            found.append((f"status:{status['id']}:{status.get('status')}", str(status.get("recipient_id", ""))))
    return found


def parse(raw: str, phone_id: str | None = None) -> tuple[list[Incoming], list[Status]]:
    """The messages and statuses of a webhook body (for `phone_id`, if given)."""
    messages: list[Incoming] = []
    statuses: list[Status] = []
    for value in _values(json.loads(raw), phone_id):
        names = {c.get("wa_id"): (c.get("profile") or {}).get("name", "") for c in value.get("contacts") or ()}
        for message in value.get("messages") or ():
            messages.append(_message(message, names.get(message.get("from"), "") or ""))
        for status in value.get("statuses") or ():
            errors = status.get("errors") or ()
            error = "; ".join(f"{e.get('code')} {e.get('title', '')}".strip() for e in errors)
            statuses.append(Status(str(status["id"]), str(status.get("status", "")),
                                   str(status.get("recipient_id", "")), error))
    return messages, statuses


def _message(message: dict[str, Any], name: str) -> Incoming:
    kind = str(message.get("type", "unsupported"))
    raw = message.get(kind)
    content: dict[str, Any] = raw if isinstance(raw, dict) else {}
    head = (str(message["id"]), str(message.get("from", "")), clean(name), kind)
    when = _number(message.get("timestamp"), int) or 0
    if kind == "text":
        return Incoming(*head, text=clean(content.get("body")), timestamp=when)
    if kind in MEDIA_TYPES:
        media = Media(str(content.get("id", "")), str(content.get("mime_type", "")), clean(content.get("caption")),
                      clean(content.get("filename")), bool(content.get("voice")))
        return Incoming(*head, text=media.caption, media=media, timestamp=when)
    if kind == "location":
        latitude, longitude = _number(content.get("latitude"), float), _number(content.get("longitude"), float)
        if latitude is None or longitude is None or not (abs(latitude) <= 90 and abs(longitude) <= 180):
            return Incoming(head[0], head[1], head[2], "unsupported", timestamp=when)  # no usable place in it
        place = ", ".join(clean(content[k]) for k in ("name", "address") if content.get(k))
        return Incoming(*head, latitude=latitude, longitude=longitude, place=place, timestamp=when)
    if kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply") or {}
        return Incoming(*head, choice_id=clean(reply.get("id")), text=clean(reply.get("title")), timestamp=when)
    if kind == "button":  # a template's quick-reply button
        return Incoming(*head, choice_id=clean(content.get("payload")), text=clean(content.get("text")),
                        timestamp=when)
    return Incoming(*head, timestamp=when)


def _number(value: Any, kind: Callable[[Any], T]) -> T | None:
    """`value` as an int or a finite float, or None when it is not a number."""
    try:
        number = kind(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(float(number)) else None
