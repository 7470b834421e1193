"""Every button tap: decode, identify the staff member, run the op, and always answer the tap."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update

from core.domain.errors import Refused
from core.domain.people import Actor
from core.texts import refusal, text
from core.usecases.staff import staff_actor
from officer_bot.callbacks import Tap, decode
from officer_bot.card_data import load_view
from officer_bot.handlers import agency, camat, desk, field, picks, staff
from officer_bot.handlers.common import Answer, Deps, OfficerContext, actor_in
from officer_bot.keyboards import card_keyboard
from officer_bot.pacing import Busy
from officer_bot.store import card_at

log = logging.getLogger(__name__)
# taps on a menu: put the card's buttons back when they are refused
AFTER_MENU = frozenset({"vc", "vd", "rr", "rw", "dd", "dw", "fa", "co", "cx", "kc", "kd"})
Op = Callable[[Deps, CallbackQuery, Actor, Tap], Awaitable[Answer]]


async def back(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """Put the card's own buttons back after a menu."""
    await restore(d, query, tap.target)
    return Answer(text("tg.answer.back"))


async def restore(d: Deps, query: CallbackQuery, ticket_id: int) -> None:
    """Show the card's own buttons again on the message that was tapped."""
    message = query.message
    if message is None:
        return
    role = next((c.role for c in await card_at(d.ctx, message.chat.id, message.message_id)
                 if c.ticket_id == ticket_id and not c.role.startswith("bundle_")), None)
    if role is not None:
        view = await load_view(d.ctx, ticket_id)
        await d.tg.edit_markup(message.chat.id, message.message_id, card_keyboard(d.ctx, role, view.ticket))


async def open_card(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """A bundle's button: post that ticket's own card in the group."""
    if query.message is None:
        return Answer(text("tg.answer.unknown"))
    view = await load_view(d.ctx, tap.target)
    await d.board.open_from_bundle(tap.target, query.message.chat.id)
    return Answer(text("tg.answer.opened", number=view.ticket.number))


OPS: dict[str, Op] = {
    **desk.OPS, **field.OPS, **camat.OPS, **agency.OPS,
    "o": open_card,
    "x": back,
}


async def on_tap(update: Update, context: OfficerContext) -> None:
    """Answer every tap exactly once, whatever happens (in time: officer_bot/tap_window.py)."""
    query = update.callback_query
    if query is None:
        return
    deps = context.deps
    answer = await run(deps, query)
    await deps.taps.answer(query, answer.text, answer.url)


async def run(d: Deps, query: CallbackQuery) -> Answer:
    tap = decode(query.data)
    if tap is None:
        log.info("unknown callback data", extra={"user_id": query.from_user.id})
        return Answer(text("tg.answer.unknown"))
    try:
        if tap.op == "pk":
            return await picks.run_picked(d, query, tap)
        if tap.op in staff.OPS:
            return await staff.OPS[tap.op](d, query, await staff_actor(d.ctx, query.from_user.id), tap)
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        actor = await actor_in(d, chat_id, query.from_user)
        return await OPS[tap.op](d, query, actor, tap)
    except Refused as exc:
        log.info("tap refused", extra={"op": tap.op, "target": tap.target, "code": exc.code})
        if tap.op in AFTER_MENU:
            await _quiet_restore(d, query, tap.target)
        return Answer(refusal(exc))
    except Busy:
        return Answer(text("tg.answer.busy"))
    except Exception:
        log.exception("tap failed", extra={"op": tap.op, "target": tap.target})
        return Answer(text("tg.answer.failed"))


async def _quiet_restore(d: Deps, query: CallbackQuery, ticket_id: int) -> None:
    try:
        await restore(d, query, ticket_id)
    except Exception:
        log.info("could not restore the card's buttons", exc_info=True)
