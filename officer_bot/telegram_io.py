"""Talking to the Bot API: paced, following migrated chats, with Telegram's errors made plain."""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram import Bot, ForceReply, InlineKeyboardMarkup, LinkPreviewOptions, Message, ReplyParameters
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError

from core import metrics
from core.context import Context
from core.outbox import Failure, Permanent, RetryLater
from officer_bot.bots import Bots, Line
from officer_bot.pacing import Busy, Pacer
from officer_bot.store import current_chat, migrate_chat

log = logging.getLogger(__name__)
T = TypeVar("T")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)
TEXT_MAX = 4000  # a message holds 4,096 characters; room for what entities add
_TAG = re.compile(r"<[^>]*>")
# Refusals a plain text (no HTML, split to size) gets past: a body Telegram could not parse or hold.
_PLAIN_HELPS = ("can't parse entities", "unsupported start tag", "message is too long", "text is too long")
_GONE_CHAT = ("chat not found", "bot was kicked", "not a member", "have no rights", "not enough rights",
              "chat_write_forbidden", "user is deactivated", "peer_id_invalid")


class Gone(Exception):
    """The message to edit is not there any more (deleted by someone)."""


def seconds(value: int | timedelta) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


def outcome(exc: TelegramError) -> RetryLater | Permanent:
    """Telegram's answer sorted once: refusals no wait will change are Permanent, the rest is waited out.

    Forbidden (blocked, kicked) and BadRequest (the chat or the message is wrong) stand until a person
    acts; timeouts, dropped connections and 5xx (NetworkError), a bad token or a conflict are waited out.
    """
    metrics.telegram_error(exc)
    reason = str(exc).lower()
    detail = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, Forbidden) or (isinstance(exc, BadRequest) and any(w in reason for w in _GONE_CHAT)):
        return Permanent(Failure.BLOCKED, detail)
    if isinstance(exc, BadRequest):
        return Permanent(Failure.TOO_LONG if "too long" in reason else Failure.REFUSED, detail)
    return RetryLater(detail, failure=Failure.NETWORK if isinstance(exc, NetworkError) else Failure.PLATFORM)


def chunks(body: str, limit: int = TEXT_MAX) -> list[str]:
    """Split a long plain text on line ends into messages Telegram accepts."""
    parts, current = [], ""
    for line in body.splitlines(keepends=True):
        while len(line) > limit:
            parts.append(current + line[: limit - len(current)])
            line, current = line[limit - len(current):], ""
        if len(current) + len(line) > limit:
            parts.append(current)
            current = ""
        current += line
    return [p for p in [*parts, current] if p.strip()]


def plain(body: str) -> str:
    """An HTML message body as plain text (the fallback when Telegram cannot parse or hold it)."""
    return html.unescape(_TAG.sub("", body))


def plain_helps(exc: BadRequest) -> bool:
    return any(words in str(exc).lower() for words in _PLAIN_HELPS)


class Telegram:
    """Every call the bot makes goes through here, so pacing and error mapping live in one place."""

    def __init__(self, ctx: Context, bots: Bots, line: Line = None) -> None:
        self.ctx, self.bots, self.line = ctx, bots, line

    @property
    def bot(self) -> Bot:
        """The bot this sender speaks as in a private chat (the one that received what it answers)."""
        return self.bots.bot(self.line)

    @property
    def pacer(self) -> Pacer:
        return self.bots.pacer(self.line)

    async def call(self, chat_id: int, action: Callable[[Bot, int], Awaitable[T]], posts: int = 1) -> T:
        """Run `action(bot, current chat id)` with the bot of that chat (officer_bot/bots.py); posts count
        against the chat's minute, edits only against the bot's second."""
        target = await current_chat(self.ctx, chat_id)
        line = await self.bots.line_in(target, self.line)
        bot, pacer = self.bots.bot(line), self.bots.pacer(line)
        for _ in range(3):
            if posts:
                await pacer.before_post(target, posts)
            else:
                wait = pacer.blocked_for(target)
                if wait is not None:
                    raise Busy(target, wait)
                await pacer.before_any()
            try:
                if posts:
                    async with pacer.private_turn(target):
                        return await action(bot, target)
                return await action(bot, target)
            except RetryAfter as exc:
                metrics.telegram_error(exc)
                after = seconds(exc.retry_after)
                pacer.block(target, after)  # the pacer of the bot that was told, not this sender's
                log.warning("telegram flood control", extra={"chat_id": target, "retry_after": after.total_seconds()})
                raise Busy(target, after) from exc
            except ChatMigrated as exc:
                await migrate_chat(self.ctx, target, exc.new_chat_id)
                pacer.forget(target)
                target = exc.new_chat_id
        raise Busy(target, timedelta(seconds=5))

    async def send_text(self, chat_id: int, body: str, markup: InlineKeyboardMarkup | None = None,
                        reply_to: int | None = None, force_reply: bool = False) -> Message:
        """Post an HTML message (a reply when `reply_to` is given; a missing target is tolerated).

        A body Telegram cannot parse or hold goes again as plain text, split to size, the buttons on
        the last part (which is returned): the words arrive even when their markup is wrong.
        """
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        markup_or_force = ForceReply(selective=True) if force_reply and markup is None else markup
        try:
            return await self.call(chat_id, lambda bot, target: bot.send_message(
                target, body, parse_mode="HTML", reply_markup=markup_or_force, reply_parameters=reply,
                link_preview_options=_NO_PREVIEW))
        except BadRequest as exc:
            if not plain_helps(exc):
                raise
            log.warning("telegram refused a message; sending it as plain text", extra={"error": str(exc)})
        parts = chunks(plain(body)) or ["-"]
        sent: Message | None = None
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            sent = await self.call(chat_id, lambda bot, target, part=part, last=last: bot.send_message(  # type: ignore[misc]
                target, part, reply_markup=markup_or_force if last else None, reply_parameters=reply,
                link_preview_options=_NO_PREVIEW))
        assert sent is not None
        return sent

    async def edit_text(self, chat_id: int, message_id: int, body: str,
                        markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit a card in place; "not modified" is success, a deleted message raises Gone."""
        async def edit(bot: Bot, target: int) -> None:
            try:
                await bot.edit_message_text(body, target, message_id, parse_mode="HTML", reply_markup=markup,
                                                 link_preview_options=_NO_PREVIEW)
            except BadRequest as exc:
                reason = str(exc).lower()
                if "not modified" in reason:
                    return
                if "not found" in reason or "can't be edited" in reason:
                    raise Gone(str(exc)) from exc
                if not plain_helps(exc):
                    raise
                log.warning("telegram refused an edit; showing it as plain text", extra={"error": str(exc)})
                await bot.edit_message_text(plain(body)[:TEXT_MAX], target, message_id, reply_markup=markup,
                                                 link_preview_options=_NO_PREVIEW)
        await self.call(chat_id, edit, posts=0)

    async def edit_markup(self, chat_id: int, message_id: int, markup: InlineKeyboardMarkup | None) -> None:
        async def edit(bot: Bot, target: int) -> None:
            try:
                await bot.edit_message_reply_markup(target, message_id, reply_markup=markup)
            except BadRequest as exc:
                if "not modified" not in str(exc).lower():
                    raise
        await self.call(chat_id, edit, posts=0)
