"""Which kecamatan an update in a private chat acts in.

A staff member may hold roles in several kecamatan of the install. What they send the bot in private acts
in the kecamatan of the case it names (a tap on a case's button, `/tiket GLS-000001`, a `/start p123` deep
link, an answer to a progress prompt), or the one they picked on "Kecamatan mana?", or else the only one
they work in. None: they work in several (a command that names no case asks) or in none.
"""

from __future__ import annotations

from telegram import Update

from core.context import Context
from core.db.ids import is_id
from core.usecases.staff import staff_kecamatan
from officer_bot.callbacks import decode
from officer_bot.store import case_kecamatan, latest_prompt, ticket_kecamatan


async def private_kecamatan(ctx: Context, update: Update) -> str | None:
    """The code of the kecamatan a private update acts in (see the module's docstring)."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None:
        return None
    named = await named_kecamatan(ctx, update, chat.id, user.id)
    if named is not None:
        return named
    places = await staff_kecamatan(ctx, user.id)
    return places[0] if len(places) == 1 else None


def picked(ctx: Context, place: int) -> str | None:
    """The kecamatan at `place` (from 1) in the kabupaten file, as "Kecamatan mana?" buttons name it."""
    profiles = list(ctx.kabupaten)
    return profiles[place - 1].code if 1 <= place <= len(profiles) else None


async def named_kecamatan(ctx: Context, update: Update, chat_id: int, user_id: int) -> str | None:
    """The kecamatan the update itself names: the picked one, or that of the case it is about."""
    query, message = update.callback_query, update.effective_message
    if query is not None:
        tap = decode(query.data)
        if tap is not None and tap.op == "pk":
            return picked(ctx, tap.target)
        return await case_kecamatan(ctx, update, chat_id)
    if message is None:
        return None
    words = (message.text or "").split()
    command = words[0].split("@")[0].casefold() if words and words[0].startswith("/") else ""
    argument = words[1] if len(words) > 1 else ""
    if command == "/tiket" and "-" in argument:
        profile = ctx.kabupaten.by_prefix(argument.split("-")[0])
        return profile.code if profile is not None else None
    if command == "/start" and argument.startswith("p") and is_id(argument[1:]):
        return await ticket_kecamatan(ctx, int(argument[1:]))
    if command:
        return None
    replied = await case_kecamatan(ctx, update, chat_id) if message.reply_to_message is not None else None
    if replied is not None:
        return replied
    prompt = await latest_prompt(ctx, chat_id, user_id)  # private answers need no reply (replies.route)
    return await ticket_kecamatan(ctx, prompt.ticket_id) if prompt and prompt.ticket_id else None
