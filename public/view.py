"""The one place that says what of a case is public: the transparency page and the Open311 API read it.

A confidential case is never public (not listed, not found by its number, its photo not served); a
rejected or cancelled report is not either (the desk judged it no case, or the citizen withdrew it).
Of a public case nobody learns who reported it: no name, no number, no reporter id, not the address they
typed (a case is placed by its desa and its rounded position); the citizen's free text is shown with every
phone number and the reporter's own name in it masked, and its position rounded to about 100 m. What the
citizen wrote or photographed goes out only once the desk has read it (the case is past "received"): before
that a case shows its category, state, times and rounded position, no text and none of their photos, so a
name or an insult in a report never leaves unchecked. The officer's proof photo is shown; the citizen's own
report photos only where the desk marked the case so (`Ticket.citizen_photos_public`,
`core.usecases.publicity`); no other file. A photo is served as a copy made for the public
(`core.images.kept_public`: small, and without the EXIF that may hold where it was taken), never the file.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, union_all

from core.context import Context
from core.db.models import Attachment, Citizen, Ticket, TicketEvent
from core.domain.lifecycle import OPEN_STATES, TicketState
from core.domain.people import public_text
from core.domain.reports import AttachmentKind, AttachmentRole, Privacy
from core.images import kept_public
from core.media_files import on_disk
from core.profile import Profile

# Cases that are nobody's business but the desk's.
HIDDEN_STATES = frozenset({TicketState.REJECTED, TicketState.CANCELLED})
# The steps of a case's public timeline: a change into one of these states (a submit enters "received").
PUBLIC_STEPS = (TicketState.RECEIVED, TicketState.VERIFIED, TicketState.IN_PROGRESS, TicketState.RESOLVED,
                TicketState.CLOSED)
OPEN_VALUES = frozenset(s.value for s in OPEN_STATES)
MAX_PAGE = 1000
# What a case's answer reads of its ticket (columns, not ORM objects: a page of 1,000 costs less to load).
COLUMNS = (Ticket.id, Ticket.number, Ticket.kecamatan, Ticket.state, Ticket.category, Ticket.desa, Ticket.description,
           Ticket.reporter_id, Ticket.latitude, Ticket.longitude, Ticket.created_at, Ticket.updated_at,
           Ticket.stage_deadline_at, Ticket.forward_agency, Ticket.citizen_photos_public)


def round_position(lat: float, lon: float) -> tuple[float, float]:
    """A position as the public sees it: three decimals, about 100 m."""
    return round(lat, 3), round(lon, 3)


@dataclass(frozen=True)
class PublicCase:
    """A case as anyone may see it: nothing of who reported it."""

    number: str
    kecamatan: str  # the kecamatan's code
    state: TicketState
    open: bool
    category: str | None  # the category's code
    category_name: str | None
    desa: str | None
    description: str  # phone numbers and the reporter's name masked; empty until the desk has read it (`checked`)
    lat: float | None  # rounded (round_position)
    long: float | None
    requested_at: datetime
    updated_at: datetime  # of a closed case, its last change of state (a rating after does not count)
    expected_at: datetime | None  # the current stage's deadline while open
    agency: str | None  # the agency the case was forwarded to, by name
    proof_photo_id: int | None  # the officer's latest proof photo (Attachment id)
    citizen_photo_ids: tuple[int, ...]  # the citizen's report photos, where the desk marked them public
    timeline: tuple[tuple[str, datetime], ...]  # (a PUBLIC_STEPS state's value, when), oldest first
    checked: bool = True  # the desk has read the report (it is past "received"): its text and photos may show


def is_public() -> ColumnElement[bool]:
    """A case anyone may see (neither confidential nor rejected or cancelled)."""
    return and_(Ticket.privacy != Privacy.CONFIDENTIAL.value, Ticket.state.not_in([s.value for s in HIDDEN_STATES]))


async def public_cases(ctx: Context, kecamatan: str | None, *, since: datetime | None = None,
                       until: datetime | None = None, numbers: Sequence[str] | None = None,
                       category: str | Sequence[str] | None = None, open: bool | None = None, limit: int = MAX_PAGE,
                       offset: int = 0, timeline: bool = True) -> list[PublicCase]:
    """The public cases of a kecamatan (None: the whole kabupaten), newest first; `since`/`until` bound
    when they were reported (inclusive), `numbers` picks cases by number (any case), `category` one code or several;
    `timeline` false leaves each case's timeline empty (a list that shows none need not read the events)."""
    query = select(*COLUMNS).where(is_public())
    if kecamatan is not None:
        query = query.where(Ticket.kecamatan == kecamatan)
    if since is not None:
        query = query.where(Ticket.created_at >= since)
    if until is not None:
        query = query.where(Ticket.created_at <= until)
    if numbers is not None:
        # numbers are stored in capitals (an upper-case prefix and digits): asked in capitals, the unique index answers
        query = query.where(Ticket.number.in_([n.strip().upper() for n in numbers]))
    if category is not None:
        query = query.where(Ticket.category.in_([category] if isinstance(category, str) else list(category)))
    if open is not None:
        states = [s.value for s in OPEN_STATES]
        query = query.where(Ticket.state.in_(states) if open else Ticket.state.not_in(states))
    limit, offset = max(0, min(limit, MAX_PAGE)), max(0, offset)
    codes = [p.code for p in ctx.kabupaten]
    if kecamatan is None and numbers is None and len(codes) > 1:
        query = _newest_of_each(query, codes, limit, offset)
    else:
        query = query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit).offset(offset)
    async with ctx.sessions() as session:
        tickets = (await session.execute(query)).all()
        ids = [t.id for t in tickets]
        if not ids:
            return []
        steps = [s.value for s in PUBLIC_STEPS]
        events = (await session.execute(
            select(TicketEvent.ticket_id, TicketEvent.from_state, TicketEvent.to_state, TicketEvent.created_at)
            .where(TicketEvent.ticket_id.in_(ids), TicketEvent.to_state.in_(steps))
            .order_by(TicketEvent.ticket_id, TicketEvent.id))).all() if timeline else []
        done = [t.id for t in tickets if t.state not in OPEN_VALUES]
        closed_at = dict((await session.execute(
            select(TicketEvent.ticket_id, func.max(TicketEvent.created_at))
            .where(TicketEvent.ticket_id.in_(done), TicketEvent.from_state.is_distinct_from(TicketEvent.to_state))
            .group_by(TicketEvent.ticket_id))).all()) if done else {}
        reporters = {t.reporter_id for t in tickets}
        names_of = dict((await session.execute(
            select(Citizen.id, Citizen.name).where(Citizen.id.in_(reporters)))).all())
        shown = [t.id for t in tickets if t.citizen_photos_public and is_checked(TicketState(t.state))]
        photos = await session.execute(
            select(Attachment.ticket_id, Attachment.id, Attachment.role).where(
                Attachment.ticket_id.in_(ids), _shown_photo(shown), Attachment.stored_path.is_not(None))
            .order_by(Attachment.id))
    timelines: dict[int, list[tuple[str, datetime]]] = defaultdict(list)
    for ticket_id, before, after, at in events:
        if before != after:
            timelines[ticket_id].append((after, at))
    proof: dict[int, int] = {}
    own: dict[int, list[int]] = defaultdict(list)
    for ticket_id, attachment_id, role in photos:
        if role == AttachmentRole.PROOF.value:
            proof[ticket_id] = attachment_id  # the latest wins
        else:
            own[ticket_id].append(attachment_id)
    names = _Names(ctx)
    return [_case(names, t, names_of.get(t.reporter_id) or "", tuple(timelines.get(t.id, ())), proof.get(t.id),
                  tuple(own.get(t.id, ())), closed_at.get(t.id)) for t in tickets]


