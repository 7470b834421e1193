"""Staff registration: /daftar in private posts a request to the desk, where an admin picks the role.

One open request per person (a repeat is told it is pending); each decision is taken once, and
audited by core with the staff change it makes.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from telegram import CallbackQuery, Update

from core.domain.errors import InvalidInput, NotRegistered
from core.domain.lifecycle import Action, NotAllowed, Role
from core.domain.people import Actor
from core.texts import text
from core.usecases.staff import add_staff, record_declined, staff_actor
from officer_bot.callbacks import Tap
from officer_bot.cards import Board, PostStep
from officer_bot.handlers.common import Answer, Deps, OfficerContext
from officer_bot.handlers.scope import in_scope
from officer_bot.keyboards import STAFF_ROLES, registration_keyboard
from officer_bot.store import REGISTRATION, bind_prompt, claim_prompt, open_registration, prompt_by_id

log = logging.getLogger(__name__)


def roles_label(actor: Actor) -> str:
    return ", ".join(text(f"tg.role.{r.value}") for r in sorted(actor.roles))


async def register(update: Update, context: OfficerContext) -> None:
    """/daftar: ask the desk's admins to register the sender, once; a repeat hears it is pending."""
    message, user, d = update.effective_message, update.effective_user, context.deps
    if message is None or user is None:
        return
    if not await in_scope(d, message, user.id, "daftar", private_only=True):
        return
    try:
        known = await staff_actor(d.ctx, user.id)
    except NotRegistered:
        opened = await open_registration(d.ctx, await d.board.home("desk"), user.id, user.full_name[:100])
        key = "tg.reply.registration_sent" if opened is not None else "tg.reply.registration_pending"
        await d.tg.send_text(message.chat.id, escape(text(key)))
        return
    await d.tg.send_text(message.chat.id, escape(text("tg.reply.registration_known", roles=roles_label(known))))


async def post_request(board: Board, data: dict[str, Any], step: PostStep) -> None:
    """The outbox row of a request: the desk's message with a button per role (skipped once decided)."""
    prompt_id = int(data["prompt_id"])
    if await prompt_by_id(board.ctx, prompt_id) is None:
        return
    body = escape(text("tg.reply.registration_request", name=data.get("name", ""), user_id=data.get("user_id", "")))
    chat = await board.home("desk")

    async def post() -> Any:
        sent = await board.tg.send_text(chat, body, registration_keyboard(prompt_id))
        await bind_prompt(board.ctx, prompt_id, sent.chat.id, sent.message_id)
        return sent

    await step(post)


async def decide_registration(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """An admin's tap on a registration request: register with the role, or decline."""
    if Role.ADMIN not in actor.roles:
        raise NotAllowed(Action.VERIFY, actor.roles)
    if tap.op == "sa" and not 0 <= tap.args[0] < len(STAFF_ROLES):
        raise InvalidInput("no such role", field="role")
    prompt = await claim_prompt(d.ctx, tap.target, REGISTRATION)  # two admins tapping: one decision
    if prompt is None:
        raise InvalidInput("no open registration request", field="registration")
    user_id, name = int(prompt.data["user_id"]), str(prompt.data["name"])
    if tap.op == "sn":
        await record_declined(d.ctx, user_id, name, by=actor)
        body = text("tg.reply.registration_declined", name=name, admin=actor.name)
        await d.tg.edit_text(prompt.chat_id, prompt.message_id, escape(body))
        return Answer(text("tg.answer.staff_declined", name=name))
    role = STAFF_ROLES[tap.args[0]]
    await add_staff(d.ctx, user_id, name, frozenset({Role(role)}), by=actor, approved=True)
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
