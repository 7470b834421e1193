"""/masuk in the private chat: a one-time sign-in link to the web console (console/signin.py)."""

from __future__ import annotations

from telegram import Update

from console.signin import issue_link, link_url
from core.domain.errors import NotRegistered
from core.texts import text
from officer_bot.handlers.common import OfficerContext
from officer_bot.handlers.scope import in_scope, reply


async def sign_in_link(update: Update, context: OfficerContext) -> None:
    """Sends an active staff member their sign-in link (private chat only: the link opens their account)."""
    message, user, d = update.effective_message, update.effective_user, context.deps
    if message is None or user is None or not await in_scope(d, message, user.id, "masuk", private_only=True):
        return
    try:
        token = await issue_link(d.ctx, user.id)
    except NotRegistered:
        await reply(d, message, text("konsol.tg.not_staff"))
        return
    await reply(d, message, text("konsol.tg.link", url=link_url(d.settings, token)))
