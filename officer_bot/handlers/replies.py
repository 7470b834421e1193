"""Messages from staff: answers to the bot's prompts, progress replies to field cards, private progress."""

from __future__ import annotations

import logging
from html import escape

from telegram import Message, Update

from core.domain.errors import Refused
from core.texts import refusal, text
from core.usecases.field import add_progress
from core.usecases.staff import staff_actor
from officer_bot.handlers.common import Ctx, Deps, deps
from officer_bot.handlers.prompts import StillNeeded, answer_prompt, message_text
from officer_bot.media import incoming
from officer_bot.store import Prompt, card_at, close_prompts, latest_prompt, open_prompt, prompt_at
from officer_bot.view import load_view

log = logging.getLogger(__name__)
RECENT_ALBUMS = 200


async def on_message(update: Update, context: Ctx) -> None:
    """Route a staff message to the prompt or card it answers; anything else gets a hint."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    d = deps(context)
    if message.media_group_id and message.media_group_id in d.albums_done:
        return  # the rest of an album whose first photo was already handled
    reply_to = message.reply_to_message
    prompt: Prompt | None = None
    if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == context.bot.id:
        prompt = await prompt_at(d.ctx, message.chat.id, reply_to.message_id)
        if prompt is None:
            await card_reply(d, message, reply_to.message_id)
            return
    elif message.chat.type == "private":
        prompt = await latest_prompt(d.ctx, message.chat.id, user.id)
    else:
        return
    if prompt is None:
        await say(d, message, text("tg.reply.use_buttons"))
        return
    await on_prompt(d, prompt, message)


def remember_album(d: Deps, message: Message) -> None:
    if message.media_group_id:
        d.albums_done.append(message.media_group_id)
        del d.albums_done[:-RECENT_ALBUMS]


async def on_prompt(d: Deps, prompt: Prompt, message: Message) -> None:
    assert message.from_user is not None
    remember_album(d, message)
    try:
        actor = await staff_actor(d.ctx, message.from_user.id)
        reply = await answer_prompt(d, prompt, message, actor)
    except StillNeeded as more:
        sent = await d.tg.send_text(message.chat.id, escape(more.message), reply_to=message.message_id,
                                    force_reply=True)
        await close_prompts(d.ctx, prompt_id=prompt.id)
        await open_prompt(d.ctx, sent.chat.id, sent.message_id, prompt.kind, prompt.user_id, prompt.ticket_id,
                          more.data)
        return
    except Refused as exc:
        log.info("prompt answer refused", extra={"kind": prompt.kind, "code": exc.code})
        reply = await refused(d, prompt.ticket_id, exc)
    if reply:
        await say(d, message, reply)


async def card_reply(d: Deps, message: Message, card_message_id: int) -> None:
    """A reply to a field card: progress photos and/or a note from the officer working on it."""
    assert message.from_user is not None
    cards = [c for c in await card_at(d.ctx, message.chat.id, card_message_id) if c.role == "field"]
    if not cards:
        await say(d, message, text("tg.reply.use_buttons"))
        return
    remember_album(d, message)
    ticket_id = cards[0].ticket_id
    try:
        actor = await staff_actor(d.ctx, message.from_user.id)
        files = await incoming(d.tg.bot, message, d.media_dir)
        await add_progress(d.ctx, actor, ticket_id, message_text(message), files)
    except Refused as exc:
        log.info("progress refused", extra={"ticket_id": ticket_id, "code": exc.code})
        await say(d, message, await refused(d, ticket_id, exc))


async def refused(d: Deps, ticket_id: int | None, exc: Refused) -> str:
    if ticket_id is None:
        return refusal(exc)
    number = (await load_view(d.ctx, ticket_id)).ticket.number
    return text("tg.reply.refused", number=number, refusal=refusal(exc))


async def say(d: Deps, message: Message, body: str) -> None:
    """Answer a staff message in its chat (logged, not raised, when Telegram has no room)."""
    try:
        await d.tg.send_text(message.chat.id, escape(body), reply_to=message.message_id)
    except Exception:
        log.warning("could not answer a staff message", exc_info=True)
