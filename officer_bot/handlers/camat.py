"""The camat's escalation buttons: reassign to an officer, extend 1/3/7 days, close with a reason."""

from __future__ import annotations

from telegram import CallbackQuery

from core.domain.errors import InvalidInput
from core.domain.lifecycle import Action, assignable
from core.domain.people import Actor
from core.queries import officer_load
from core.texts import text
from core.usecases.oversight import extend_deadline, reassign_ticket
from core.usecases.staff import list_staff
from officer_bot import keyboards
from officer_bot.callbacks import Tap
from officer_bot.handlers.common import Answer, Deps, precheck
from officer_bot.handlers.desk import show_menu
from officer_bot.handlers.prompts import ask_for_reply


async def reassign(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Tugaskan ulang: pick an active officer."""
    ticket = await precheck(d, actor, tap.target, Action.REASSIGN)
    if tap.op == "cr":
        officers = [s for s in await list_staff(d.ctx) if assignable(s.roles)]
        menu = keyboards.officer_menu(tap.target, officers, await officer_load(d.ctx), d.ctx.profile.officer_open_limit)
        await show_menu(d, query, menu)
        return Answer(text("tg.load.pick", number=ticket.number))
    await reassign_ticket(d.ctx, actor, tap.target, tap.args[0])
    name = next((s.name for s in await list_staff(d.ctx) if s.id == tap.args[0]), "")
    return Answer(text("tg.answer.reassigned", number=ticket.number, name=name))


async def extend(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Perpanjang: the profile's choices of days (1, 3 or 7 unless it says otherwise)."""
    ticket = await precheck(d, actor, tap.target, Action.EXTEND_DEADLINE)
    if tap.op == "ce":
        await show_menu(d, query, keyboards.days_menu(tap.target, d.ctx.profile.extension_days))
        return Answer(text("tg.answer.pick_days", number=ticket.number))
    days = tap.args[0]
    if days not in d.ctx.profile.extension_days:
        raise InvalidInput("not an offered extension", field="days")
    await extend_deadline(d.ctx, actor, tap.target, days)
    return Answer(text("tg.answer.extended", number=ticket.number, days=days))


async def close(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Tutup: ask for the reason as a reply."""
    ticket = await precheck(d, actor, tap.target, Action.CLOSE)
    await ask_for_reply(d, query, "close", ticket, text("tg.prompt.close", number=ticket.number))
    return Answer(text("tg.answer.reply_below"))


OPS = {"cr": reassign, "co": reassign, "ce": extend, "cx": extend, "cc": close}
