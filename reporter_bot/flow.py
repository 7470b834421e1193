"""Building a report: take in whatever the citizen sent, then ask only for what is still missing."""

from __future__ import annotations

import logging
from dataclasses import replace

from core.db.ids import is_id
from core.domain.conversation import Step
from core.domain.errors import Refused
from core.domain.reports import Privacy
from core.queries import nearby_open_tickets
from core.texts import refusal
from core.usecases.citizen import follow_ticket
from core.usecases.held import Held, submit_or_hold
from reporter_bot import asks, steps
from reporter_bot.draft import Draft
from reporter_bot.outgoing import TEXT_MAX, buttons
from reporter_bot.turn import Turn
from reporter_bot.webhook_body import Incoming

log = logging.getLogger(__name__)


async def absorb(turn: Turn, msg: Incoming) -> None:
    """Put the message's content into the draft (text, media, location), answering for any problem."""
    d, profile = turn.draft, turn.ctx.profile
    if msg.latitude is not None:
        d.latitude, d.longitude = msg.latitude, msg.longitude
        if msg.place and not d.address:
            d.address = msg.place[:300]
    if msg.media is not None:
        fetched = await turn.fetch(msg.media, msg.type)
        what = turn.t(f"wa.ask.kind_{fetched.kind}")
        if fetched.too_large:
            limit = max(1, round(fetched.limit / (1024 * 1024)))
            turn.note(turn.t("wa.ask.media_too_large", limit=limit, kind=what))
        elif fetched.kind == "photo" and d.count("photo") >= profile.max_photos:
            turn.note(turn.t("wa.ask.photo_full", max=profile.max_photos))
        else:
            d.media.append(fetched.to_dict())
            if fetched.error:
                turn.note(turn.t("wa.ask.media_failed", kind=what))
    if msg.text and msg.type != "interactive":
        if len(msg.text) > TEXT_MAX:
            turn.note(turn.t("wa.ask.long_text"))
        _take_text(turn, msg.text)


def _take_text(turn: Turn, words: str) -> None:
    """Words that answer the step's question fill that field; any others are more of the story."""
    if steps.reads(turn, words):
        return
    d = turn.draft
    if not d.category and not d.description:
        d.category = asks.match_category(turn.ctx.profile, words)
    d.add_text(words)


def next_step(turn: Turn) -> Step:
    """The first thing the draft still lacks, in the order the citizen is asked."""
    d, profile = turn.draft, turn.ctx.profile
    category = profile.category(d.category) if d.category else None
    if category is None:
        return Step.CATEGORY
    if not d.has_story:
        return Step.DESCRIPTION
    if category.needs_location and not d.has_location:
        return Step.LOCATION
    if category.needs_location and d.latitude is None and not d.desa:
        return Step.DESA
    if category.report_type == "complaint" and not d.photos_done and profile.max_photos and not d.count("photo"):
        return Step.PHOTOS
    if len(profile.privacy_options) > 1 and d.privacy is None:
        return Step.PRIVACY
    return Step.SUMMARY


async def advance(turn: Turn) -> None:
    """Ask the next missing thing (or show the summary) and remember the step."""
    step = Step.SUMMARY if turn.draft.editing and _complete(turn) else next_step(turn)
    turn.draft.editing = False if step == Step.SUMMARY else turn.draft.editing
    turn.step = step
    turn.say(steps.question(turn, step))


def _complete(turn: Turn) -> bool:
    return next_step(turn) in (Step.SUMMARY, Step.PRIVACY, Step.PHOTOS)


async def on_content(turn: Turn, msg: Incoming) -> None:
    """A message in the middle of a draft: take it in and ask what is next."""
    photos_before = turn.draft.count("photo")
    await absorb(turn, msg)
    if turn.step == Step.HELD:
        await submit(turn)
        return
    if turn.step == Step.PHOTOS and turn.draft.count("photo") > photos_before:
        count, most = turn.draft.count("photo"), turn.ctx.profile.max_photos
        if count < most:
            turn.say(buttons(turn.t("wa.ask.photo_more", count=count, max=most), ("photo:done", turn.t("wa.ask.done"))))
            return
        turn.draft.photos_done = True
    await advance(turn)


async def start(turn: Turn, msg: Incoming | None) -> None:
    """Begin a new draft, from the message that started it (or from the menu button)."""
    turn.draft, turn.step = Draft(), Step.NEW
    if msg is not None:
        await absorb(turn, msg)
        if turn.draft.is_empty and turn.notes:  # nothing usable came (e.g. a file too large): just say why
            turn.step = Step.IDLE
            turn.flush_notes()
            return
    else:
        turn.note(turn.t("wa.ask.start"))
    await advance(turn)


async def start_question(turn: Turn, category: str) -> None:
    """Begin a request for information (the menu's "Tanya informasi"): the draft's category is set."""
    turn.draft, turn.step = Draft(category=category), Step.NEW
    turn.note(turn.t("wa.ask.start_question"))
    await advance(turn)


