"""Reading a stored WhatsApp webhook body: the citizen's messages and the status of ours."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")


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


def _values(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [change.get("value") or {} for entry in body.get("entry") or () for change in entry.get("changes") or ()]


def keys(raw: bytes) -> list[tuple[str, str]]:
    """(inbox key, sender wa_id) of each message and status in a webhook body."""
    body = json.loads(raw)
    found: list[tuple[str, str]] = []
    for value in _values(body):
        for message in value.get("messages") or ():
            found.append((str(message["id"]), str(message.get("from", ""))))
        for status in value.get("statuses") or ():
            found.append((f"status:{status['id']}:{status.get('status')}", str(status.get("recipient_id", ""))))
    return found


def parse(raw: str) -> tuple[list[Incoming], list[Status]]:
    """The messages and statuses of a webhook body."""
    messages: list[Incoming] = []
    statuses: list[Status] = []
    for value in _values(json.loads(raw)):
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
    head = (str(message["id"]), str(message.get("from", "")), name, kind)
    when = int(message.get("timestamp") or 0)
    if kind == "text":
        return Incoming(*head, text=str(content.get("body", "")), timestamp=when)
    if kind in MEDIA_TYPES:
        media = Media(str(content.get("id", "")), str(content.get("mime_type", "")), str(content.get("caption") or ""),
                      str(content.get("filename") or ""), bool(content.get("voice")))
        return Incoming(*head, text=media.caption, media=media, timestamp=when)
    if kind == "location":
        place = ", ".join(str(content[k]) for k in ("name", "address") if content.get(k))
        return Incoming(*head, latitude=float(content["latitude"]), longitude=float(content["longitude"]),
                        place=place, timestamp=when)
    if kind == "interactive":
        reply = content.get("button_reply") or content.get("list_reply") or {}
        return Incoming(*head, choice_id=str(reply.get("id", "")), text=str(reply.get("title", "")), timestamp=when)
    if kind == "button":  # a template's quick-reply button
        return Incoming(*head, choice_id=str(content.get("payload", "")), text=str(content.get("text", "")),
                        timestamp=when)
    return Incoming(*head, timestamp=when)