def is_checked(state: TicketState) -> bool:
    """Whether the desk has read a case in this state: past "received", what the citizen wrote may show."""
    return state is not TicketState.RECEIVED


def _shown_photo(marked: Sequence[int] | ColumnElement[bool]) -> ColumnElement[bool]:
    """A photo the public may see: an officer's proof, or a citizen's report photo of a case the desk marked
    (`marked`: those cases' ids, or the condition that the attachment's ticket is marked)."""
    proof = and_(Attachment.role == AttachmentRole.PROOF.value, Attachment.kind == AttachmentKind.PHOTO.value)
    citizens = and_(Attachment.role == AttachmentRole.REPORT.value, Attachment.kind == AttachmentKind.PHOTO.value,
                    Attachment.ticket_id.in_(marked) if not isinstance(marked, ColumnElement) else marked)
    return or_(proof, citizens)


def _newest_of_each(query: Select[*tuple[Any, ...]], codes: list[str], limit: int,
                    offset: int) -> Select[*tuple[Any, ...]]:
    """`query` over the whole kabupaten, newest first, as the newest `limit + offset` of each kecamatan
    merged: each part reads its kecamatan's `(kecamatan, created_at)` index newest first and stops, where
    one query over them all would sort every case of the period (no index leads with `created_at`). Only
    ids and times are merged; the page's rows are read by id after. The same rows in the same order as one
    query over the install's kecamatan (a row of a kecamatan the install lacks could not be named anyway)."""
    order = (Ticket.created_at.desc(), Ticket.id.desc())
    parts = [select(*part.c).select_from(part) for part in (
        query.with_only_columns(Ticket.id, Ticket.created_at).where(Ticket.kecamatan == code).order_by(*order)
        .limit(limit + offset).subquery() for code in codes)]
    merged = union_all(*parts).subquery()
    newest = (select(merged.c.id).order_by(merged.c.created_at.desc(), merged.c.id.desc())
              .limit(limit).offset(offset).subquery())
    return select(*COLUMNS).join(newest, newest.c.id == Ticket.id).order_by(*order)




