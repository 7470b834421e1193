"""Commands: /start (deep links, the camat's link), /ringkasan (digest now), /tiket (one ticket's history).

Commands that show cases go through `scope.shows_cases`: they answer only where cases may be seen.
"""

from __future__ import annotations

import contextlib
import logging
from html import escape

from telegram import Message, Update

from core.db.ids import is_id
from core.digest import digest_text
from core.domain.errors import NotRegistered, Refused, TicketNotFound
from core.domain.lifecycle import DIGEST_READERS, Action, NotAllowed, Role
from core.domain.people import Actor
from core.texts import refusal, text
from core.usecases.staff import add_staff, staff_actor, staff_kecamatan
from officer_bot.card_data import load_view, ticket_id_of
from officer_bot.handlers.common import Deps, OfficerContext, precheck
from officer_bot.handlers.scope import in_scope, reply, shows_cases
from officer_bot.handlers.staff import roles_label
from officer_bot.render import history_text
from officer_bot.store import close_prompts, open_prompt
from officer_bot.telegram_io import chunks

log = logging.getLogger(__name__)
CAMAT_LINK = Actor.system("camat /start")  # the profile names the camat's Telegram id; /start links it


async def private(update: Update, context: OfficerContext) -> tuple[Deps, Message, int] | None:
    """The message, if it came in a private chat; otherwise tell the sender to use one."""
    message, user, d = update.effective_message, update.effective_user, context.deps
    if message is None or user is None:
        return None
    if not await in_scope(d, message, user.id, "start", private_only=True):
        return None
    return d, message, user.id


async def start(update: Update, context: OfficerContext) -> None:
    """/start: a progress deep link (`p123`), the camat linking their account, or a greeting."""
    found = await private(update, context)
    if found is None:
        return
    d, message, user_id = found
    name = message.from_user.first_name if message.from_user else ""
    payload = context.args[0] if context.args else ""
    try:
        if payload.startswith("p") and is_id(payload[1:]):
            await start_progress(d, message, user_id, int(payload[1:]))
            return
        camat_of = [p.code for p in d.ctx.kabupaten if p.telegram.camat_user_id == user_id]
        if camat_of:
            for code in camat_of:
                await link_camat(d.at(code), message, user_id)
            return
        await greet_staff(d, message, user_id, name)
    except NotRegistered:
        await reply(d, message, text("tg.reply.start", name=name, kecamatan=d.ctx.profile.name))
    except Refused as exc:
        await reply(d, message, refusal(exc))


async def link_camat(d: Deps, message: Message, user_id: int) -> None:
    """The camat the kecamatan's profile names links their account: the camat role there, kept roles."""
    roles = {Role.CAMAT}
    with contextlib.suppress(NotRegistered):
        roles |= (await staff_actor(d.ctx, user_id)).roles
    await add_staff(d.ctx, user_id, message.from_user.full_name if message.from_user else "Camat",
                    frozenset(roles), by=CAMAT_LINK)
    await reply(d, message, text("tg.reply.camat_linked", kecamatan=d.ctx.profile.name))


async def greet_staff(d: Deps, message: Message, user_id: int, name: str) -> None:
    """Tell staff what they are registered as: per kecamatan, for someone working in several."""
    places = await staff_kecamatan(d.ctx, user_id)
    if len(places) < 2:
        actor = await staff_actor(d.ctx, user_id)
        await reply(d, message, text("tg.reply.start_staff", name=name, roles=roles_label(actor)))
        return
    parts = [text("tg.staff_scope.place", roles=roles_label(await staff_actor(d.at(code).ctx, user_id)),
                  kecamatan=d.at(code).ctx.profile.name) for code in places]
    await reply(d, message, text("tg.staff_scope.start_many", name=name, places="; ".join(parts)))


async def start_progress(d: Deps, message: Message, user_id: int, ticket_id: int) -> None:
    """Open a private progress session on a ticket the officer is working on."""
    actor = await staff_actor(d.ctx, user_id)
    ticket = await precheck(d, actor, ticket_id, Action.ADD_PROGRESS)
    await close_prompts(d.ctx, kind="progress", ticket_id=ticket_id)
    sent = await d.tg.send_text(message.chat.id, escape(text("tg.prompt.progress", number=ticket.number)))
    await open_prompt(d.ctx, sent.chat.id, sent.message_id, "progress", user_id, ticket_id)


async def digest_now(d: Deps, message: Message, actor: Actor, args: list[str]) -> None:
    """The camat's digest of d's kecamatan, now (also for the kabupaten's admins and the Inspektorat, who read it)."""
    if not actor.roles & DIGEST_READERS:
        raise NotAllowed(Action.CLOSE, actor.roles)
    for part in chunks(await digest_text(d.ctx, day=None, locale="id")):
        await reply(d, message, part)


summary = shows_cases(private_only=True, pick="ringkasan")(digest_now)  # /ringkasan
PICKED = {"ringkasan": digest_now}  # what a tap on "Kecamatan mana?" runs (scope.PICKABLE)


@shows_cases()
async def ticket(d: Deps, message: Message, actor: Actor, args: list[str]) -> None:
    """/tiket PTL-000123: one ticket with its history, for staff."""
    if not args:
        await reply(d, message, text("tg.reply.ticket_usage", example=f"{d.ctx.profile.ticket_prefix}-000123"))
        return
    ticket_id = await ticket_id_of(d.ctx, args[0])
    if ticket_id is None:
        raise TicketNotFound(number=args[0])
    await reply(d, message, history_text(d.ctx, await load_view(d.ctx, ticket_id)), html=True)
