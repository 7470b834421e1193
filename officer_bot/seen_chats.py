"""The Telegram chats the bot has seen (from its stored updates), to fill in the profile's chat ids."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from core.context import Context
from core.db.models import InboxUpdate


@dataclass(frozen=True)
class SeenChat:
    chat_id: int
    kind: str  # private, group, supergroup, channel
    title: str
    last_seen: datetime


def _chats_in(update: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for key in ("message", "edited_message", "channel_post", "my_chat_member", "chat_member"):
        chat = (update.get(key) or {}).get("chat")
        if chat:
            found.append(chat)
    message = (update.get("callback_query") or {}).get("message") or {}
    if message.get("chat"):
        found.append(message["chat"])
    return found


async def seen_chats(ctx: Context, scan: int = 20_000) -> list[SeenChat]:
    """Chats in the latest `scan` stored updates, newest first, one line per chat."""
    async with ctx.sessions() as session:
        rows = (await session.execute(
            select(InboxUpdate.payload, InboxUpdate.received_at).where(InboxUpdate.platform == "telegram")
            .order_by(InboxUpdate.id.desc()).limit(scan))).all()
    chats: dict[int, SeenChat] = {}
    for payload, received_at in rows:
        try:
            update = json.loads(payload)
        except ValueError:
            continue
        for chat in _chats_in(update if isinstance(update, dict) else {}):
            chat_id = int(chat["id"])
            if chat_id not in chats:
                title = chat.get("title") or " ".join(filter(None, (chat.get("first_name"), chat.get("last_name"))))
                chats[chat_id] = SeenChat(chat_id, str(chat.get("type", "")), title, received_at)
    return list(chats.values())
