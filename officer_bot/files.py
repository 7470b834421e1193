"""Posting a ticket's files in Telegram the way their kind is shown there."""

from __future__ import annotations

from telegram import Message, ReplyParameters

from core.db.models import Attachment
from officer_bot.telegram_io import Telegram


async def send_file(tg: Telegram, chat_id: int, name: str, att: Attachment, item: str | bytes,
                    reply: ReplyParameters, caption: str | None = None) -> Message:
    """One file as its kind: a photo, a voice note, a playable video or a document (`caption` is HTML)."""
    html = "HTML" if caption else None
    if att.kind == "photo":
        return await tg.call(chat_id, lambda bot, c: bot.send_photo(
            c, item, caption=caption, parse_mode=html, reply_parameters=reply))
    if att.kind == "voice":
        return await tg.call(chat_id, lambda bot, c: bot.send_voice(
            c, item, caption=caption, parse_mode=html, reply_parameters=reply))
    if att.kind == "video":
        return await tg.call(chat_id, lambda bot, c: bot.send_video(
            c, item, caption=caption, parse_mode=html, filename=name, supports_streaming=True,
            reply_parameters=reply))
    return await tg.call(chat_id, lambda bot, c: bot.send_document(
        c, item, caption=caption, parse_mode=html, filename=name, reply_parameters=reply))
