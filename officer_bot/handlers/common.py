"""What every handler shares: its dependencies (typed through PTB's `ContextTypes`), the tap answer,
and checks before showing a menu."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from telegram import User
from telegram.ext import CallbackContext, ContextTypes, ExtBot

from core.context import Context
from core.db.models import Ticket
from core.domain.errors import TicketNotFound
from core.domain.lifecycle import Action
from core.domain.people import Actor
from core.settings import Settings
from core.usecases._ticket import decide_on, in_kecamatan
from core.usecases.staff import staff_actor
from officer_bot.albums import Albums
from officer_bot.cards import Board
from officer_bot.store import configured_chat
from officer_bot.tap_window import TapWindow
from officer_bot.telegram_io import Telegram
from officer_bot.update_inbox import UpdateInbox


@dataclass
class Deps:
    """What the handlers work with: core's context, the Telegram sender, the cards, the update inbox."""

    ctx: Context
    settings: Settings
    tg: Telegram
    board: Board
    media_dir: Path
    update_inbox: UpdateInbox  # an album's updates are finished once the album is handled (UpdateInbox.later)
    bot_username: str = ""
    albums: Albums = field(default_factory=Albums)
    taps: TapWindow = field(default_factory=TapWindow)  # every tap answered in time
    boards: dict[str, Board] = field(default_factory=dict)  # each kecamatan's board, by code
    _tenants: dict[str, Deps] = field(default_factory=dict, repr=False)

    def at(self, kecamatan: str) -> Deps:
        """The same bot acting in another kecamatan of the install: its context and its board."""
        if kecamatan == self.ctx.kecamatan:
            return self
        if kecamatan not in self._tenants:
            self._tenants[kecamatan] = replace(self, ctx=self.ctx.at(kecamatan), board=self.boards[kecamatan],
                                               _tenants=self._tenants)
        return self._tenants[kecamatan]


@dataclass(frozen=True)
class Answer:
    """What a tap is answered with (at most 200 characters; `url` opens a deep link)."""

    text: str
    url: str | None = None


class BotData:
    """PTB's `context.bot_data`, typed: PTB makes it empty when the Application is built, and
    `OfficerBot` sets `deps` before the first update."""

    deps: Deps


class OfficerContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], BotData]):
    """The `context` every handler gets: PTB's own, with the bot's dependencies typed: those of the
    kecamatan whose chat the update came from (`officer_bot.bot.OfficerBot._route` sets it first)."""

    tenant: Deps | None = None

    @property
    def deps(self) -> Deps:
        return self.tenant or self.bot_data.deps


CONTEXT_TYPES = ContextTypes(context=OfficerContext, bot_data=BotData)


async def actor_in(d: Deps, chat_id: int, user: User) -> Actor:
    """Who acts: in an agency's group, whoever taps acts for the agency (the group is the agency's, named
    in the kabupaten file); anywhere else, the active staff member behind the Telegram user."""
    agency = d.ctx.kabupaten.agency_by_chat(await configured_chat(d.ctx, chat_id))
    if agency is not None:
        return Actor.of_agency(agency.code, f"{user.full_name[:60]} ({agency.name})")
    return await staff_actor(d.ctx, user.id)


async def precheck(d: Deps, actor: Actor, ticket_id: int, action: Action) -> Ticket:
    """Refuse now, before showing a menu, what core would refuse at the end (core checks again then).

    The same decision: `lifecycle.decide` on the ticket as it is now.
    """
    async with d.ctx.sessions() as session:
        ticket = await session.get(Ticket, ticket_id)
        if ticket is None:
            raise TicketNotFound(ticket=ticket_id)
        (await decide_on(d.ctx, session, in_kecamatan(d.ctx, ticket), action, actor)).check()
        return ticket
