"""Which bot speaks in which chat, when a kecamatan of the install runs its own bot.

The kabupaten's bot (TELEGRAM_BOT_TOKEN, line None) serves every kecamatan that has none and every shared
chat (an agency's group, the kabupaten chat); a kecamatan's own bot (TELEGRAM_KECAMATAN_BOT_TOKENS, line
its code) serves that kecamatan's desk, field groups and camat chat. A private chat is the bot's the person
talks to: the one that received the update being answered, or for a message the system starts, the
kecamatan's bot. Each bot has its own pacer: Telegram's limits (30 messages a second, 20 a minute in a
group) are per bot.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from telegram import Bot

from core.context import Context
from officer_bot.pacing import Pacer
from officer_bot.store import configured_chat

Line = str | None  # a kecamatan's code for its own bot; None for the kabupaten's


class Bots:
    """Each bot of the install (by line) with its pacer; `line_in(chat, private)` says whose a chat is."""

    def __init__(self, ctx: Context, bots: Mapping[Line, Callable[[], Bot]], pacer: Callable[[Line], Pacer]) -> None:
        self.ctx, self._bots = ctx, dict(bots)
        self._pacers = {line: pacer(line) for line in self._bots}

    def of(self, kecamatan: str) -> Line:
        """The line a kecamatan's messages go out on (its own bot, or the kabupaten's)."""
        return kecamatan if kecamatan in self._bots else None

    def bot(self, line: Line) -> Bot:
        return self._bots[line]()

    def pacer(self, line: Line) -> Pacer:
        return self._pacers[line]

    async def line_in(self, chat_id: int, private: Line) -> Line:
        """The bot that speaks in a chat; `private` is the one for a person's private chat."""
        if chat_id > 0:
            return private
        if len(self._bots) == 1:
            return None
        profile = self.ctx.kabupaten.by_chat(await configured_chat(self.ctx, chat_id))
        return self.of(profile.code) if profile is not None else None
