"""The Telegram simulator's chats as the page shows them: JSON for the Telegram columns."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from core.kabupaten import Kabupaten
from simulator.telegram import SimChat, SimMessage, TelegramSimulator

from .controls import StaffMember
from .directory import chat_place


def chat_signatures(sim: TelegramSimulator) -> dict[int, int]:
    """A fingerprint per chat of what it shows now, to tell which chats changed."""
    return {
        chat.id: hash(
            tuple(
                (m.message_id, m.edit_date, m.content, repr(m.reply_markup))
                for m in chat.messages
            )
        )
        for chat in list(sim.chats.values())
    }


def chat_summary(chat: SimChat, install: Kabupaten) -> dict[str, Any]:
    """A chat as the page lists it: with its section and kind (desk, field, agency, ...) and who is in it."""
    return {
        "id": chat.id,
        "title": chat.title,
        "type": chat.type,
        "owner": chat.user.user_id if chat.user is not None else None,
        "members": list(chat.members),
        **chat_place(chat, install),
    }


def chat_list(sim: TelegramSimulator, install: Kabupaten) -> list[dict[str, Any]]:
    """Groups first (as created: each kecamatan's desk and field groups, the kabupaten, the agencies), then the
    private chats with the bot."""
    chats = sorted(sim.chats.values(), key=lambda c: c.is_private)
    return [chat_summary(c, install) for c in chats]


def user_list(sim: TelegramSimulator, staff: list[StaffMember]) -> list[dict[str, Any]]:
    roles = {s.telegram_id: s for s in staff}
    users = []
    for person in sim.people.values():
        member = roles.get(person.user_id)
        label = member.label if member else person.first_name
        users.append({"id": person.user_id, "name": person.first_name, "label": label})
    return users


def ensure_staff(sim: TelegramSimulator, staff: list[StaffMember]) -> None:
    """Create the Telegram users for the staff the page may act as (those not there yet)."""
    for member in staff:
        if member.telegram_id not in sim.people:
            sim.user(member.name, user_id=member.telegram_id)


def _file(file: Any) -> dict[str, Any] | None:
    if file is None:
        return None
    return {"url": f"/api/telegram/files/{file.file_id}", "mime": file.mime_type, "name": file.file_name}


def _sender(person: Any) -> dict[str, Any]:
    name = " ".join(p for p in (person.first_name, person.last_name) if p)
    return {"id": person.user_id, "name": name, "is_bot": person.is_bot}


def message_view(message: SimMessage, zone: ZoneInfo) -> dict[str, Any]:
    """One message in its current form (edits applied)."""
    reply = message.reply_to
    at = dt.datetime.fromtimestamp(message.date, zone)
    return {
        "id": message.message_id,
        "sender": _sender(message.sender),
        "time": at.strftime("%H:%M"),
        "text": message.text,
        "entities": message.entities if message.text is not None else message.caption_entities,
        "caption": message.caption,
        "photo": _file(message.photo),
        "voice": _file(message.voice),
        "document": _file(message.document),
        "location": list(message.location) if message.location else None,
        "album": message.media_group_id,
        "edited": message.edit_date is not None,
        "service": bool(message.service),
        "reply_to": None
        if reply is None
        else {"id": reply.message_id, "sender": _sender(reply.sender)["name"], "text": _snippet(reply)},
        "buttons": [[{"text": b.text, "url": b.url, "tap": b.callback_data is not None} for b in row]
                    for row in message.buttons],
    }


def _snippet(message: SimMessage) -> str:
    if message.content:
        return message.content[:90]
    if message.location:
        return "Lokasi"
    return "Foto" if message.photo else "Pesan suara" if message.voice else "Berkas"


def chat_view(chat: SimChat, zone: ZoneInfo, install: Kabupaten) -> dict[str, Any]:
    return {"chat": chat_summary(chat, install), "messages": [message_view(m, zone) for m in chat.messages]}
