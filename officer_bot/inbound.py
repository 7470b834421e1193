"""Incoming updates are stored (core.inbox) before handling, so a redelivered update is handled once."""

from __future__ import annotations

import json

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from core.inbox import mark_processed, store
from officer_bot.handlers.common import Ctx, deps


def external_id(update: Update) -> str:
    """A key that stays unique even if Telegram restarts its update ids."""
    if update.callback_query is not None:
        return f"cb:{update.callback_query.id}"
    message = update.effective_message
    if message is not None:
        edited = "e" if update.edited_message is not None else ""
        return f"m{edited}:{message.chat.id}:{message.message_id}:{update.update_id}"
    return f"u:{update.update_id}"


async def keep(update: Update, context: Ctx) -> None:
    """Store the update; stop here if it was stored before (a redelivery)."""
    d = deps(context)
    user = update.effective_user
    row = await store(d.ctx, "telegram", external_id(update), str(user.id) if user else "",
                      json.dumps(update.to_dict(), default=str))
    if row is None:
        raise ApplicationHandlerStop
    d.inbox_rows[update.update_id] = row


async def done(update: Update, context: Ctx) -> None:
    """Mark the stored update as handled."""
    d = deps(context)
    row = d.inbox_rows.pop(update.update_id, None)
    if row is not None:
        await mark_processed(d.ctx, row)
