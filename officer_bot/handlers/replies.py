"""Messages from staff: answers to the bot's prompts, progress replies to field cards, private progress."""

from __future__ import annotations

import logging
from html import escape

from telegram import Message, Update

from core.domain.errors import Refused
from core.texts import refusal, text
from core.usecases.field import add_progress
from officer_bot.albums import Post
from officer_bot.card_data import load_view
from officer_bot.handlers.common import Deps, OfficerContext, actor_in
from officer_bot.handlers.prompts import StillNeeded, answer_prompt
from officer_bot.store import Prompt, card_at, close_prompts, latest_prompt, open_prompt, prompt_at

log = logging.getLogger(__name__)


async def on_message(update: Update, context: OfficerContext) -> None:
    """Route a staff message to the prompt or card it answers; an album's photos go together."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or user.is_bot:
        return
    d = context.deps
    if message.media_group_id:  # its other photos are separate updates on their way: wait for them all
        d.albums.add(message, lambda items: route(d, Post(tuple(items))), finish=d.update_inbox.later(update))
        return
    await route(d, Post((message,)))


async def route(d: Deps, post: Post) -> None:
    """A reply to a prompt or a field card, or (in a private chat) the answer to the open prompt."""
    message, user = post.first, post.first.from_user
    assert user is not None
    reply_to = message.reply_to_message
    prompt: Prompt | None = None
    if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == d.tg.bot.id:
        prompt = await prompt_at(d.ctx, message.chat.id, reply_to.message_id)
        if prompt is None:
            await card_reply(d, post, reply_to.message_id)
            return
    elif message.chat.type == "private":
        prompt = await latest_prompt(d.ctx, message.chat.id, user.id)
    else:
        return
    if prompt is None:
        await say(d, message, text("tg.reply.use_buttons"))
        return
    await on_prompt(d, prompt, post)


async def on_prompt(d: Deps, prompt: Prompt, post: Post) -> None:
    message = post.first
    assert message.from_user is not None
    try:
        actor = await actor_in(d, message.chat.id, message.from_user)
        reply = await answer_prompt(d, prompt, post, actor)
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


async def card_reply(d: Deps, post: Post, card_message_id: int) -> None:
    """A reply to a field or agency card: progress photos and/or a note from whoever works on it."""
    message = post.first
    assert message.from_user is not None
    cards = [c for c in await card_at(d.ctx, message.chat.id, card_message_id) if c.role in ("field", "agency")]
    if not cards:
        await say(d, message, text("tg.reply.use_buttons"))
        return
    ticket_id = cards[0].ticket_id
    try:
        actor = await actor_in(d, message.chat.id, message.from_user)
        files = await post.files(d.tg.bot, d.media_dir)
        await add_progress(d.ctx, actor, ticket_id, post.text, files)
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
