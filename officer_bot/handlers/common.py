"""What every handler shares: its dependencies, the tap answer, and checks before showing a menu."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import select
from telegram.ext import CallbackContext

from core.context import Context
from core.db.models import Staff, Ticket
from core.domain.errors import NotAssignee, TicketNotFound
from core.domain.lifecycle import Action, Role, TicketState, decide
from core.domain.people import Actor
from core.settings import Settings
from officer_bot.cards import Board
from officer_bot.telegram_io import Telegram

Ctx = CallbackContext[Any, Any, Any, Any]


@dataclass
class Deps:
    ctx: Context
    settings: Settings
    tg: Telegram
    board: Board
    media_dir: Path
    bot_username: str = ""
    albums_done: list[str] = field(default_factory=list)
    inbox_rows: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Answer:
    """What a tap is answered with (at most 200 characters; `url` opens a deep link)."""

    text: str
    url: str | None = None


def deps(context: Ctx) -> Deps:
    return cast(Deps, context.bot_data["deps"])


async def precheck(d: Deps, actor: Actor, ticket_id: int, action: Action, assignee: bool = False) -> Ticket:
    """Refuse now, before showing a menu, what core would refuse at the end (core checks again then)."""
    async with d.ctx.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFound(ticket=ticket_id)
        decide(TicketState(ticket.state), action, actor.roles)
        exempt = actor.roles & {Role.ADMIN, Role.CAMAT}
        if assignee and not exempt and ticket.assignee_id != actor.id:
            raise NotAssignee(number=ticket.number, by=await session.scalar(
                select(Staff.name).where(Staff.id == ticket.assignee_id)) or "")
        return ticket
