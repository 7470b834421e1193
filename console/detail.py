"""The case detail page's read model: the case in its own kecamatan, its timeline, files, clock and reporter.

The reporter is read only by the roles `REPORTER_READERS` names, and as `staff_view_of_reporter` words it (a
masked number of a normal report, nothing of an anonymous or confidential one); every free text a citizen
wrote is shown with its phone numbers masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from console.cases import viewer_kecamatan
from console.pair import pair_photos
from console.signin import Viewer
from core.audit import actor_label
from core.context import Context
from core.db.models import Attachment, Citizen, Staff, Ticket, TicketEvent
from core.domain.lifecycle import OPEN_STATES, Role, TicketState
from core.domain.people import mask_phones_in, reporter_for
from core.media_files import on_disk
from core.texts import duration, text
from officer_bot.render import osm_link, proof_line

# What an event's data says that a reader wants, in the order it is shown (free text is masked).
NOTES = ("reason", "question", "text", "note", "officer", "days", "agency_name", "reference", "original_number",
         "category", "desa", "level")
FILE_KINDS = frozenset({"photo", "voice", "video", "document"})


async def case_place(ctx: Context, viewer: Viewer, number: str) -> Context | None:
    """The context of the case's kecamatan (from its number's prefix), if the viewer may read it there."""
    profile = ctx.kabupaten.by_prefix(number.partition("-")[0].upper())
    if profile is None or profile.code not in await viewer_kecamatan(ctx, viewer):
        return None
    return ctx.at(profile.code)


async def telegram_id_of(ctx: Context, viewer: Viewer) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(Staff.telegram_id).where(Staff.id == viewer.staff_id)) or 0)


async def ticket_in(here: Context, number: str) -> Ticket | None:
    """The case by number (case-insensitive) if it is `here`'s kecamatan's."""
    async with here.sessions() as session:
        return await session.scalar(select(Ticket).where(Ticket.number == number.upper(),
                                                         Ticket.kecamatan == here.kecamatan))


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    time: str
    action: str
    actor: str
    notes: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class File:
    id: int
    kind: str
    role: str
    mime: str
    caption: str
    available: bool


@dataclass(frozen=True)
class CaseDetail:
    ticket: Ticket
    reporter: str | None  # "" when the citizen is not to be identified, None when the viewer's role does not read it
    assignee: str | None
    timeline: list[Entry]
    files: list[File]
    map_url: str | None
    deadline: str | None
    overdue: str | None  # how long past the deadline, when it is
    remaining: str | None
    proof: str | None
    story: str
    address: str
    pair: bool  # a report photo and a proof photo are here: the page shows them side by side

    def of_role(self, *roles: str) -> list[File]:
        return [f for f in self.files if f.role in roles]


def stored_file(media_dir: Path, att: Attachment) -> Path | None:
    """The attachment's file on disk, if it is there and inside the media directory."""
    return on_disk(media_dir, att.stored_path)


async def attachment_of(here: Context, number: str, attachment_id: int) -> Attachment | None:
    async with here.sessions() as session:
        return await session.scalar(select(Attachment).join(Ticket, Ticket.id == Attachment.ticket_id).where(
            Attachment.id == attachment_id, Ticket.number == number.upper(),
            Ticket.kecamatan == here.kecamatan))


def _notes(event: TicketEvent, locale: str) -> tuple[tuple[str, str], ...]:
    found = [(key, mask_phones_in(str(event.data[key]))[:500]) for key in NOTES
             if event.data.get(key) not in (None, "", [])]
    if event.action == "resolve" and (where := proof_line(event.data, locale)):
        found.append(("proof", where))
    return tuple(found)


def _action(action: str, locale: str) -> str:
    try:
        return text(f"tg.action.{action}", locale)
    except KeyError:
        return action


async def case_detail(here: Context, ticket: Ticket, media_dir: Path, locale: str,
                      roles: frozenset[Role]) -> CaseDetail:
    """Everything the page shows of one case to a viewer with these roles in its kecamatan."""
    async with here.sessions() as session:
        wa_id = await session.scalar(select(Citizen.wa_id).where(Citizen.id == ticket.reporter_id)) or ""
        assignee = (await session.scalar(select(Staff.name).where(Staff.id == ticket.assignee_id))
                    if ticket.assignee_id else None)
        events = list(await session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)))
        rows = list(await session.scalars(
            select(Attachment).where(Attachment.ticket_id == ticket.id).order_by(Attachment.id)))
    zone, now = here.profile.zone, here.now()

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%d-%m-%Y %H:%M")

    timeline = [Entry(local(e.created_at), _action(e.action, locale), actor_label(e, ticket.reporter_id, locale),
                      _notes(e, locale)) for e in events]
    files = [File(a.id, a.kind, a.role, a.mime or "", mask_phones_in(a.caption or ""),
                  stored_file(media_dir, a) is not None) for a in rows if a.kind in FILE_KINDS]
    due = ticket.stage_deadline_at if TicketState(ticket.state) in OPEN_STATES else None
    resolved = next((e for e in reversed(events) if e.action == "resolve"), None)
    located = ticket.latitude is not None and ticket.longitude is not None
    return CaseDetail(
        ticket, reporter_for(roles, ticket.privacy, wa_id), assignee, timeline, files,
        osm_link(ticket.latitude, ticket.longitude) if located else None,  # type: ignore[arg-type]
        local(due) if due else None, duration(now - due, locale) if due and due < now else None,
        duration(due - now, locale) if due and due >= now else None,
        proof_line(resolved.data, locale) if resolved else None,
        mask_phones_in(ticket.description), mask_phones_in(ticket.address or ""),
        pair_photos(media_dir, events, rows) is not None)


def note_label(key: str, locale: str) -> str:
    return text(f"konsol.detail.note_{key}", locale)
