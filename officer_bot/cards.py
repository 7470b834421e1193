"""Keeping every chat's card of a ticket current: post it once, edit it in place ever after."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from html import escape
from pathlib import Path
from urllib.parse import quote

from telegram import InlineKeyboardMarkup, Message, ReplyParameters

from core.context import Context
from core.db.models import Attachment
from core.domain.lifecycle import Chat, TicketState
from core.domain.notices import Post
from core.texts import text
from core.usecases.duty import field_group_of
from officer_bot import media
from officer_bot.bundles import Bundles
from officer_bot.card_data import TicketView, load_view
from officer_bot.files import send_file
from officer_bot.keyboards import card_keyboard
from officer_bot.render import agency_text, camat_text, desk_text, field_text, kabupaten_text
from officer_bot.store import WAITING, Card, cards_of, current_chat, save_card
from officer_bot.telegram_io import Gone, Telegram

log = logging.getLogger(__name__)
RENDER = {"desk": desk_text, "field": field_text, "camat": camat_text, "agency": agency_text,
          "kabupaten": kabupaten_text}
MOVED = "moved"  # the role of a field card left behind in a group the case no longer belongs to
FIELD_MOVES = ("accept", "reassign", "add_progress")  # a reassign newest among these moves a taken card
CONSOLE_ROLES = frozenset({"desk", "field", "camat", "kabupaten"})  # staff with a console; agencies have none
PostStep = Callable[[Callable[[], Awaitable[Message | tuple[Message, ...]]]], Awaitable[None]]


class Board:
    """The cards of every ticket in the desk, field and camat chats."""

    def __init__(self, ctx: Context, tg: Telegram, media_dir: Path, console_url: str | None = None) -> None:
        self.ctx, self.tg, self.media_dir, self.console_url = ctx, tg, media_dir, console_url
        self.bundles = Bundles(ctx, tg)

    def render(self, role: str, view: TicketView) -> tuple[str, InlineKeyboardMarkup | None]:
        body = RENDER[role](self.ctx, view)
        if self.console_url and role in CONSOLE_ROLES:  # "Buka di konsol": the case's page, for its staff
            url = f"{self.console_url.rstrip('/')}/konsol/kasus/{quote(view.ticket.number)}"
            body += f'\n<a href="{escape(url)}">{escape(text("tg.console.open"))}</a>'
        return body, card_keyboard(self.ctx, role, view.ticket)

    async def home(self, role: str, view: TicketView | None = None) -> int:
        """The chat a role's messages go to (followed through migrations); "kabupaten" is the kabupaten's
        chat, "agency" the group of the agency `view`'s case is forwarded to (ask `has_home` first: a
        kabupaten file may name no chat, an agency may have no group), "field" the field group `view`'s
        desa and category are routed to (the profile's `telegram.field_routes`)."""
        configured = self._configured(role, view)
        if configured is None:
            raise LookupError(f"no chat for {role!r}")
        return await current_chat(self.ctx, configured)

    def has_home(self, role: str, view: TicketView | None = None) -> bool:
        return self._configured(role, view) is not None

    def _configured(self, role: str, view: TicketView | None) -> int | None:
        chats, kabupaten = self.ctx.profile.telegram, self.ctx.kabupaten
        if role == "agency":
            agency = kabupaten.agency(view.ticket.forward_agency or "") if view is not None else None
            return agency.telegram_chat_id if agency is not None else None
        if role == "field" and view is not None:
            return chats.field_chat(view.ticket.desa, view.ticket.category)
        return {"desk": chats.desk_chat_id, "field": chats.field_chat_ids[0], "camat": chats.camat_user_id,
                "kabupaten": kabupaten.telegram.chat_id}[role]

    async def cards(self, ticket_id: int) -> dict[str, Card]:
        """The ticket's cards by role (a bundled ticket's entry is keyed by its card role)."""
        return {c.role.removeprefix("bundle_"): c for c in await cards_of(self.ctx, ticket_id)}

    async def refresh(self, view: TicketView, card: Card) -> None:
        """Edit the card (or the bundle listing it) to show the ticket as it is now."""
        if card.message_id == WAITING:  # listed, not yet shown: the group's next post carries it
            await self.bundles.show(card.chat_id, card.role, card.ticket_id)
            return
        if card.role.startswith("bundle_"):
            await self.bundles.refresh(card.chat_id, card.role, card.message_id)
            return
        body, keyboard = self.render(card.role, view)
        try:
            await self.tg.edit_text(card.chat_id, card.message_id, body, keyboard)
        except Gone:
            log.info("card was deleted; posting it again", extra={"ticket_id": view.ticket.id, "role": card.role})
            await self.post(view, card.role, card.chat_id)

    async def post(self, view: TicketView, role: str, chat_id: int, reply_to: int | None = None) -> Card:
        body, keyboard = self.render(role, view)
        sent = await self.tg.send_text(chat_id, body, keyboard, reply_to=reply_to)
        card = Card(view.ticket.id, sent.chat.id, sent.message_id, role)
        await save_card(self.ctx, card)
        return card

    async def place(self, view: TicketView, role: str, extras: int = 0) -> Card | None:
        """A new card in the role's group, or a place in its bundles when the group is flooded: its minute
        nearly full, a bundle posted within it, or tickets waiting for the next post (none jumps that queue)."""
        chat = await self.home(role, view)
        calm = not self.bundles.flooded(chat) and not await self.bundles.waiting(chat, role)
        if calm and self.tg.pacer.room(chat) >= 1 + extras:
            return await self.post(view, role, chat)
        await self.bundles.add(view.ticket.id, role, chat)
        return None

    async def sync(self, view: TicketView, staff: Mapping[Chat, Post]) -> dict[str, Card]:
        """Bring every card of the ticket up to date, and post one in each chat told (`staff`, from core's
        notices table) that has none yet."""
        cards = await self.cards(view.ticket.id)
        if (field := cards.get(Chat.FIELD.value)) is not None:
            cards[Chat.FIELD.value] = await self.follow_route(view, field)
        for chat in Chat:
            card = cards.get(chat.value)
            if card is not None:
                await self.refresh(view, card)
                if card.message_id == WAITING:  # shown now, in the bundle post that carried it
                    cards[chat.value] = (await self.cards(view.ticket.id))[chat.value]
                continue
            post = staff.get(chat)
            if post is None or not self.has_home(chat.value, view):
                continue
            if chat in (Chat.CAMAT, Chat.AGENCY, Chat.KABUPATEN):  # one case at a time there: never bundled
                placed: Card | None = await self.post(view, chat.value, await self.home(chat.value, view))
            else:
                placed = await self.place(view, chat.value, self.extras_count(view) if post is Post.EXTRAS else 0)
            if placed is not None:
                cards[chat.value] = placed
        return cards

    async def follow_route(self, view: TicketView, card: Card) -> Card:
        """A waiting case whose desa or category now routes it to another field group (the desk corrected
        it), or a taken one the camat reassigned to an officer of another group, moves there: the old card
        says where it went and loses its buttons, the new group gets the card."""
        if card.message_id == WAITING or card.role != Chat.FIELD.value:
            return card
        t = view.ticket
        last = view.last(*FIELD_MOVES)
        reassigned = view.state is TicketState.IN_PROGRESS and last is not None and last.action == "reassign"
        if view.state is TicketState.VERIFIED:
            target = await self.home(Chat.FIELD.value, view)
            note = text("tg.card.moved", number=t.number, desa=t.desa or "-")
        elif reassigned and t.assignee_id is not None:
            target = await current_chat(self.ctx, await field_group_of(self.ctx, t.assignee_id, t.desa, t.category))
            note = text("tg.card.moved_officer", number=t.number, name=view.assignee or "-")
        else:
            return card
        if target == card.chat_id:
            return card
        moved = await self.post(view, Chat.FIELD.value, target)
        with contextlib.suppress(Gone):  # deleted there meanwhile: nothing to say where it went
            await self.tg.edit_text(card.chat_id, card.message_id, escape(note), None)
        await save_card(self.ctx, Card(card.ticket_id, card.chat_id, card.message_id, MOVED))
        log.info("field card moved to its routed group", extra={"ticket_id": view.ticket.id, "from": card.chat_id,
                                                                   "to": target})
        return moved

    # -- the desk card's media: location, album, voice notes, files (posted once, as replies) ---

    def extras_count(self, view: TicketView) -> int:
        t = view.ticket
        located = int(t.latitude is not None and t.longitude is not None)
        return located + len(media.album(view.report_files("photo"), self.media_dir)) + len(
            media.voices(view.report_files("voice"), self.media_dir)) + len(self.report_documents(view))

    def report_documents(self, view: TicketView) -> list[tuple[Attachment, str | bytes]]:
        """The citizen's documents and videos Telegram can take (the card names the others)."""
        files = [a for a in view.attachments if a.role == "report" and a.kind in media.FILE_KINDS]
        return media.sendable(files, self.media_dir)

    async def post_extras(self, view: TicketView, card: Card, step: PostStep) -> None:
        """The citizen's shared location, photos (an album), voice notes, documents and videos, under the desk card."""
        t, reply = view.ticket, ReplyParameters(card.message_id, allow_sending_without_reply=True)
        if t.latitude is not None and t.longitude is not None:
            lat, lon = t.latitude, t.longitude
            await step(lambda: self.tg.call(card.chat_id, lambda bot, c: bot.send_location(
                c, lat, lon, reply_parameters=reply)))
        photos = media.album(view.report_files("photo"), self.media_dir)
        if len(photos) == 1:
            await step(lambda: self.tg.call(card.chat_id, lambda bot, c: bot.send_photo(
                c, photos[0], reply_parameters=reply)))
        elif photos:
            await step(lambda: self.tg.call(card.chat_id, lambda bot, c: bot.send_media_group(
                c, media.as_media(photos), reply_parameters=reply), posts=len(photos)))
        for note in media.voices(view.report_files("voice"), self.media_dir):
            await step(lambda note=note: self.tg.call(card.chat_id, lambda bot, c: bot.send_voice(  # type: ignore[misc]
                c, note, reply_parameters=reply)))
        for index, (att, item) in enumerate(self.report_documents(view), start=1):
            name = media.file_name(t.number, att, index)
            await step(lambda att=att, item=item, name=name: send_file(  # type: ignore[misc]
                self.tg, card.chat_id, name, att, item, reply))

    async def open_from_bundle(self, ticket_id: int, chat_id: int) -> Card | None:
        """Post the full card of a bundled ticket (tapped in the bundle); None if it has a card already."""
        bundled = next((c for c in await cards_of(self.ctx, ticket_id)
                        if c.chat_id == chat_id and c.role.startswith("bundle_")), None)
        if bundled is None:
            return None
        role = bundled.role.removeprefix("bundle_")
        view = await load_view(self.ctx, ticket_id, with_nearby=role == "desk")
        card = await self.post(view, role, chat_id, reply_to=bundled.message_id)
        await self.bundles.refresh(chat_id, bundled.role, bundled.message_id)
        if role == "desk":
            async def now(run: Callable[[], Awaitable[object]]) -> None:
                await run()
            await self.post_extras(view, card, now)
        return card
