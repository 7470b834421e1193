"""The agency's buttons in its group (Terima, Update, Selesai, Kembalikan), and the desk's for an agency
without a group (record its news, record its answer, take the case back)."""

from __future__ import annotations

from telegram import CallbackQuery

from core.domain.lifecycle import Action
from core.domain.people import Actor
from core.texts import text
from core.usecases.agency import agency_accept
from officer_bot.callbacks import Tap
from officer_bot.handlers.common import Answer, Deps, precheck
from officer_bot.handlers.prompts import ask_for_reply


async def accept(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Terima: the first member of the agency to tap takes the case for it."""
    number = await agency_accept(d.ctx, actor, tap.target)
    return Answer(text("tg.answer.agency_accepted", number=number))


# op -> (the action it leads to, the prompt's kind, its text)
PROMPTS: dict[str, tuple[Action, str, str]] = {
    "gu": (Action.ADD_PROGRESS, "progress", "tg.prompt.agency_progress"),
    "gd": (Action.RESOLVE, "agency_resolve", "tg.prompt.agency_resolve"),
    "gr": (Action.RETURN, "return", "tg.prompt.return"),
    "gn": (Action.AGENCY_UPDATE, "agency_update", "tg.prompt.agency_update"),
    "gs": (Action.AGENCY_ANSWER, "agency_answer", "tg.prompt.agency_answer"),
}


async def prompt(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Ask for the words (and photos) the action needs, as a reply under the card."""
    action, kind, key = PROMPTS[tap.op]
    ticket = await precheck(d, actor, tap.target, action)
    agency = d.ctx.kabupaten.agency_name(ticket.forward_agency) or "-"
    await ask_for_reply(d, query, kind, ticket, text(key, number=ticket.number, agency=agency))
    return Answer(text("tg.answer.reply_below"))


OPS = {"ga": accept, **dict.fromkeys(PROMPTS, prompt)}
