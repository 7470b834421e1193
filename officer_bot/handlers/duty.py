"""/tugas: a field officer goes on or off duty in their kecamatan, now or until a time ("/tugas selesai
17:00"); cards of new cases name the officers on duty for their desa (core/usecases/duty.py)."""

from __future__ import annotations

import logging
import re
from datetime import datetime, time, timedelta

from telegram import Message, Update

from core.domain.errors import NotRegistered
from core.domain.lifecycle import Role
from core.domain.people import Actor
from core.texts import text
from core.usecases.duty import Duty, duty_of, set_duty
from officer_bot.handlers.common import Deps, OfficerContext, actor_in
from officer_bot.handlers.scope import ask_kecamatan, in_scope, kecamatan_chat, reply
from officer_bot.render import clock_time

log = logging.getLogger(__name__)
ON, OFF = {"mulai", "on", "masuk", "bertugas"}, {"selesai", "off", "libur", "istirahat"}
TIME_RE = re.compile(r"^(\d{1,2})[.:](\d{2})$")


async def duty(update: Update, context: OfficerContext) -> None:
    """/tugas [mulai|selesai] [HH:MM]: switch (or set) the sender's duty, optionally until a local time."""
    message, user, d = update.effective_message, update.effective_user, context.deps
    if message is None or user is None:
        return
    if message.chat.type != "private" and not await kecamatan_chat(d, message.chat.id):
        await in_scope(d, message, user.id, "tugas")  # says it is not answered here
        return
    if await ask_kecamatan(d, message, user.id, "tugas"):
        return
    try:
        actor = await actor_in(d, message.chat.id, user)
    except NotRegistered:
        await reply(d, message, text("tg.duty.not_officer"))
        return
    await switch(d, message, actor, (message.text or "").split()[1:])


async def switch(d: Deps, message: Message, actor: Actor, args: list[str]) -> None:
    """Set the duty the words ask for (none: the other of now) and say what it is now."""
    if Role.OFFICER not in actor.roles:
        await reply(d, message, text("tg.duty.not_officer"))
        return
    words = [w.casefold() for w in args]
    given = next((w for w in words if w not in ON | OFF | {"sampai", "hingga", "until"}), None)
    until = None
    if given is not None:
        until = _until(d, given)
        if until is None:
            await reply(d, message, text("tg.duty.bad_time", given=given[:20]))
            return
    if any(w in ON for w in words):
        on = True
    elif any(w in OFF for w in words):
        on = False
    else:
        on = not (await duty_of(d.ctx, actor.id or 0)).on
    await reply(d, message, said(d, await set_duty(d.ctx, actor, on, until)))


def said(d: Deps, now: Duty) -> str:
    until = text("tg.duty.until", time=clock_time(d.ctx, now.until)) if now.until else ""
    return text("tg.duty.now_on" if now.on else "tg.duty.now_off", kecamatan=d.ctx.profile.name, until=until)


def _until(d: Deps, given: str) -> datetime | None:
    """The next local HH:MM from now (today's, or tomorrow's when it has passed)."""
    found = TIME_RE.match(given)
    if found is None or int(found[1]) > 23 or int(found[2]) > 59:
        return None
    zone, now = d.ctx.profile.zone, d.ctx.now()
    local = now.astimezone(zone)
    at = datetime.combine(local.date(), time(int(found[1]), int(found[2])), zone)
    return at if at > local else at + timedelta(days=1)


async def picked(d: Deps, message: Message, actor: Actor, args: list[str]) -> None:
    """The tap on "Kecamatan mana?" for /tugas: switch there."""
    await switch(d, message, actor, args)

