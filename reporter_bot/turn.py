"""One processed message: who wrote, where they are in the conversation, and what we answer."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from core.context import Context
from core.domain.conversation import Step
from core.domain.people import Actor
from core.texts import clip, text
from reporter_bot.draft import Draft
from reporter_bot.media import Fetched
from reporter_bot.outgoing import TEXT_MAX, Outgoing
from reporter_bot.webhook_body import Media

Fetch = Callable[[Media, str], Awaitable[Fetched]]


@dataclass
class Turn:
    """The state a handler reads and changes; the bot commits it with the replies in one transaction."""

    ctx: Context
    actor: Actor
    wa_id: str
    name: str
    locale: str
    step: Step
    draft: Draft
    first_contact: bool
    fetch: Fetch
    source: str = ""  # the inbox message this turn handles; makes a reprocessed "Kirim" return the same ticket
    released: int = 0  # held updates this message made due again (the window reopened)
    replies: list[Outgoing] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # one-line notices put before the next question

    def t(self, key: str, **params: Any) -> str:
        return text(key, self.locale, **params)

    def say(self, message: Outgoing | str) -> None:
        """Queue an answer; pending notices go first, in the same message."""
        out = Outgoing(message) if isinstance(message, str) else message
        if self.notes:
            limit = TEXT_MAX if not (out.buttons or out.sections or out.location_request) else 1024
            out = Outgoing(clip("\n\n".join([*self.notes, out.text]), limit), out.buttons, out.list_button,
                           out.sections, out.location_request, out.image_path, out.image_mime)
            self.notes.clear()
        self.replies.append(out)

    def note(self, line: str) -> None:
        self.notes.append(line)

    def flush_notes(self) -> None:
        if self.notes:
            joined = "\n\n".join(self.notes)
            self.notes.clear()
            self.say(joined)
