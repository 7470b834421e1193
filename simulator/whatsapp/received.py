"""What a simulated citizen sees of the messages the business sent: readable objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ReplyButton:
    id: str
    title: str


@dataclass(frozen=True)
class ListRow:
    id: str
    title: str
    description: str | None = None
    section: str | None = None


@dataclass
class Received:
    """One message the business sent to a citizen.

    ``kind`` is one of: text, buttons, list, location_request, cta_url, image, audio, video,
    document, sticker, location, contacts, template, reaction, interactive (other interactive types).
    """

    wamid: str
    kind: str
    at: dt.datetime
    raw: dict[str, Any]
    text: str | None = None  # text body, interactive body, media caption
    header: str | None = None
    footer: str | None = None
    buttons: list[ReplyButton] = field(default_factory=list)
    list_button: str | None = None
    rows: list[ListRow] = field(default_factory=list)
    media_id: str | None = None
    media_link: str | None = None
    media: bytes | None = None
    mime_type: str | None = None
    filename: str | None = None
    voice: bool = False
    latitude: float | None = None
    longitude: float | None = None
    name: str | None = None
    address: str | None = None
    template_name: str | None = None
    template_language: str | None = None
    template_params: list[str] = field(default_factory=list)
    emoji: str | None = None
    reacted_to: str | None = None
    reply_to: str | None = None  # context.message_id: the citizen's message this one replies to

    @property
    def body(self) -> str | None:
        return self.text

    @property
    def button_titles(self) -> list[str]:
        return [b.title for b in self.buttons]

    @property
    def row_titles(self) -> list[str]:
        return [r.title for r in self.rows]

    @property
    def is_interactive_choice(self) -> bool:
        return self.kind in ("buttons", "list")

    def __str__(self) -> str:
        extra = ""
        if self.buttons:
            extra = f" buttons={self.button_titles}"
        elif self.rows:
            extra = f" rows={self.row_titles}"
        elif self.template_name:
            extra = f" template={self.template_name}{self.template_params}"
        return f"<{self.kind} {self.text!r}{extra}>"


def _param_text(param: dict[str, Any]) -> str:
    typ = param.get("type", "text")
    value = param.get(typ)
    if isinstance(value, dict):  # currency/date_time/media objects
        return str(value.get("fallback_value") or value.get("id") or value.get("link") or value)
    return str(value if value is not None else param.get("text", ""))


def from_payload(
    wamid: str,
    payload: dict[str, Any],
    at: dt.datetime,
    media_lookup: Any = None,
) -> Received:
    """Build the citizen's view of an accepted send-message request body.

    ``media_lookup(media_id) -> StoredMedia | None`` resolves uploaded media to their bytes.
    """
    typ = payload.get("type", "text")
    content: dict[str, Any] = payload.get(typ) or {}
    context = payload.get("context") or {}
    msg = Received(wamid=wamid, kind=typ, at=at, raw=payload, reply_to=context.get("message_id"))
    if typ == "text":
        msg.text = content.get("body")
    elif typ == "interactive":
        _fill_interactive(msg, content)
        header = content.get("header") or {}
        if header.get("type") in ("image", "video", "document"):  # a media header shows above the body
            _fill_media(msg, header.get(header["type"]) or {}, media_lookup)
    elif typ in ("image", "audio", "video", "document", "sticker"):
        msg.text = content.get("caption")
        msg.voice = bool(content.get("voice"))
        _fill_media(msg, content, media_lookup)
    elif typ == "location":
        msg.latitude = float(content["latitude"])
        msg.longitude = float(content["longitude"])
        msg.name = content.get("name")
        msg.address = content.get("address")
    elif typ == "template":
        msg.template_name = content.get("name")
        msg.template_language = (content.get("language") or {}).get("code")
        for component in content.get("components") or ():
            if str(component.get("type", "")).lower() == "body":
                msg.template_params.extend(_param_text(p) for p in component.get("parameters") or ())
    elif typ == "reaction":
        msg.emoji = content.get("emoji")
        msg.reacted_to = content.get("message_id")
    return msg


def _fill_media(msg: Received, content: dict[str, Any], media_lookup: Any) -> None:
    msg.media_id = content.get("id")
    msg.media_link = content.get("link")
    msg.filename = content.get("filename")
    stored = media_lookup(msg.media_id) if media_lookup and msg.media_id else None
    if stored is not None:
        msg.media = stored.data
        msg.mime_type = stored.mime_type
        msg.filename = msg.filename or stored.filename


def _fill_interactive(msg: Received, content: dict[str, Any]) -> None:
    itype = content.get("type")
    action = content.get("action") or {}
    msg.text = (content.get("body") or {}).get("text")
    header = content.get("header") or {}
    msg.header = header.get("text")
    msg.footer = (content.get("footer") or {}).get("text")
    if itype == "button":
        msg.kind = "buttons"
        msg.buttons = [ReplyButton(b["reply"]["id"], b["reply"]["title"]) for b in action.get("buttons", ())]
    elif itype == "list":
        msg.kind = "list"
        msg.list_button = action.get("button")
        msg.rows = [
            ListRow(r["id"], r["title"], r.get("description"), s.get("title"))
            for s in action.get("sections", ())
            for r in s.get("rows", ())
        ]
    elif itype == "location_request_message":
        msg.kind = "location_request"
    elif itype == "cta_url":
        msg.kind = "cta_url"
    else:
        msg.kind = "interactive"
