"""Staff registration: /daftar in private posts a request to the desk, where an admin picks the role."""

from __future__ import annotations

import logging
from html import escape

from telegram import CallbackQuery, Update

from core.domain.errors import InvalidInput, NotRegistered
from core.domain.lifecycle import Action, NotAllowed, Role
from core.domain.people import Actor
from core.texts import text
from core.usecases.staff import add_staff, staff_actor
from officer_bot.callbacks import Tap
from officer_bot.handlers.common import Answer, Ctx, Deps, deps
from officer_bot.keyboards import STAFF_ROLES, registration_keyboard
from officer_bot.store import bind_prompt, close_prompts, open_prompt, prompt_by_id

log = logging.getLogger(__name__)


def roles_label(actor: Actor) -> str:
    return ", ".join(text(f"tg.role.{r.value}") for r in sorted(actor.roles))


async def register(update: Update, context: Ctx) -> None:
    """/daftar: ask the desk's admins to register the sender."""
    message, user, d = update.effective_message, update.effective_user, deps(context)
    if message is None or user is None:
        return
    if message.chat.type != "private":
        await d.tg.send_text(message.chat.id, escape(text("tg.reply.private_only")), reply_to=message.message_id)
        return
    try:
        known = await staff_actor(d.ctx, user.id)
    except NotRegistered:
        desk = await d.board.home("desk")
        name = user.full_name[:100]
        prompt_id = await open_prompt(d.ctx, desk, 0, "registration", user.id, data={"user_id": user.id,
                                                                                         "name": name})
        body = text("tg.reply.registration_request", name=name, user_id=user.id)
        sent = await d.tg.send_text(desk, escape(body), registration_keyboard(prompt_id))
        await bind_prompt(d.ctx, prompt_id, sent.chat.id, sent.message_id)
        await d.tg.send_text(message.chat.id, escape(text("tg.reply.registration_sent")))
        return
    await d.tg.send_text(message.chat.id, escape(text("tg.reply.registration_known", roles=roles_label(known))))


async def decide_registration(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """An admin's tap on a registration request: register with the role, or decline."""
    if Role.ADMIN not in actor.roles:
        raise NotAllowed(Action.VERIFY, actor.roles)
    prompt = await prompt_by_id(d.ctx, tap.target)
    if prompt is None or prompt.kind != "registration":
        raise InvalidInput("no open registration request", field="registration")
    user_id, name = int(prompt.data["user_id"]), str(prompt.data["name"])
    await close_prompts(d.ctx, prompt_id=prompt.id)
    if tap.op == "sn":
        body = text("tg.reply.registration_declined", name=name, admin=actor.name)
        await d.tg.edit_text(prompt.chat_id, prompt.message_id, escape(body))
        return Answer(text("tg.answer.staff_declined", name=name))
    if not 0 <= tap.args[0] < len(STAFF_ROLES):
        raise InvalidInput("no such role", field="role")
    role = STAFF_ROLES[tap.args[0]]
    await add_staff(d.ctx, user_id, name, frozenset({Role(role)}))
    label = text(f"tg.role.{role}")
    await d.tg.edit_text(prompt.chat_id, prompt.message_id,
                         escape(text("tg.reply.registration_done", name=name, role=label, admin=actor.name)))
    welcome = text("tg.reply.registration_welcome", role=label, kecamatan=d.ctx.profile.name)
    try:
        await d.tg.send_text(user_id, escape(welcome))
    except Exception:
        log.info("could not welcome a new staff member", exc_info=True)
    return Answer(text("tg.answer.staff_added", name=name, role=label))


OPS = {"sa": decide_registration, "sn": decide_registration}
