"""Where a command may answer: cases are shown only in the kecamatan's own chats or a staff member's private chat.

A group the bot was added to by anyone is not the kecamatan's: there, a command that prints a case
gets a short refusal and a log line, never the card or the history. This is the one place for that
rule; every command that shows a case is wrapped in `shows_cases`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Coroutine
from html import escape
from typing import Any

from telegram import Message, Update

from core.domain.errors import Refused
from core.domain.people import Actor
from core.texts import refusal, text
from core.usecases.staff import staff_actor, staff_kecamatan
from officer_bot.handlers.common import Deps, OfficerContext
from officer_bot.keyboards import kecamatan_keyboard
from officer_bot.store import configured_chat

log = logging.getLogger(__name__)
CaseCommand = Callable[[Deps, Message, Actor, list[str]], Awaitable[None]]
Handler = Callable[[Update, OfficerContext], Coroutine[Any, Any, None]]


async def reply(d: Deps, message: Message, body: str, html: bool = False) -> None:
    await d.tg.send_text(message.chat.id, body if html else escape(body), reply_to=message.message_id)


async def kecamatan_chat(d: Deps, chat_id: int) -> bool:
    """Whether the chat is one the profile names (the desk, a field group), followed through migrations."""
    chats = d.ctx.profile.telegram
    return await configured_chat(d.ctx, chat_id) in {chats.desk_chat_id, *chats.field_chat_ids}


async def in_scope(d: Deps, message: Message, user_id: int, command: str, private_only: bool = False) -> bool:
    """Whether `command` may answer in this chat; if not, say so politely (and log a stranger group)."""
    if message.chat.type == "private":
        return True
    if not private_only and await kecamatan_chat(d, message.chat.id):
        return True
    if not private_only:
        log.warning("case command refused outside the kecamatan's chats",
                    extra={"command": command, "chat_id": message.chat.id, "user_id": user_id})
    await reply(d, message, text("tg.reply.private_only" if private_only else "tg.reply.not_here"))
    return False


PICKABLE = ("ringkasan", "daftar", "tugas")  # commands that ask "Kecamatan mana?" (by index in the buttons' data)


async def ask_kecamatan(d: Deps, message: Message, user_id: int, command: str) -> bool:
    """In a private chat, ask someone who works in several kecamatan which one `command` is for (the tap
    runs it there: officer_bot/handlers/picks.py); False when there is nothing to ask."""
    if message.chat.type != "private" or command not in PICKABLE:
        return False
    places = await staff_kecamatan(d.ctx, user_id)
    if len(places) < 2:
        return False
    await d.tg.send_text(message.chat.id, escape(text("tg.staff_scope.which", command=command)),
                         kecamatan_keyboard(d.ctx.kabupaten, places, PICKABLE.index(command)),
                         reply_to=message.message_id)
    return True


def shows_cases(private_only: bool = False, pick: str = "") -> Callable[[CaseCommand], Handler]:
    """Wrap a command that shows cases: answer only in scope, only to active staff, refusals in words.
    `pick` names a command that acts in one kecamatan without naming a case: in private, someone working
    in several is asked which."""

    def wrap(command: CaseCommand) -> Handler:
        @functools.wraps(command)
        async def guarded(update: Update, context: OfficerContext) -> None:
            message, user, d = update.effective_message, update.effective_user, context.deps
            if message is None or user is None:
                return
            if not await in_scope(d, message, user.id, command.__name__, private_only):
                return
            if pick and await ask_kecamatan(d, message, user.id, pick):
                return
            try:
                actor = await staff_actor(d.ctx, user.id)
                await command(d, message, actor, list(context.args or []))
            except Refused as exc:
                await reply(d, message, refusal(exc))

        return guarded

    return wrap
