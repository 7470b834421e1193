"""The tap on "Kecamatan mana?": run the command that asked in the kecamatan picked."""

from __future__ import annotations

from telegram import CallbackQuery, Message

from core.texts import text
from core.usecases.staff import staff_actor
from officer_bot.callbacks import Tap
from officer_bot.handlers import duty
from officer_bot.handlers.commands import PICKED
from officer_bot.handlers.common import Answer, Deps
from officer_bot.handlers.scope import PICKABLE
from officer_bot.handlers.staff import request_registration
from officer_bot.private_route import picked


async def run_picked(d: Deps, query: CallbackQuery, tap: Tap) -> Answer:
    """Run the command in the picked kecamatan, as the person is staff there; its answer goes to the chat."""
    code, message = picked(d.ctx, tap.target), query.message
    if code is None or not 0 <= tap.args[0] < len(PICKABLE) or not isinstance(message, Message):
        return Answer(text("tg.answer.unknown"))
    here = d.at(code)
    if PICKABLE[tap.args[0]] == "daftar":  # not staff there yet: nothing to check but who taps
        await request_registration(here, message.chat.id, query.from_user.id, query.from_user.full_name)
        return Answer(text("tg.staff_scope.picked", kecamatan=here.ctx.profile.name))
    actor = await staff_actor(here.ctx, query.from_user.id)
    run = duty.picked if PICKABLE[tap.args[0]] == "tugas" else PICKED[PICKABLE[tap.args[0]]]
    await run(here, message, actor, [])
    return Answer(text("tg.staff_scope.picked", kecamatan=here.ctx.profile.name))
