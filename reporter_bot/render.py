"""Turning the outbox rows core writes for citizens into WhatsApp messages, in the citizen's language."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.models import Attachment, Ticket
from core.domain.notices import NOTICES, Ask
from core.images import kept_pair
from core.media_files import on_disk
from core.notifications import queue
from core.outbox import Delivery, Record
from core.texts import clip, text, when
from reporter_bot.outgoing import CAPTION_MAX, Outgoing, Row, buttons, choice_list
from reporter_bot.store import CitizenInfo

REPLY = "wa.reply"
PHOTOS_MAX = 10  # photos one notification carries (an album holds at most ten)


async def render(ctx: Context, delivery: Delivery, citizen: CitizenInfo, media_dir: Path) -> Outgoing:
    """The message for one outbox row (a conversational reply, or an update about a ticket)."""
    if delivery.kind == REPLY:
        return Outgoing.from_data(delivery.data)
    locale, data = citizen.locale, delivery.data

    def t(key: str, **params: Any) -> str:
        return text(key, locale, **params)

    if delivery.kind == "draft.expired":
        return Outgoing(t("wa.update.draft_expired"))
    ticket = await _ticket(ctx, delivery.ticket_id or data.get("ticket_id"))
    number = str(data.get("number") or (ticket.number if ticket else "-"))
    asks = asks_of(data, ticket is not None and ticket.reporter_id == citizen.id)
    kind = delivery.kind.removeprefix("ticket.")
    due = _deadline(ctx, ticket, locale, data.get("state"))
    if kind == "received":
        return Outgoing(t("wa.update.received", number=number, deadline=due) if due
                        else t("wa.update.received_soon", number=number))
    if kind == "verified":
        return Outgoing(t("wa.update.verified_due", number=number, deadline=due) if due
                        else t("wa.update.verified", number=number))
    if kind == "rejected":
        return Outgoing(t("wa.update.rejected", number=number, reason=data.get("reason") or "-"))
    if kind == "duplicate":
        return Outgoing(t("wa.update.duplicate", number=number, original=data.get("original_number") or "-"))
    if kind == "forwarded":
        ref = t("wa.update.forwarded_reference", reference=data["reference"]) if data.get("reference") else ""
        return Outgoing(t("wa.update.forwarded", number=number, agency=_agency(data), reference=ref))
    if kind in ("agency_accepted", "agency_returned"):
        return Outgoing(t(f"wa.update.{kind}", number=number, agency=_agency(data)))
    if kind == "question":
        return Outgoing(t("wa.update.question", number=number, question=data.get("question") or ""))
    if kind == "accepted":
        officer = str(data.get("officer") or data.get("actor") or "").split()
        return Outgoing(t("wa.update.accepted", number=number, officer=officer[0] if officer else "-"))
    if kind in ("progress", "resolved", "agency_update", "agency_answer", "answered"):
        return await _with_photo(ctx, delivery, media_dir, t, number, asks, agency=_agency(data))
    if kind in ("outcome", "declined"):  # what became of an aspiration, declined ones too
        said = _outcome(t, number, data) if kind == "outcome" else t("wa.outcome.declined", number=number,
                                                                       reason=data.get("reason") or "-")
        if asks is Ask.RATING and ticket is not None and ticket.rating is None:
            return _rating(t, number, ticket.id, before=said)
        return Outgoing(said)
    if kind == "closed":
        if asks is Ask.RATING and ticket is not None and ticket.rating is None:  # not rated meanwhile
            return _rating(t, number, ticket.id)
        return Outgoing(t("wa.update.closed", number=number))
    if kind == "closed_auto":
        return Outgoing(t("wa.update.closed_auto", number=number))
    if kind == "reopened":
        asked_again = ticket is not None and ticket.report_type == "info"
        return Outgoing(t("wa.update.asked_again" if asked_again else "wa.update.reopened", number=number))
    if kind == "rated":
        return Outgoing(t("wa.update.rated", number=number, rating=data.get("rating") or "-"))
    if kind == "cancelled":
        return Outgoing(t("wa.update.cancelled", number=number))
    if kind == "corrected":  # queued only when the correction moved the deadline the citizen was given
        found = ctx.profile.category(str(data.get("category") or ""))
        label = found.label_for(locale) if found else "-"
        return Outgoing(t("wa.update.corrected", number=number, category=label, deadline=due) if due
                        else t("wa.update.corrected_later", number=number, category=label))
    state = str(data.get("state") or (ticket.state if ticket else "received"))
    return Outgoing(t("wa.update.other", number=number, state=t(f"state.{state}")))


def asks_of(data: dict[str, Any], to_reporter: bool) -> Ask | None:
    """What the message asks back, as the notices table said when the row was queued (a row queued before
    rows said it: the table's word for its action, to the reporter only)."""
    if "asks" in data:
        return Ask(data["asks"]) if data["asks"] else None
    action = str(data.get("action") or "")
    return NOTICES[action].asks if to_reporter and action in NOTICES else None


def short_status(delivery: Delivery, locale: str) -> str:
    """The template's second parameter: the ticket's state in a word or two."""
    state = str(delivery.data.get("state") or "received")
    try:
        return text(f"state.{state}", locale)
    except KeyError:
        return state


async def _ticket(ctx: Context, ticket_id: object) -> Ticket | None:
    if not isinstance(ticket_id, int):
        return None
    async with ctx.sessions() as session:
        return await session.get(Ticket, ticket_id)


def _deadline(ctx: Context, ticket: Ticket | None, locale: str, state: object) -> str:
    if ticket is None or ticket.stage_deadline_at is None or ticket.state != state:
        return ""
    return when(ticket.stage_deadline_at, ctx.now(), ctx.profile.zone, locale)


def _rating(t: Any, number: str, ticket_id: int, before: str = "") -> Outgoing:
    """How was the service? (a list of stars), after `before` when the same message says something first."""
    rows = [Row(f"rate:{n}:{ticket_id}", t(f"wa.update.stars_{n}")) for n in range(5, 0, -1)]
    ask = t("wa.update.rate", number=number)
    return choice_list(f"{before}\n\n{ask}" if before else ask, t("wa.update.rate_button"),
                       [(t("wa.update.rate_button"), rows)])


def _outcome(t: Any, number: str, data: dict[str, Any]) -> str:
    """An aspiration's outcome in words: for which Musrenbang, passed on to whom, or what is planned."""
    outcome = str(data.get("outcome") or "")
    try:
        said = t(f"wa.outcome.{outcome}", number=number, year=data.get("year") or "-", agency=_agency(data))
    except KeyError:
        said = t("wa.outcome.other", number=number)
    return str(said) + (str(t("wa.outcome.note", note=data["note"])) if data.get("note") else "")


def _agency(data: dict[str, Any]) -> str:
    """The agency an event names (rows from before agencies were data hold its name as `agency`)."""
    return str(data.get("agency_name") or data.get("agency") or "-")


async def _with_photo(ctx: Context, delivery: Delivery, media_dir: Path, t: Any, number: str,
                      asks: Ask | None, agency: str = "-") -> Outgoing:
    """Progress or resolution (an officer's or an agency's), or the desk's answer to a question: the note
    on the first photo, each further photo (an album) its own image message after it, numbered, so the
    citizen sees every one; asking "fixed?" (or "answered?") on the first."""
    data, kind = delivery.data, delivery.kind.removeprefix("ticket.")
    ids = [int(i) for i in data.get("attachment_ids") or ()]
    documents = await _documents(ctx, ids, media_dir)
    note = data.get("note") or (t("wa.update.see_attached") if documents else "-")
    body = t(f"wa.update.{kind}", number=number, note=note, agency=agency)
    ticket_id = delivery.ticket_id or 0
    ask_fixed = asks in (Ask.FIXED, Ask.ANSWERED)
    yes, no = ("answered_yes", "ask_again") if asks is Ask.ANSWERED else ("fixed", "not_fixed")
    choices = ((f"fix:{ticket_id}", t(f"wa.update.{yes}")), (f"nofix:{ticket_id}", t(f"wa.update.{no}")))
    photos = await _photos(ctx, ids, media_dir)
    files = tuple(Outgoing(t("wa.update.document_of", number=number), document_path=p, document_mime=m,
                           document_name=f"{number}-{index}{Path(p).suffix}")
                  for index, (p, m) in enumerate(documents, start=1))
    if not photos:
        first = buttons(body, *choices) if ask_fixed else Outgoing(body)
        return replace(first, then=files) if files else first
    (path, mime), more = photos[0], photos[1:]
    then = tuple(Outgoing(t("wa.update.photo_of", index=index, count=len(photos), number=number),
                          image_path=p, image_mime=m) for index, (p, m) in enumerate(more, start=2)) + files
    if kind == "resolved" and (pair := await _before_after(ctx, ticket_id, path, media_dir, t)) is not None:
        then = (Outgoing(t("wa.pair.caption", number=number), image_path=pair, image_mime="image/jpeg"),
                *then)
    caption = clip(body, CAPTION_MAX)
    if ask_fixed:
        return Outgoing(caption, buttons=buttons(body, *choices).buttons, image_path=path, image_mime=mime,
                        then=then)
    return Outgoing(caption, image_path=path, image_mime=mime, then=then)


async def _before_after(ctx: Context, ticket_id: int, proof: str, media_dir: Path, t: Any) -> str | None:
    """The report's first photo and the proof side by side (made once, kept under media/pairs), or None
    when the report had no photo here."""
    async with ctx.sessions() as session:
        before = await session.scalar(select(Attachment.stored_path).where(
            Attachment.ticket_id == ticket_id, Attachment.role == "report", Attachment.kind == "photo",
            Attachment.stored_path.is_not(None)).order_by(Attachment.id).limit(1))
    source = on_disk(media_dir, before)
    if source is None:
        return None
    labels = (t("wa.pair.before"), t("wa.pair.after"))
    made = await asyncio.to_thread(kept_pair, media_dir, ticket_id, source, Path(proof), labels)
    return str(made) if made else None


async def _photos(ctx: Context, ids: list[int], media_dir: Path) -> list[tuple[str, str]]:
    """The photos among `ids` whose file is here (path, mime), in order; at most PHOTOS_MAX."""
    if not ids:
        return []
    found: list[tuple[str, str]] = []
    async with ctx.sessions() as session:
        rows = await session.scalars(select(Attachment).where(Attachment.id.in_(ids), Attachment.kind == "photo")
                                     .order_by(Attachment.id))
        for row in rows:
            # The copy made for WhatsApp when the original was too large or not JPEG/PNG; else the original.
            stored, mime = (row.citizen_path, "image/jpeg") if row.citizen_path else (row.stored_path, row.mime)
            if (path := on_disk(media_dir, stored)) is not None:
                found.append((str(path), mime or "image/jpeg"))
    return found[:PHOTOS_MAX]


async def _documents(ctx: Context, ids: list[int], media_dir: Path) -> list[tuple[str, str]]:
    """The documents among `ids` whose file is here (path, mime), in order (a desk's answer carries them)."""
    if not ids:
        return []
    async with ctx.sessions() as session:
        rows = await session.scalars(select(Attachment).where(Attachment.id.in_(ids), Attachment.kind == "document")
                                     .order_by(Attachment.id))
        found = [(str(path), row.mime or "application/octet-stream") for row in rows
                 if (path := on_disk(media_dir, row.stored_path)) is not None]
    return found[:PHOTOS_MAX]


def with_follow_ups(ctx: Context, delivery: Delivery, message: Outgoing, record: Record) -> Record:
    """`record`, and the messages that follow this one (an album's further photos) queued as rows of
    their own in the same commit that marks it sent: each goes exactly once, retried on its own."""
    if not message.then:
        return record

    async def both(session: AsyncSession) -> None:
        await record(session)
        for index, follow in enumerate(message.then, start=1):
            queue(session, channel="whatsapp", recipient=delivery.recipient, kecamatan=delivery.kecamatan, kind=REPLY,
                  data=follow.to_data(),
                  dedupe_key=f"outbox:{delivery.id}:then:{index}", now=ctx.now())
    return both
