"""What every handler shares: its dependencies, the tap answer, and checks before showing a menu."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from telegram.ext import CallbackContext

from core.context import Context
from core.db.models import Ticket
from core.domain.errors import TicketNotFound
from core.domain.lifecycle import Action, TicketState, decide
from core.domain.people import Actor
from core.settings import Settings
from core.usecases._ticket import check_party
from officer_bot.albums import Albums
from officer_bot.cards import Board
from officer_bot.inbound import Intake
from officer_bot.telegram_io import Telegram

Ctx = CallbackContext[Any, Any, Any, Any]


@dataclass
class Deps:
    ctx: Context
    settings: Settings
    tg: Telegram
    board: Board
    media_dir: Path
    intake: Intake  # an album's updates are finished once the album is handled (Intake.later)
    bot_username: str = ""
    albums: Albums = field(default_factory=Albums)


@dataclass(frozen=True)
class Answer:
    """What a tap is answered with (at most 200 characters; `url` opens a deep link)."""

    text: str
    url: str | None = None


def deps(context: Ctx) -> Deps:
    return cast(Deps, context.bot_data["deps"])


async def precheck(d: Deps, actor: Actor, ticket_id: int, action: Action) -> Ticket:
    """Refuse now, before showing a menu, what core would refuse at the end (core checks again then).

    The same tables decide: the lifecycle's roles and states, and whose assignment the action needs.
    """
    async with d.ctx.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFound(ticket=ticket_id)
        decide(TicketState(ticket.state), action, actor.roles)
        await check_party(session, ticket, action, actor)
        return ticket
