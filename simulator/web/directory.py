"""What the page calls each WhatsApp number and Telegram chat of the install, and how it groups them."""

from __future__ import annotations

from typing import Any

from core.kabupaten import Kabupaten
from simulator.telegram import SimChat
from simulator.whatsapp import WhatsAppSimulator

PRIVATE, AGENCIES, KABUPATEN, OTHER = "Obrolan pribadi dengan bot", "Dinas & instansi", "Kabupaten", "Grup lain"


def numbers(sim: WhatsAppSimulator, install: Kabupaten) -> list[dict[str, Any]]:
    """Every business number the simulator has, as registered: whose it is and what it is called."""
    served = install.phone_ids(sim.phone_id)
    found = []
    for phone_id, account in sim.accounts.items():
        profile = install.by_phone_id(phone_id, default=sim.phone_id)
        if profile is not None:
            label = profile.name
        elif phone_id in served:
            label = f"{install.name} (nomor kabupaten)"
        else:
            label = "Nomor lain (tidak dilayani)"
        found.append({"id": phone_id, "label": label, "display": f"+{account.display_phone_number}",
                      "kecamatan": profile.code if profile is not None else None})
    return found


def chat_place(chat: SimChat, install: Kabupaten) -> dict[str, Any]:
    """Where the page lists a chat: its section (a kecamatan's name, the agencies, ...), kind and label."""
    if chat.is_private:
        camat = next((p for p in install if chat.user is not None and p.telegram.camat_user_id == chat.user.user_id),
                     None)
        label = chat.title if camat is None or "camat" in chat.title.lower() else f"{chat.title} (Camat)"
        return {"section": PRIVATE, "kind": "camat" if camat else "private", "label": label,
                "kecamatan": camat.code if camat else None}
    profile = install.by_chat(chat.id)
    if profile is not None:
        kind = "desk" if chat.id == profile.telegram.desk_chat_id else "field"
        return {"section": profile.name, "kind": kind, "label": chat.title, "kecamatan": profile.code}
    if chat.id == install.telegram.chat_id:
        return {"section": KABUPATEN, "kind": "kabupaten", "label": chat.title, "kecamatan": None}
    if any(a.telegram_chat_id == chat.id for a in install.agencies):
        return {"section": AGENCIES, "kind": "agency", "label": chat.title, "kecamatan": None}
    return {"section": OTHER, "kind": "group", "label": chat.title, "kecamatan": None}
