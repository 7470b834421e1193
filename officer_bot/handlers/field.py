"""The field group's buttons: accept (first tap wins), post progress, resolve with proof, release."""

from __future__ import annotations

from telegram import CallbackQuery

from core.domain.lifecycle import Action
from core.domain.people import Actor
from core.texts import text
from core.usecases.field import accept_ticket, release_ticket
from officer_bot.callbacks import Tap
from officer_bot.handlers.common import Answer, Deps, precheck
from officer_bot.handlers.prompts import ask_for_reply


async def accept(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Ambil (accept): core decides who was first; the loser hears who has it."""
    number = await accept_ticket(d.ctx, actor, tap.target)
    return Answer(text("tg.answer.accepted", number=number))


async def progress(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Update progres: open the private chat with the bot on this ticket (a deep link)."""
    await precheck(d, actor, tap.target, Action.ADD_PROGRESS)
    url = f"https://t.me/{d.bot_username}?start=p{tap.target}"
    return Answer(text("tg.answer.progress"), url=url)


async def resolve(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Selesaikan: ask for the after photo and a note as a reply."""
    ticket = await precheck(d, actor, tap.target, Action.RESOLVE)
    key = {"off": "tg.prompt.resolve", "optional": "tg.proof.prompt", "required": "tg.proof.prompt_required"}
    await ask_for_reply(d, query, "resolve", ticket, text(key[d.ctx.profile.proof_location], number=ticket.number))
    return Answer(text("tg.answer.reply_below"))


async def release(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Lepas: give the ticket back to the group."""
    ticket = await precheck(d, actor, tap.target, Action.RELEASE)
    await release_ticket(d.ctx, actor, tap.target)
    return Answer(text("tg.answer.released", number=ticket.number))


OPS = {"a": accept, "u": progress, "s": resolve, "l": release}
