"""A simulated citizen (warga): sends messages to the business number and sees its answers."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import phonenumbers

from .received import Received

if TYPE_CHECKING:
    from .simulator import WhatsAppSimulator

_BSUID_COUNTRY = {"62": "ID", "60": "MY", "65": "SG", "1": "US", "44": "GB", "91": "IN", "61": "AU"}


class NotOfferedError(LookupError):
    """The citizen tried to tap a button or choose a row the bot did not offer."""


def normalise_phone(phone: str, region: str = "ID") -> str:
    """A phone number as a WhatsApp id: country code and number, digits only (0812… → 62812…)."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        raise ValueError(f"not a phone number: {phone!r}")
    text = phone.strip()
    if not text.startswith("+") and not text.startswith("0"):
        text = "+" + digits
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number: {phone!r}") from exc
    return f"{parsed.country_code}{parsed.national_number}"


def business_scoped_user_id(wa_id: str, waba_id: str) -> str:
    """A stable BSUID like Meta's (``ID.13491208655302741918``): country code, dot, digits."""
    country = next(
        (cc for prefix, cc in sorted(_BSUID_COUNTRY.items(), key=lambda i: -len(i[0])) if wa_id.startswith(prefix)),
        "US",
    )
    digest = int.from_bytes(hashlib.sha256(f"{waba_id}:{wa_id}".encode()).digest()[:8], "big")
    return f"{country}.{digest}"


Predicate = Callable[[Received], bool]