class _Names:
    """What a page of cases looks up again and again (a kecamatan's profile, a category's and an agency's
    name), found once each."""

    def __init__(self, ctx: Context) -> None:
        self.kabupaten = ctx.kabupaten
        self._places: dict[tuple[str, str | None], tuple[Profile, str | None]] = {}
        self._agencies: dict[str | None, str | None] = {}

    def place(self, kecamatan: str, category: str | None) -> tuple[Profile, str | None]:
        """The kecamatan's profile and the category's label."""
        found = self._places.get((kecamatan, category))
        if found is None:
            profile = self.kabupaten.profile(kecamatan)
            named = profile.category(category) if category else None
            found = self._places[(kecamatan, category)] = (profile, named.label if named else None)
        return found

    def agency(self, code: str | None) -> str | None:
        if code not in self._agencies:
            self._agencies[code] = self.kabupaten.agency_name(code)
        return self._agencies[code]


def _case(names: _Names, ticket: Any, reporter_name: str, timeline: tuple[tuple[str, datetime], ...],
          proof_photo_id: int | None, citizen_photo_ids: tuple[int, ...],
          closed_at: datetime | None = None) -> PublicCase:
    (_, number, kecamatan, state_value, category, desa, description, _, latitude, longitude, created_at,
     updated_at, deadline, agency, _) = ticket  # COLUMNS, by position (a page reads 1,000 of them)
    profile, category_name = names.place(kecamatan, category)
    state = TicketState(state_value)
    is_open = state in OPEN_STATES
    checked = is_checked(state)
    lat, lon = round_position(latitude, longitude) if latitude is not None and longitude is not None else (None, None)
    return PublicCase(
        number=number, kecamatan=profile.code, state=state, open=is_open, category=category,
        category_name=category_name, desa=desa,
        description=public_text(description or "", reporter_name) if checked else "",
        lat=lat, long=lon, requested_at=created_at,
        updated_at=closed_at if closed_at is not None and not is_open else updated_at,
        expected_at=deadline if is_open else None,
        agency=names.agency(agency), proof_photo_id=proof_photo_id,
        citizen_photo_ids=citizen_photo_ids if checked else (), timeline=timeline, checked=checked)


async def public_case(ctx: Context, number: str) -> PublicCase | None:
    """The public case with this number (any kecamatan of the install); None if unknown or not public."""
    found = await public_cases(ctx, None, numbers=[number], limit=1)
    return found[0] if found else None


async def public_photo(ctx: Context, number: str, attachment_id: int, media_dir: Path | None = None) -> Path | None:
    """The public copy (`core.images.kept_public`) of a public case's proof photo, or of a citizen's photo the
    desk marked public once it has read the case, under the media directory (default: the settings'); else None."""
    async with ctx.sessions() as session:
        found = await session.scalar(select(Attachment).join(Ticket, Ticket.id == Attachment.ticket_id).where(
            Attachment.id == attachment_id, Ticket.number == number.strip().upper(), is_public(),
            _shown_photo(and_(Ticket.citizen_photos_public.is_(True),
                              Ticket.state != TicketState.RECEIVED.value))))
    if found is None:
        return None
    if media_dir is None:
        from core.settings import Settings  # read when asked, never at import

        media_dir = Settings().media_dir
    source = on_disk(media_dir, found.stored_path)
    # made in a thread: re-encoding a large photo the first time would hold up every other request
    return await asyncio.to_thread(kept_public, media_dir, found.id, source) if source is not None else None
