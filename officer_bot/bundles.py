"""Floods: when a group cannot take one more card this minute, new tickets join a bundle message."""

from __future__ import annotations

import contextlib

from sqlalchemy import func, select

from core.context import Context
from core.db.models import TelegramCard
from officer_bot.card_data import TicketView, load_view
from officer_bot.keyboards import bundle_keyboard
from officer_bot.render import bundle_text
from officer_bot.store import Card, card_at, save_card
from officer_bot.telegram_io import Gone, Telegram

BUNDLE_MAX = 20


async def open_bundle(ctx: Context, chat_id: int, role: str) -> int | None:
    """The newest bundle message of this chat with room for one more ticket."""
    async with ctx.sessions() as session:
        found = (await session.execute(
            select(TelegramCard.message_id, func.count()).where(
                TelegramCard.chat_id == chat_id, TelegramCard.role == role)
            .group_by(TelegramCard.message_id).order_by(TelegramCard.message_id.desc()).limit(1))).first()
    if found is None or found[1] >= BUNDLE_MAX:
        return None
    return int(found[0])


async def add_to_bundle(ctx: Context, tg: Telegram, view: TicketView, role: str, chat_id: int) -> None:
    """List the ticket in the chat's open bundle (posting a new bundle message if none has room)."""
    bundle_role = f"bundle_{role}"
    message_id = await open_bundle(ctx, chat_id, bundle_role)
    if message_id is None:
        sent = await tg.send_text(chat_id, bundle_text(ctx, [view]), bundle_keyboard([view.ticket]))
        await save_card(ctx, Card(view.ticket.id, sent.chat.id, sent.message_id, bundle_role))
        return
    await save_card(ctx, Card(view.ticket.id, chat_id, message_id, bundle_role))
    await refresh_bundle(ctx, tg, chat_id, message_id)


async def refresh_bundle(ctx: Context, tg: Telegram, chat_id: int, message_id: int) -> None:
    """Edit the bundle to list its tickets as they are now (opened ones have left it)."""
    listed = [c for c in await card_at(ctx, chat_id, message_id) if c.role.startswith("bundle_")]
    views = [await load_view(ctx, c.ticket_id) for c in listed]
    with contextlib.suppress(Gone):  # someone deleted the bundle; /tiket still shows its tickets
        await tg.edit_text(chat_id, message_id, bundle_text(ctx, views), bundle_keyboard([v.ticket for v in views]))
