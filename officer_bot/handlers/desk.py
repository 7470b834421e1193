"""The desk's buttons: verify (asking for category and desa first if missing), reject, duplicate, forward, ask,
correct the category or desa."""

from __future__ import annotations

from telegram import CallbackQuery, InlineKeyboardMarkup

from core.domain.errors import InvalidInput, MissingDetails
from core.domain.lifecycle import Action
from core.domain.people import Actor
from core.domain.reports import MUSRENBANG, Outcome
from core.musrenbang import planning_years
from core.texts import text
from core.usecases.corrections import correct_ticket
from core.usecases.desk import mark_duplicate, record_outcome, reject_ticket, verify_ticket
from officer_bot import keyboards
from officer_bot.callbacks import Tap
from officer_bot.card_data import load_view
from officer_bot.handlers.common import Answer, Deps, precheck
from officer_bot.handlers.prompts import ask_for_reply


def pick(options: list[str], index: int) -> str:
    """The option a menu button names; a forged index is refused."""
    return options[pick_index(len(options), index)]


def pick_index(count: int, index: int) -> int:
    """A menu button's index among `count` options; a forged one is refused."""
    if not 0 <= index < count:
        raise InvalidInput("no such choice", field="choice")
    return index


async def show_menu(d: Deps, query: CallbackQuery, menu: InlineKeyboardMarkup) -> None:
    if query.message is not None:
        await d.tg.edit_markup(query.message.chat.id, query.message.message_id, menu)


