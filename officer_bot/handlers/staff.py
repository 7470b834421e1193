"""Staff registration: /daftar in private posts a request to the desk, where an admin or the camat picks the role.

One open request per person (a repeat is told it is pending); each decision is taken once, and
audited by core with the staff change it makes.
"""

from __future__ import annotations

import logging
from html import escape
from typing import Any

from telegram import CallbackQuery, Message, Update

from core.domain.errors import InvalidInput, NotRegistered
from core.domain.lifecycle import STAFF_MANAGERS, Action, NotAllowed, Role
from core.domain.people import Actor
from core.texts import text
from core.usecases.staff import add_staff, record_declined, staff_actor, staff_kecamatan
from officer_bot.callbacks import Tap
from officer_bot.cards import Board, PostStep
from officer_bot.handlers.common import Answer, Deps, OfficerContext
from officer_bot.handlers.scope import PICKABLE, in_scope
from officer_bot.keyboards import STAFF_ROLES, kecamatan_keyboard, registration_keyboard
from officer_bot.store import REGISTRATION, bind_prompt, claim_prompt, open_registration, prompt_by_id

log = logging.getLogger(__name__)


def roles_label(actor: Actor) -> str:
    return ", ".join(text(f"tg.role.{r.value}") for r in sorted(actor.roles))


async def register(update: Update, context: OfficerContext) -> None:
    """/daftar: ask the desk's admins to register the sender, once; a repeat hears it is pending. In a
    kabupaten of several kecamatan, `/daftar galesong` names the kecamatan, and a bare /daftar asks which
    one among those the sender is not staff of yet (the tap runs `request_registration` there)."""
    message, user, d = update.effective_message, update.effective_user, context.deps
    if message is None or user is None:
        return
    if not await in_scope(d, message, user.id, "daftar", private_only=True):
        return
    kabupaten = d.ctx.kabupaten
    if len(kabupaten) > 1:
        words = (message.text or "").split(maxsplit=1)
        named = kabupaten.profile_named(words[1]) if len(words) > 1 else None
        if named is None:
            await _ask_where(d, message, user.id, words[1] if len(words) > 1 else "")
            return
        d = d.at(named.code)
    await request_registration(d, message.chat.id, user.id, user.full_name)


async def _ask_where(d: Deps, message: Message, user_id: int, given: str) -> None:
    """"Daftar di kecamatan mana?": a button for every kecamatan the person holds no role in yet."""
    held = set(await staff_kecamatan(d.ctx, user_id))
    places = [p.code for p in d.ctx.kabupaten if p.code not in held]
    if not places:
        known = await staff_actor(d.ctx, user_id)
        await d.tg.send_text(message.chat.id, escape(text("tg.reply.registration_known", roles=roles_label(known))))
        return
    key = "tg.staff_register.unknown" if given else "tg.staff_register.which"
    await d.tg.send_text(message.chat.id, escape(text(key, name=given[:40])),
                         kecamatan_keyboard(d.ctx.kabupaten, places, PICKABLE.index("daftar")),
                         reply_to=message.message_id)


async def request_registration(d: Deps, chat_id: int, user_id: int, name: str) -> None:
    """Open the person's request at `d`'s kecamatan desk, or tell them they are staff there already."""
    try:
        known = await staff_actor(d.ctx, user_id)
    except NotRegistered:  # NotStaffHere too: staff of another kecamatan registering here
        opened = await open_registration(d.ctx, await d.board.home("desk"), user_id, name[:100])
        if opened is None:
            body = text("tg.reply.registration_pending")
        elif len(d.ctx.kabupaten) > 1:
            body = text("tg.staff_register.sent", kecamatan=d.ctx.profile.name)
        else:
            body = text("tg.reply.registration_sent")
        await d.tg.send_text(chat_id, escape(body))
        return
    await d.tg.send_text(chat_id, escape(text("tg.reply.registration_known", roles=roles_label(known))))


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


async def post_change(board: Board, data: dict[str, Any], step: PostStep) -> None:
    """The outbox row of a staff decision taken in the console: the person told in their private chat."""
    action = str(data.get("action", ""))
    place = board.ctx.kabupaten.profile(str(data.get("kecamatan") or board.ctx.kecamatan)).name
    roles = ", ".join(text(f"tg.role.{r}") for r in data.get("roles") or []) or "-"
    desa = ", ".join(str(x) for x in data.get("desa") or [])
    key = action if action in STAFF_CHANGES else "update"
    if key == "agency" and not data.get("agency"):
        key = "agency_none"  # taken out of the agency
    body = text(f"tg.staff_change.{key}", kecamatan=place, roles=roles, by=str(data.get("by") or "-"),
                agency=str(data.get("agency_name") or data.get("agency") or "-"))
    if desa and key in ("add", "approve", "reactivate", "update"):
        body += "\n" + text("tg.staff_change.desa", desa=desa)
    chat = int(data["telegram_id"])
    await step(lambda: board.tg.send_text(chat, escape(body)))


STAFF_CHANGES = ("add", "approve", "reactivate", "update", "withdraw", "deactivate", "decline", "agency")


async def decide_registration(d: Deps, query: CallbackQuery, actor: Actor, tap: Tap) -> Answer:
    """A manager's tap on a registration request (`STAFF_MANAGERS`): register with the role, or decline."""
    if not actor.roles & STAFF_MANAGERS:
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