class Citizen:
    """One WhatsApp user's chat with one business number. Create with ``sim.citizen(phone, name=...)``.

    ``business`` is the phone_number_id of the business number the chat is with (the default one
    unless ``sim.citizen(..., business=phone_id)``); each chat has its own 24-hour window.
    """

    def __init__(self, sim: WhatsAppSimulator, wa_id: str, name: str | None, business: str | None = None) -> None:
        self.sim = sim
        self.wa_id = wa_id
        self.business = sim.phone_id if business is None else business
        self.name = name
        self.user_id = business_scoped_user_id(wa_id, sim.waba_id)
        self.received: list[Received] = []
        self.sent: list[str] = []  # wamids of the citizen's own messages, in order
        self.sent_items: dict[str, dict[str, Any]] = {}  # wamid -> the citizen's message as its webhook carries it
        self.order: list[str] = []  # wamids both ways, in the order the chat shows them
        self.last_inbound_at: dt.datetime | None = None
        self.read_by_business: set[str] = set()  # own wamids the business marked as read
        self.typing_indicators = 0
        self._event = asyncio.Event()
        self._taken: set[int] = set()

    def __repr__(self) -> str:
        if self.business == self.sim.phone_id:
            return f"Citizen({self.wa_id!r}, name={self.name!r})"
        return f"Citizen({self.wa_id!r}, name={self.name!r}, business={self.business!r})"

    # ---- observation ------------------------------------------------------------------------

    def _receive(self, message: Received) -> None:
        self.received.append(message)
        self.order.append(message.wamid)
        self._event.set()
        self._event = asyncio.Event()
        self.sim.changed(self)

    def in_service_window(self, now: dt.datetime) -> bool:
        return self.last_inbound_at is not None and now - self.last_inbound_at < dt.timedelta(hours=24)

    async def wait_for(self, predicate: Predicate | None = None, timeout: float = 5.0) -> Received:
        """The first received message matching ``predicate`` not returned by an earlier wait_for.

        Waits (event-driven) until one arrives; raises TimeoutError after ``timeout`` seconds.
        """

        def find() -> Received | None:
            for index, message in enumerate(self.received):
                if index not in self._taken and (predicate is None or predicate(message)):
                    self._taken.add(index)
                    return message
            return None

        try:
            async with asyncio.timeout(timeout):
                while (found := find()) is None:
                    await self._event.wait()
        except TimeoutError:
            seen = ", ".join(str(m) for m in self.received) or "nothing"
            raise TimeoutError(f"{self!r}: no matching message within {timeout}s; received: {seen}") from None
        return found

    def latest_interactive(self) -> Received | None:
        return next((m for m in reversed(self.received) if m.is_interactive_choice), None)

    # ---- sending ------------------------------------------------------------------------------

    async def _send(self, typ: str, content: Any, *, context: dict[str, str] | None = None, **faults: Any) -> str:
        message: dict[str, Any] = {"type": typ, typ: content}
        if context:
            message["context"] = context
        return await self.sim.receive_from(self, message, self.sim.faults.merged(**faults))

    async def sends_text(self, text: str, **faults: Any) -> str:
        """Send a text; returns its wamid. Fault options: duplicate, delay, hold (see WebhookFaults)."""
        return await self._send("text", {"body": text}, **faults)

    async def replies_to(self, message_id: str, text: str, **faults: Any) -> str:
        return await self._send("text", {"body": text}, context=self.sim.context_for(self, message_id), **faults)

    def _media(self, data: bytes, mime: str, filename: str | None = None, **extra: Any) -> dict[str, Any]:
        stored = self.sim.media.put(data, mime, phone_id=self.business, filename=filename, by_business=False)
        content: dict[str, Any] = {k: v for k, v in extra.items() if v is not None}
        if filename is not None:
            content["filename"] = filename
        content.update(mime_type=mime, sha256=stored.sha256, id=stored.id)
        return content

    async def sends_image(
        self, data: bytes, caption: str | None = None, mime: str = "image/jpeg", **faults: Any
    ) -> str:
        return await self._send("image", self._media(data, mime, caption=caption), **faults)

    async def sends_voice(self, data: bytes, mime: str = "audio/ogg; codecs=opus", **faults: Any) -> str:
        content = self._media(data, mime)
        content["voice"] = True
        return await self._send("audio", content, **faults)

    async def sends_audio(self, data: bytes, mime: str = "audio/mpeg", **faults: Any) -> str:
        content = self._media(data, mime)
        content["voice"] = False
        return await self._send("audio", content, **faults)

    async def sends_video(self, data: bytes, caption: str | None = None, mime: str = "video/mp4", **faults: Any) -> str:
        return await self._send("video", self._media(data, mime, caption=caption), **faults)

    async def sends_document(
        self,
        data: bytes,
        filename: str,
        caption: str | None = None,
        mime: str = "application/pdf",
        **faults: Any,
    ) -> str:
        return await self._send("document", self._media(data, mime, filename, caption=caption), **faults)

    async def sends_sticker(self, data: bytes, animated: bool = False, **faults: Any) -> str:
        return await self._send("sticker", self._media(data, "image/webp", animated=animated), **faults)

    async def sends_location(
        self,
        latitude: float,
        longitude: float,
        name: str | None = None,
        address: str | None = None,
        **faults: Any,
    ) -> str:
        content: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
        content.update({k: v for k, v in (("name", name), ("address", address)) if v is not None})
        return await self._send("location", content, **faults)

    async def sends_contacts(self, *contacts: tuple[str, str], **faults: Any) -> str:
        """Share contacts, each ``(formatted_name, phone)``."""
        cards = []
        for formatted_name, phone in contacts:
            wa_id = normalise_phone(phone)
            cards.append(
                {
                    "name": {"formatted_name": formatted_name, "first_name": formatted_name.split()[0]},
                    "phones": [{"phone": "+" + wa_id, "wa_id": wa_id, "type": "CELL"}],
                }
            )
        return await self._send("contacts", cards, **faults)

    async def sends_reaction(self, to_message_id: str, emoji: str, **faults: Any) -> str:
        return await self._send("reaction", {"message_id": to_message_id, "emoji": emoji}, **faults)

    async def taps(self, button_title: str, **faults: Any) -> str:
        """Tap a reply button of the bot's latest interactive message to this citizen."""
        offer = self.latest_interactive()
        button = next((b for b in offer.buttons if b.title == button_title), None) if offer else None
        if offer is None or button is None:
            raise NotOfferedError(f"{self!r} was not offered a button {button_title!r}; latest interactive: {offer}")
        reply = {"type": "button_reply", "button_reply": {"id": button.id, "title": button.title}}
        return await self._send("interactive", reply, context=self.sim.context_for(self, offer.wamid), **faults)

    async def chooses(self, row_title: str, **faults: Any) -> str:
        """Choose a row of the list in the bot's latest interactive message to this citizen."""
        offer = self.latest_interactive()
        row = next((r for r in offer.rows if r.title == row_title), None) if offer else None
        if offer is None or row is None:
            raise NotOfferedError(f"{self!r} was not offered a list row {row_title!r}; latest interactive: {offer}")
        choice: dict[str, Any] = {"id": row.id, "title": row.title}
        if row.description is not None:
            choice["description"] = row.description
        reply = {"type": "list_reply", "list_reply": choice}
        return await self._send("interactive", reply, context=self.sim.context_for(self, offer.wamid), **faults)
