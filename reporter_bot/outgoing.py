"""One WhatsApp message to send, as plain data: what replies and rendered updates turn into."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from core.texts import clip

TEXT_MAX = 4096
BODY_MAX = 1024
CAPTION_MAX = 1024
BUTTON_TITLE_MAX = 20
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72


def encodable(text: str) -> str:
    """`text` as UTF-8 can carry it: split surrogate pairs joined, a lone half (of an emoji) made U+FFFD."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _encodable(value: Any) -> Any:
    if isinstance(value, str):
        return encodable(value)
    if isinstance(value, list | tuple):
        return [_encodable(v) for v in value]
    if isinstance(value, dict):
        return {k: _encodable(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Row:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Outgoing:
    """A text, reply buttons (≤3), a list (≤10 rows), a location request, an image (+ buttons) or a document."""

    text: str
    buttons: tuple[tuple[str, str], ...] = ()
    list_button: str = ""
    sections: tuple[tuple[str, tuple[Row, ...]], ...] = ()
    location_request: bool = False
    image_path: str = ""
    image_mime: str = "image/jpeg"
    document_path: str = ""  # a file sent as a WhatsApp document (the text its caption)
    document_name: str = ""
    document_mime: str = ""
    then: tuple[Outgoing, ...] = ()  # messages sent after this one, each its own outbox row (more photos)

    def to_data(self) -> dict[str, Any]:
        """JSON-ready form, kept in an outbox row."""
        return {
            "text": self.text, "buttons": [list(b) for b in self.buttons], "list_button": self.list_button,
            "sections": [[title, [[r.id, r.title, r.description] for r in rows]] for title, rows in self.sections],
            "location_request": self.location_request, "image_path": self.image_path, "image_mime": self.image_mime,
            "document_path": self.document_path, "document_name": self.document_name,
            "document_mime": self.document_mime, "then": [follow.to_data() for follow in self.then],
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Outgoing:
        sections = tuple((str(title), tuple(Row(*row) for row in rows)) for title, rows in data.get("sections", ()))
        return cls(
            text=str(data.get("text", "")), buttons=tuple((str(i), str(t)) for i, t in data.get("buttons", ())),
            list_button=str(data.get("list_button", "")), sections=sections,
            location_request=bool(data.get("location_request")), image_path=str(data.get("image_path", "")),
            image_mime=str(data.get("image_mime", "image/jpeg")),
            document_path=str(data.get("document_path", "")), document_name=str(data.get("document_name", "")),
            document_mime=str(data.get("document_mime", "")),
            then=tuple(cls.from_data(follow) for follow in data.get("then") or ()),
        )

    def encodable(self) -> Outgoing:
        """This message with every text made sendable (whatever reached it: a citizen's own words, a name)."""
        return Outgoing.from_data(_encodable(self.to_data()))

    def without_media(self, note: str) -> Outgoing:
        """The same words and buttons without the image (or document), `note` saying why (a fallback)."""
        body = f"{self.text}\n\n{note}" if note else self.text
        return replace(self, text=clip(body, BODY_MAX if self.buttons else TEXT_MAX), image_path="", document_path="")

    def plain(self) -> Outgoing:
        """Only the text: no buttons, list, location request or image (the last fallback before the template)."""
        return Outgoing(clip(self.text, TEXT_MAX))


def buttons(text: str, *choices: tuple[str, str]) -> Outgoing:
    """Reply buttons (at most three, titles clipped to WhatsApp's 20 characters)."""
    return Outgoing(clip(text, BODY_MAX), tuple((i, clip(t, BUTTON_TITLE_MAX)) for i, t in choices[:3]))


def choice_list(text: str, button: str, sections: list[tuple[str, list[Row]]]) -> Outgoing:
    """An interactive list; at most ten rows in all, titles and descriptions clipped."""
    kept: list[tuple[str, tuple[Row, ...]]] = []
    left = 10
    for title, rows in sections:
        cut = tuple(Row(r.id, clip(r.title, ROW_TITLE_MAX), clip(r.description, ROW_DESCRIPTION_MAX))
                    for r in rows[:left])
        if cut:
            kept.append((clip(title, ROW_TITLE_MAX), cut))
            left -= len(cut)
    return Outgoing(clip(text, BODY_MAX), list_button=clip(button, BUTTON_TITLE_MAX), sections=tuple(kept))