async def verify(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Verifikasi: confirm, or first ask for the category, then the desa."""
    await precheck(d, actor, tap.target, Action.VERIFY)
    categories = [c.code for c in d.ctx.profile.categories]
    desas = [x.name for x in d.ctx.profile.desa]
    category_index = tap.args[-1] if tap.op == "vd" and len(tap.args) == 2 else None
    category = pick(categories, tap.args[0]) if tap.op == "vc" else None
    if category_index is not None:
        category = pick(categories, category_index)
    desa = pick(desas, tap.args[0]) if tap.op == "vd" else None
    try:
        ticket = await verify_ticket(d.ctx, actor, tap.target, category=category, desa=desa)
    except MissingDetails as missing:
        number = str(missing.params.get("number", ""))
        if "category" in missing.params.get("fields", []):
            await show_menu(d, query, keyboards.category_menu(d.ctx, tap.target))
            return Answer(text("tg.answer.pick_category", number=number))
        chosen = categories.index(category) if category else None
        await show_menu(d, query, keyboards.desa_menu(d.ctx, tap.target, chosen))
        return Answer(text("tg.answer.pick_desa", number=number))
    return Answer(text("tg.answer.verified", number=ticket.number))


async def reject(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Tolak: a menu of the profile's reasons, one of them, or a reason typed as a reply."""
    ticket = await precheck(d, actor, tap.target, Action.REJECT)
    if tap.op == "r":
        await show_menu(d, query, keyboards.reason_menu(d.ctx, tap.target))
        return Answer(text("tg.answer.pick_reason", number=ticket.number))
    if tap.op == "rw":
        await ask_for_reply(d, query, "reject", ticket, text("tg.prompt.reject", number=ticket.number))
        return Answer(text("tg.answer.reply_below"))
    await reject_ticket(d.ctx, actor, tap.target, pick(d.ctx.profile.reject_reasons, tap.args[0]))
    return Answer(text("tg.answer.rejected", number=ticket.number))


async def duplicate(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Duplikat: pick the original among nearby open tickets, or type its number."""
    ticket = await precheck(d, actor, tap.target, Action.MARK_DUPLICATE)
    if tap.op == "d":
        view = await load_view(d.ctx, tap.target, with_nearby=True)
        await show_menu(d, query, keyboards.original_menu(tap.target, view.nearby))
        return Answer(text("tg.answer.pick_original", number=ticket.number))
    if tap.op == "dw":
        example = f"{d.ctx.profile.ticket_prefix}-000123"
        await ask_for_reply(d, query, "duplicate", ticket,
                            text("tg.prompt.duplicate", number=ticket.number, example=example))
        return Answer(text("tg.answer.reply_below"))
    await mark_duplicate(d.ctx, actor, tap.target, tap.args[0])
    original = await load_view(d.ctx, tap.args[0])
    return Answer(text("tg.answer.duplicate", number=ticket.number, original=original.ticket.number))


async def forward(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Teruskan: pick the agency, then reply with their reference."""
    ticket = await precheck(d, actor, tap.target, Action.FORWARD)
    if tap.op == "f":
        await show_menu(d, query, keyboards.agency_menu(d.ctx, tap.target, category=ticket.category))
        return Answer(text("tg.answer.pick_agency", number=ticket.number))
    agency = d.ctx.kabupaten.agencies[pick_index(len(d.ctx.kabupaten.agencies), tap.args[0])]
    await ask_for_reply(d, query, "forward", ticket,
                        text("tg.prompt.forward", number=ticket.number, agency=agency.name), {"agency": agency.code})
    return Answer(text("tg.answer.reply_below"))


async def ask(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Tanya pelapor (the desk, or the officer working the case): the reply is relayed to the citizen."""
    ticket = await precheck(d, actor, tap.target, Action.ASK_CITIZEN)
    await ask_for_reply(d, query, "question", ticket, text("tg.prompt.question", number=ticket.number))
    return Answer(text("tg.answer.reply_below"))


async def correct(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Koreksi: pick category or desa, then the right one; core audits it and tells the citizen of a new deadline."""
    ticket = await precheck(d, actor, tap.target, Action.CORRECT)
    if tap.op == "k":
        await show_menu(d, query, keyboards.correction_menu(tap.target))
        return Answer(text("tg.answer.pick_correction", number=ticket.number))
    if not tap.args:
        menu = (keyboards.category_menu(d.ctx, tap.target, op="kc") if tap.op == "kc"
                else keyboards.desa_menu(d.ctx, tap.target, None, op="kd"))
        await show_menu(d, query, menu)
        key = "tg.answer.pick_category" if tap.op == "kc" else "tg.answer.pick_desa"
        return Answer(text(key, number=ticket.number))
    field, options = (("category", [c.code for c in d.ctx.profile.categories]) if tap.op == "kc"
                      else ("desa", [x.name for x in d.ctx.profile.desa]))
    done = await correct_ticket(d.ctx, actor, tap.target, **{field: pick(options, tap.args[0])})
    if not done.changes:
        if query.message is not None:  # nothing changed, so no card refresh will bring its buttons back
            await d.tg.edit_markup(query.message.chat.id, query.message.message_id,
                                   keyboards.card_keyboard(d.ctx, "desk", ticket))
        return Answer(text("tg.answer.unchanged", number=done.number))
    return Answer(text("tg.answer.corrected_sla" if done.sla_changed else "tg.answer.corrected", number=done.number))


async def outcome(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Catat hasil (an aspiration): the outcome, then its year (a Musrenbang), its agency, or a note."""
    ticket = await precheck(d, actor, tap.target, Action.RECORD_OUTCOME)
    if tap.op == "h":
        await show_menu(d, query, keyboards.outcome_menu(tap.target))
        return Answer(text("tg.answer.pick_outcome", number=ticket.number))
    outcomes = list(Outcome)
    chosen = outcomes[pick_index(len(outcomes), tap.args[0])] if tap.op in ("ho", "hy") else Outcome.TO_AGENCY
    if tap.op == "ho" and chosen in MUSRENBANG:
        await show_menu(d, query, keyboards.year_menu(d.ctx, tap.target, tap.args[0]))
        return Answer(text("tg.answer.pick_year", number=ticket.number))
    if tap.op == "ho" and chosen is Outcome.TO_AGENCY:
        await show_menu(d, query, keyboards.outcome_agency_menu(d.ctx, tap.target))
        return Answer(text("tg.answer.pick_agency", number=ticket.number))
    if tap.op == "ho" and chosen is Outcome.PLANNED:
        await ask_for_reply(d, query, "outcome", ticket, text("tg.prompt.planned", number=ticket.number),
                            {"outcome": chosen.value})
        return Answer(text("tg.answer.reply_below"))
    years = planning_years(d.ctx)
    year = years[pick_index(len(years), tap.args[1])] if tap.op == "hy" else None
    agencies = d.ctx.kabupaten.agencies
    agency = agencies[pick_index(len(agencies), tap.args[0])].code if tap.op == "hg" else None
    await record_outcome(d.ctx, actor, tap.target, chosen, year=year, agency=agency)
    return Answer(text("tg.answer.outcome", number=ticket.number))


async def answer(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Jawab (a request for information): the reply (words, a photo) goes to the citizen."""
    ticket = await precheck(d, actor, tap.target, Action.ANSWER)
    await ask_for_reply(d, query, "answer", ticket, text("tg.prompt.answer", number=ticket.number))
    return Answer(text("tg.answer.reply_below"))


OPS = {"v": verify, "vc": verify, "vd": verify, "r": reject, "rr": reject, "rw": reject,
       "d": duplicate, "dd": duplicate, "dw": duplicate, "f": forward, "fa": forward, "q": ask,
       "k": correct, "kc": correct, "kd": correct, "h": outcome, "ho": outcome, "hy": outcome, "hg": outcome,
       "ia": answer}
