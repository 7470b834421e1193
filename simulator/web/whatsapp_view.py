"""A simulated citizen's WhatsApp chat as the page shows it: JSON for the phone pane."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from simulator.whatsapp import Citizen, Received, WhatsAppSimulator

MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")


def citizen_summary(citizen: Citizen) -> dict[str, Any]:
    """One chat: the citizen, the business number it is with, how long it is."""
    return {"wa_id": citizen.wa_id, "name": citizen.name, "number": citizen.business, "messages": len(citizen.order)}


def citizen_list(sim: WhatsAppSimulator) -> list[dict[str, Any]]:
    """Every citizen once (they may chat with several numbers), in the order they first appeared, with the
    length of their chat with each number."""
    people: dict[str, dict[str, Any]] = {}
    for chat in sim.all_chats():
        person = people.setdefault(chat.wa_id, {"wa_id": chat.wa_id, "name": chat.name, "chats": {}})
        person["name"] = person["name"] or chat.name
        person["chats"][chat.business] = len(chat.order)
    return list(people.values())


def empty_chat(wa_id: str, name: str | None, number: str) -> dict[str, Any]:
    """A chat the citizen has not started yet with this number."""
    return {"citizen": {"wa_id": wa_id, "name": name, "number": number, "messages": 0}, "messages": []}


def _media_url(media_id: str | None) -> str | None:
    return f"/api/whatsapp/media/{media_id}" if media_id else None


def _ticks(sim: WhatsAppSimulator, citizen: Citizen) -> dict[str, str]:
    """Per own message: sent (one tick), delivered (two), read (two blue) or failed."""
    ticks: dict[str, str] = {}
    for delivery in sim.deliveries:
        if delivery.kind.startswith("message:") and delivery.item_id in citizen.sent_items:
            ticks[delivery.item_id] = "delivered" if delivery.delivered else "failed"
    for wamid in citizen.read_by_business:
        ticks[wamid] = "read"
    return ticks


def sent_view(wamid: str, item: dict[str, Any], zone: ZoneInfo, tick: str) -> dict[str, Any]:
    """One of the citizen's own messages, from the item its webhook carried."""
    kind = item["type"]
    content = item.get(kind) or {}
    view: dict[str, Any] = {
        "id": wamid,
        "mine": True,
        "kind": kind,
        "time": dt.datetime.fromtimestamp(int(item["timestamp"]), zone).strftime("%H:%M"),
        "tick": tick,
    }
    if kind == "text":
        view["text"] = content.get("body")
    elif kind in MEDIA_KINDS:
        view.update(text=content.get("caption"), media=_media_url(content.get("id")), mime=content.get("mime_type"),
                    voice=bool(content.get("voice")), filename=content.get("filename"))
    elif kind == "location":
        view.update(latitude=content.get("latitude"), longitude=content.get("longitude"), name=content.get("name"),
                    address=content.get("address"))
    elif kind == "interactive":
        choice = content.get("button_reply") or content.get("list_reply") or {}
        view.update(kind="choice", text=choice.get("title"))
    elif kind == "reaction":
        view.update(emoji=content.get("emoji"))
    return view


def received_view(message: Received, zone: ZoneInfo, active: bool) -> dict[str, Any]:
    """One message the business sent; ``active`` when its buttons or list can still be used."""
    return {
        "id": message.wamid,
        "mine": False,
        "kind": message.kind,
        "time": message.at.astimezone(zone).strftime("%H:%M"),
        "text": message.text,
        "header": message.header,
        "footer": message.footer,
        "buttons": message.button_titles,
        "list_button": message.list_button,
        "rows": [{"title": r.title, "description": r.description, "section": r.section} for r in message.rows],
        "active": active,
        "media": _media_url(message.media_id) if message.media is not None else message.media_link,
        "mime": message.mime_type,
        "voice": message.voice,
        "filename": message.filename,
        "latitude": message.latitude,
        "longitude": message.longitude,
        "name": message.name,
        "address": message.address,
        "template": {"name": message.template_name, "language": message.template_language,
                     "params": message.template_params} if message.template_name else None,
        "emoji": message.emoji,
        "cta": _cta(message),
    }


def _cta(message: Received) -> dict[str, str] | None:
    if message.kind != "cta_url":
        return None
    params = ((message.raw.get("interactive") or {}).get("action") or {}).get("parameters") or {}
    return {"label": str(params.get("display_text", "")), "url": str(params.get("url", ""))}


def chat_view(sim: WhatsAppSimulator, citizen: Citizen, zone: ZoneInfo) -> dict[str, Any]:
    """The whole chat of one citizen, oldest first."""
    received = {m.wamid: m for m in citizen.received}
    latest = citizen.latest_interactive()
    ticks = _ticks(sim, citizen)
    messages = []
    for wamid in citizen.order:
        if wamid in citizen.sent_items:
            messages.append(sent_view(wamid, citizen.sent_items[wamid], zone, ticks.get(wamid, "sent")))
        elif (message := received.get(wamid)) is not None:
            messages.append(received_view(message, zone, active=message is latest))
    return {"citizen": citizen_summary(citizen), "messages": messages}