async def choose(turn: Turn, kind: str, value: str) -> bool:
    """A tapped button or list row that belongs to the draft (the step takes its kind: `steps.STEPS`);
    False when its value names nothing."""
    d, profile = turn.draft, turn.ctx.profile
    if kind == "grp":
        turn.say(asks.category_question(turn, group=value))
        return True
    if kind == "cat" and profile.category(value) is not None:
        d.category = value
    elif kind == "desa" and profile.desa_named(value) is not None:
        d.desa = value
    elif kind == "photo":
        d.photos_done = True
    elif kind == "priv" and value in profile.privacy_options:
        d.privacy = value
    elif kind == "edit":
        return _edit(turn, value)
    elif kind == "sum":
        return await _summary_choice(turn, value)
    elif kind == "near":
        return await _nearby_choice(turn, value)
    else:
        return False
    await advance(turn)
    return True


def _edit(turn: Turn, field: str) -> bool:
    """Ubah: clear the part the citizen picked and ask for it again."""
    d = turn.draft
    d.editing = True
    if field == Step.CATEGORY:
        d.category = None
    elif field == Step.DESCRIPTION:
        d.description = ""
        d.media = [m for m in d.media if m.get("kind") != "voice"]
    elif field == Step.LOCATION:
        d.latitude = d.longitude = None
        d.address, d.desa = "", None
    elif field == Step.PHOTOS:
        d.media = [m for m in d.media if m.get("kind") != "photo"]
        d.photos_done = False
    else:
        return False
    turn.step = Step(field)
    turn.say(steps.question(turn, turn.step))
    return True


async def _summary_choice(turn: Turn, value: str) -> bool:
    if value == "edit":
        turn.step = Step.EDIT
        turn.say(steps.question(turn, Step.EDIT))
    elif value == "cancel":
        discard(turn)
    elif value == "send":
        await send(turn)
    else:
        return False
    return True


async def send(turn: Turn) -> None:
    """Kirim: offer a nearby open ticket of the same kind first, else submit."""
    if not turn.draft.nearby_offered and await _offer_nearby(turn):
        return
    await submit(turn)


async def _offer_nearby(turn: Turn) -> bool:
    """Offer to follow a nearby open ticket, remembering which (the only one a reply may name)."""
    d = turn.draft
    found = await nearby_open_tickets(turn.ctx, d.category, d.latitude, d.longitude, d.desa, d.address)
    # Never offer a confidential case: its existence, place and number are its reporter's alone.
    found = [t for t in found if t.reporter_id != turn.actor.id and t.privacy != Privacy.CONFIDENTIAL]
    if not found:
        return False
    t = found[0]
    d.nearby_offered, d.nearby_ids, turn.step = True, [t.id], Step.NEARBY
    category = turn.ctx.profile.category(t.category or "")
    where = ", ".join(p for p in (t.address, t.desa or "") if p) or "-"
    turn.say(buttons(turn.t("wa.ask.nearby", number=t.number, category=category.label_for(turn.locale)
                            if category else "-", where=where),
                     (f"near:follow:{t.id}", turn.t("wa.ask.follow")),
                     ("near:submit", turn.t("wa.ask.submit_anyway"))))
    return True


async def _nearby_choice(turn: Turn, value: str) -> bool:
    if value == "submit":
        await submit(turn)
        return True
    kind, _, ticket_id = value.partition(":")
    if kind != "follow" or not is_id(ticket_id):
        return False
    if int(ticket_id) not in turn.draft.nearby_ids:  # a reply the bot never offered this citizen (forged)
        turn.note(turn.t("wa.ask.follow_not_offered"))
        if not await _offer_nearby(turn):  # ask again; with nothing left to offer, back to the summary
            await advance(turn)
        return True
    try:
        number = await follow_ticket(turn.ctx, turn.actor, int(ticket_id))
    except Refused as exc:
        turn.say(refusal(exc, turn.locale))
        await submit(turn)
        return True
    turn.draft, turn.step = Draft(), Step.IDLE
    turn.say(turn.t("wa.ask.followed", number=number))
    return True


async def submit(turn: Turn) -> None:
    """Turn the draft into a ticket; the acknowledgement is the ticket's own "received" outbox row.

    Over the daily limit core keeps the report (filed tomorrow, or at once if the desk lifts the
    limit, and the citizen told its number then); the draft is done either way, so the citizen can
    check status or start another report while it waits.
    """
    try:
        report = replace(turn.draft.report(), source_ref=turn.source or None)
        outcome = await submit_or_hold(turn.ctx, turn.actor, report)
    except Refused as exc:
        turn.say(refusal(exc, turn.locale))
        await advance(turn)
        return
    turn.draft, turn.step = Draft(), Step.IDLE
    if isinstance(outcome, Held):
        turn.say(turn.t("wa.ask.held", limit=outcome.limit))
        return
    turn.flush_notes()


def discard(turn: Turn) -> None:
    turn.draft, turn.step = Draft(), Step.IDLE
    turn.say(turn.t("wa.ask.cancelled"))
