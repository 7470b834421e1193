"""/eskalasi NOMOR [alasan]: whoever the lifecycle lets escalate (the Inspektorat above all, who may do
nothing else to a case) sends a case of any kecamatan to the kabupaten's chat, with the same card and
actions as a case the camat left. It works in a private chat with the bot or in the kabupaten's chat.
"""

from __future__ import annotations

from telegram import Message, Update

from core.domain.errors import Refused, TicketNotFound
from core.texts import refusal, text
from core.usecases.oversight import KABUPATEN_LEVEL, escalate_ticket
from core.usecases.staff import staff_actor
from officer_bot.card_data import ticket_id_of
from officer_bot.handlers.common import Deps, OfficerContext
from officer_bot.handlers.scope import reply
from officer_bot.store import configured_chat


async def escalate(update: Update, context: OfficerContext) -> None:
    """Sends the named case to the kabupaten's chat, saying why; refusals in words."""
    message, user, d = update.effective_message, update.effective_user, context.deps
    if message is None or user is None:
        return
    kabupaten_chat = d.ctx.kabupaten.telegram.chat_id
    if kabupaten_chat is None:
        await reply(d, message, text("tg.escalate.no_chat"))
        return
    if message.chat.type != "private" and await configured_chat(d.ctx, message.chat.id) != kabupaten_chat:
        await reply(d, message, text("tg.escalate.where"))
        return
    args = list(context.args or [])
    if not args:
        await reply(d, message, text("tg.escalate.usage", example=f"{d.ctx.profile.ticket_prefix}-000123"))
        return
    try:
        await _escalate(d, message, user.id, args[0], " ".join(args[1:]))
    except Refused as exc:
        await reply(d, message, refusal(exc))


async def _escalate(d: Deps, message: Message, user_id: int, number: str, reason: str) -> None:
    """In the kecamatan the number's prefix names, as the sender is there (a kabupaten role is everywhere)."""
    profile = d.ctx.kabupaten.by_prefix(number.split("-")[0]) if "-" in number else None
    if profile is None:
        raise TicketNotFound(number=number)
    here = d.at(profile.code).ctx
    ticket_id = await ticket_id_of(here, number)
    if ticket_id is None:
        raise TicketNotFound(number=number)
    actor = await staff_actor(here, user_id)
    details = {"reason": reason.strip()[:500], "by_hand": True}
    raised = await escalate_ticket(here, actor, ticket_id, KABUPATEN_LEVEL, details=details)
    await reply(d, message, text("tg.escalate.done" if raised else "tg.escalate.already",
                                 number=number.strip().upper()))
