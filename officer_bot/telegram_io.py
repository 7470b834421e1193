"""Talking to the Bot API: paced, following migrated chats, with Telegram's errors made plain."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram import Bot, ForceReply, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, RetryAfter

from core.context import Context
from officer_bot.pacing import Busy, Pacer
from officer_bot.store import current_chat, migrate_chat

log = logging.getLogger(__name__)
T = TypeVar("T")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class Gone(Exception):
    """The message to edit is not there any more (deleted by someone)."""


def seconds(value: int | timedelta) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


class Telegram:
    """Every call the bot makes goes through here, so pacing and error mapping live in one place."""

    def __init__(self, ctx: Context, bot: Callable[[], Bot], pacer: Pacer) -> None:
        self.ctx = ctx
        self._bot = bot
        self.pacer = pacer

    @property
    def bot(self) -> Bot:
        return self._bot()

    async def call(self, chat_id: int, action: Callable[[int], Awaitable[T]], posts: int = 1) -> T:
        """Run `action(current chat id)`; posts count against the chat's minute, edits only bot-wide."""
        target = await current_chat(self.ctx, chat_id)
        for _ in range(3):
            if posts:
                await self.pacer.before_post(target, posts)
            else:
                wait = self.pacer.blocked_for(target)
                if wait is not None:
                    raise Busy(target, wait)
                await self.pacer.before_any()
            try:
                return await action(target)
            except RetryAfter as exc:
                after = seconds(exc.retry_after)
                self.pacer.block(target, after)
                log.warning("telegram flood control", extra={"chat_id": target, "retry_after": after.total_seconds()})
                raise Busy(target, after) from exc
            except ChatMigrated as exc:
                await migrate_chat(self.ctx, target, exc.new_chat_id)
                self.pacer.forget(target)
                target = exc.new_chat_id
        raise Busy(target, timedelta(seconds=5))

    async def send_text(self, chat_id: int, body: str, markup: InlineKeyboardMarkup | None = None,
                        reply_to: int | None = None, force_reply: bool = False) -> Message:
        """Post an HTML message (a reply when `reply_to` is given; a missing target is tolerated)."""
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        markup_or_force = ForceReply(selective=True) if force_reply and markup is None else markup
        return await self.call(chat_id, lambda target: self.bot.send_message(
            target, body, parse_mode="HTML", reply_markup=markup_or_force, reply_parameters=reply,
            link_preview_options=_NO_PREVIEW))

    async def edit_text(self, chat_id: int, message_id: int, body: str,
                        markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit a card in place; "not modified" is success, a deleted message raises Gone."""
        async def edit(target: int) -> None:
            try:
                await self.bot.edit_message_text(body, target, message_id, parse_mode="HTML", reply_markup=markup,
                                                 link_preview_options=_NO_PREVIEW)
            except BadRequest as exc:
                reason = str(exc).lower()
                if "not modified" in reason:
                    return
                if "not found" in reason or "can't be edited" in reason:
                    raise Gone(str(exc)) from exc
                raise
        await self.call(chat_id, edit, posts=0)

    async def edit_markup(self, chat_id: int, message_id: int, markup: InlineKeyboardMarkup | None) -> None:
        async def edit(target: int) -> None:
            try:
                await self.bot.edit_message_reply_markup(target, message_id, reply_markup=markup)
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    raise
        await self.call(chat_id, edit, posts=0)
