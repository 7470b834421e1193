"""Chat events: a group that became a supergroup is followed to its new id."""

from __future__ import annotations

from telegram import Update

from officer_bot.handlers.common import OfficerContext
from officer_bot.store import migrate_chat


async def on_migrate(update: Update, context: OfficerContext) -> None:
    """Both service messages (old chat: migrate_to, new chat: migrate_from) store the same binding."""
    message = update.effective_message
    if message is None:
        return
    d = context.deps
    if message.migrate_to_chat_id:
        await migrate_chat(d.ctx, message.chat.id, message.migrate_to_chat_id)
        d.tg.pacer.forget(message.chat.id)
    elif message.migrate_from_chat_id:
        await migrate_chat(d.ctx, message.migrate_from_chat_id, message.chat.id)
