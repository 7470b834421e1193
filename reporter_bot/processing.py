"""Handling one stored inbox item: statuses, then each message as a committed conversation turn."""

from __future__ import annotations

import collections
import logging
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from core import inbox
from core.context import Context
from core.domain.people import InvalidPhone, normalise_phone
from core.inbox import InboxItem
from core.notifications import queue
from reporter_bot import kabupaten_line, router, store
from reporter_bot.failures import report_failure
from reporter_bot.media import Fetched
from reporter_bot.render import REPLY
from reporter_bot.turn import Fetch, Turn
from reporter_bot.webhook_body import Incoming, Media, line_of, parse

log = logging.getLogger(__name__)


async def _prefetched(fetch: Fetch, msg: Incoming) -> Fetch:
    """The message's media downloaded now, before the turn's transaction opens; a `Fetch` that hands it over."""
    if msg.media is None:
        return fetch
    media, fetched = msg.media, await fetch(msg.media, msg.type)

    async def handed_over(asked: Media, message_type: str) -> Fetched:
        return fetched if asked is media else await fetch(asked, message_type)
    return handed_over


class Processor:
    """Runs the conversation for stored updates; the turn's state and replies commit together."""

    def __init__(self, ctx: Context, fetch: Fetch, flood_limit: int = 30,
                 flood_window: timedelta = timedelta(minutes=1), phone_id: str | None = None) -> None:
        self.ctx, self.fetch, self.phone_id = ctx, fetch, phone_id
        self.lines = ctx.kabupaten.phone_ids(default=phone_id)  # the numbers we answer on
        self.flood_limit, self.flood_window = flood_limit, flood_window
        self._recent: dict[str, collections.deque[datetime]] = collections.defaultdict(collections.deque)
        self._warned: dict[str, datetime] = {}

    def tenant(self, payload: str) -> Context | None:
        """The context of the kecamatan whose number the update came to (the kabupaten-wide number's turns
        start in the install's first: `kabupaten_line` finds theirs); None when no kecamatan of the
        install answers on it (never answered from another kecamatan's)."""
        try:
            line = line_of(payload)
        except ValueError:  # not JSON: the turn below keeps why
            return self.ctx
        if self.ctx.kabupaten.is_kabupaten_line(line):
            return self.ctx
        profile = self.ctx.kabupaten.by_phone_id(line, default=self.phone_id)
        return self.ctx.at(profile.code) if profile is not None else None

    async def __call__(self, item: InboxItem) -> None:
        error: str | None = None
        tell = False
        ctx = self.tenant(item.payload)
        if ctx is None:  # stored under a number the install served then and no longer does
            log.warning("whatsapp update for a number no kecamatan answers on; kept unanswered",
                        extra={"inbox_id": item.id})
            await inbox.mark_processed(self.ctx, item.id, "no kecamatan answers on this number")
            return
        try:
            messages, statuses = parse(item.payload, self.lines)
            if statuses:
                await store.record_statuses(ctx, statuses, finishes_item=None if messages else item.id)
                if not messages:
                    return
            line = line_of(item.payload) if messages else ""
            for index, message in enumerate(messages):
                if await self.turn(ctx, item.id, index, message, finishes_item=index == len(messages) - 1,
                                   line=line):
                    return  # the last turn's commit marked the item processed
        except InvalidPhone as exc:  # no citizen to answer: keep the update with the reason
            log.warning("whatsapp message from an unusable sender id", extra={"inbox_id": item.id})
            error = f"InvalidPhone: {exc}"[:2000]
        except Exception as exc:  # an alert, not only a count: the desk is told too (report_failure)
            log.exception("whatsapp message could not be processed; the citizen and the desk are told",
                          extra={"inbox_id": item.id})
            error = f"{type(exc).__name__}: {exc}"[:2000]
            tell = True
        async with ctx.unit():  # the failure's notices and the item's error commit together
            if tell:
                await report_failure(ctx, item, self.lines)
            await inbox.mark_processed(ctx, item.id, error)

    async def turn(self, ctx: Context, inbox_id: int, index: int, msg: Incoming, finishes_item: bool = False,
                   line: str = "") -> bool:
        """One message to `ctx`'s kecamatan (or, on the kabupaten-wide `line`, to the kecamatan it finds):
        record it (the 24-hour window), run the conversation, commit state and replies. With `finishes_item`
        the same commit marks the inbox item processed; True when it did.
        """
        wide = ctx.kabupaten.is_kabupaten_line(line)
        key = ctx.kabupaten.code if wide else ctx.kecamatan  # the conversation's kecamatan key
        normalise_phone(msg.wa_id)  # an unusable sender is refused before anything is downloaded for it
        fetch = await _prefetched(self.fetch, msg)  # downloads first: the unit below holds the write lock
        try:
            async with ctx.unit():  # the whole turn, the use cases' writes with it, commits once
                start = await store.start_turn(ctx, await store.known_citizen(ctx, msg.wa_id, msg.name), key)
                citizen = start.citizen
                turn = Turn(ctx, start.actor, citizen.wa_id, msg.name or citizen.name, citizen.locale, start.step,
                            start.draft, start.first_contact, fetch, f"whatsapp:{inbox_id}:{index}", start.waiting)
                if self._flooding(citizen.wa_id):
                    turn.note(turn.t("wa.ask.flood"))
                await (kabupaten_line.handle(turn, msg) if wide else router.handle(turn, msg))
                turn.flush_notes()
                async with ctx.sessions.begin() as session:
                    now = ctx.now()
                    await store.record_inbound(session, citizen, msg.name, turn.locale, now)
                    await store.save_conversation(session, citizen.id, key, turn.step, turn.draft, now,
                                                  kabupaten_line.KEPT_WHILE_IDLE if wide else ())
                    await store.release_waiting(session, citizen.id, now)  # the window is open: held updates go now
                    for number, reply in enumerate(turn.replies):  # answered on the number written to
                        data = {**reply.to_data(), "line": line} if wide else reply.to_data()
                        queue(session, channel="whatsapp", recipient=f"citizen:{citizen.id}",
                              kecamatan=turn.ctx.kecamatan, kind=REPLY, data=data,
                              dedupe_key=f"wa:{inbox_id}:{index}:{number}", now=now)
                    if finishes_item:
                        await inbox.mark_processed_in(session, inbox_id, now)
            return finishes_item
        except IntegrityError:
            log.info("turn already committed; redelivery ignored", extra={"inbox_id": inbox_id})
            return False

    def _flooding(self, wa_id: str) -> bool:
        """More than `flood_limit` messages in the window: warn once per window (nothing is dropped)."""
        now = self.ctx.now()
        recent = self._recent[wa_id]
        recent.append(now)
        while recent and now - recent[0] > self.flood_window:
            recent.popleft()
        if len(recent) <= self.flood_limit:
            return False
        warned = self._warned.get(wa_id)
        if warned is not None and now - warned < self.flood_window:
            return False
        self._warned[wa_id] = now
        return True
