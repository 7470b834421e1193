"""Reports over a citizen's daily limit: kept, then filed when the limit allows or when staff lift it.

A held report is a row of its own (not the WhatsApp draft), so draft expiry never touches it and
the citizen may go on using the bot. Filing locks the held row and the citizen's row, so the
scheduler on several instances and a staff member's "file now" file it once, within the limit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import metrics
from core.context import Context
from core.db.models import Citizen, HeldReport, Ticket
from core.domain.errors import Refused
from core.domain.lifecycle import Action, NotAllowed, may
from core.domain.people import Actor, staff_view_of_reporter
from core.domain.reports import AttachmentKind, NewAttachment, NewReport, Privacy
from core.notifications import queue
from core.usecases.citizen import Submitted, already_submitted, check_report, create_ticket, reports_today

NOTICE_KIND = "report.held"


class TooManyHeld(Refused):
    """A day's worth of the citizen's reports already waits; this one is not kept."""

    code = "error.too_many_held"


class HeldNotFound(Refused):
    code = "error.held_not_found"


@dataclass(frozen=True)
class Held:
    """The report was kept: it is filed when the daily limit allows."""

    held_id: int
    limit: int


@dataclass(frozen=True)
class Filed:
    held_id: int
    ticket_id: int
    number: str
    already: bool = False  # it had been filed before (by the scheduler or another tap)


@dataclass(frozen=True)
class Waiting:
    """A held report as staff may see it: the reporter masked or not at all."""

    id: int
    reporter: str  # the masked number, or "" when the citizen chose anonymity
    held_at: datetime
    category: str | None
    desa: str | None
    description: str


async def submit_or_hold(ctx: Context, actor: Actor, report: NewReport) -> Submitted | Held:
    """File the report, or keep it when the citizen reached today's limit (the desk is told)."""
    check_report(ctx, report)
    limit, citizen_id = ctx.profile.daily_ticket_limit, actor.id or 0
    async with ctx.sessions.begin() as session:
        done = await already_submitted(session, report.source_ref)
        if done is not None:
            return done
        if report.source_ref is not None:
            kept = await session.scalar(select(HeldReport.id).where(HeldReport.source_ref == report.source_ref))
            if kept is not None:  # a reprocessed "Kirim": it is already waiting
                return Held(kept, limit)
        await _lock_citizen(session, citizen_id)
        if await reports_today(ctx, session, citizen_id) < limit:
            ticket = await create_ticket(ctx, session, citizen_id, report)
            return Submitted(ticket.id, ticket.number, ticket.stage_deadline_at)
        waiting = await waiting_count(session, citizen_id, ctx.kecamatan)
        if waiting >= limit:
            raise TooManyHeld(limit=limit, count=waiting)
        row = HeldReport(citizen_id=citizen_id, kecamatan=ctx.kecamatan, report=_to_data(report),
                         source_ref=report.source_ref, held_at=ctx.now(), released_by="")
        session.add(row)
        await session.flush()
        await _tell_desk(ctx, session, row, report)
        metrics.report_held()
        return Held(row.id, limit)


async def waiting_count(session: AsyncSession, citizen_id: int, kecamatan: str) -> int:
    return await session.scalar(select(func.count()).select_from(HeldReport).where(
        HeldReport.citizen_id == citizen_id, HeldReport.kecamatan == kecamatan,
        HeldReport.filed_at.is_(None))) or 0


async def held_for(ctx: Context, citizen_id: int) -> int:
    """How many of the citizen's reports wait for the daily limit."""
    async with ctx.sessions() as session:
        return await waiting_count(session, citizen_id, ctx.kecamatan)


async def waiting_reports(ctx: Context, limit: int = 500) -> list[int]:
    """This kecamatan's held reports not filed yet, oldest first."""
    async with ctx.sessions() as session:
        return list(await session.scalars(select(HeldReport.id).where(HeldReport.kecamatan == ctx.kecamatan,
                                                                      HeldReport.filed_at.is_(None))
                                          .order_by(HeldReport.held_at, HeldReport.id).limit(limit)))


async def file_if_allowed(ctx: Context, held_id: int) -> Filed | None:
    """The scheduler's step: file the held report if its citizen's limit allows it now; None if not
    (not yet, already filed, or held by another instance at this moment)."""
    async with ctx.sessions.begin() as session:
        row = await session.scalar(select(HeldReport).where(HeldReport.id == held_id,
                                                            HeldReport.kecamatan == ctx.kecamatan)
                                   .with_for_update(skip_locked=True))
        if row is None or row.filed_at is not None:
            return None
        await _lock_citizen(session, row.citizen_id)
        if await reports_today(ctx, session, row.citizen_id) >= ctx.profile.daily_ticket_limit:
            return None
        return await _file(ctx, session, row, "")


async def release_held(ctx: Context, actor: Actor, held_id: int) -> Filed:
    """Staff lift the limit for one held report: it is filed now, whatever the day's count."""
    if actor.kind != "system" and not may(actor.roles, Action.VERIFY):
        raise NotAllowed(Action.VERIFY, actor.roles)
    async with ctx.sessions.begin() as session:
        row = await session.scalar(select(HeldReport).where(
            HeldReport.id == held_id, HeldReport.kecamatan == ctx.kecamatan).with_for_update())
        if row is None:
            raise HeldNotFound(held=held_id)
        if row.filed_at is not None and row.ticket_id is not None:
            number = await session.scalar(select(Ticket.number).where(Ticket.id == row.ticket_id)) or ""
            return Filed(row.id, row.ticket_id, number, already=True)
        await _lock_citizen(session, row.citizen_id)
        return await _file(ctx, session, row, actor.name or actor.kind)


async def list_waiting(ctx: Context) -> list[Waiting]:
    """Every held report not filed yet, for the CLI, oldest first."""
    async with ctx.sessions() as session:
        rows = (await session.execute(
            select(HeldReport, Citizen.wa_id).join(Citizen, Citizen.id == HeldReport.citizen_id)
            .where(HeldReport.kecamatan == ctx.kecamatan, HeldReport.filed_at.is_(None))
            .order_by(HeldReport.held_at, HeldReport.id))).all()
    found = []
    for row, wa_id in rows:
        report = _from_data(row.report)
        found.append(Waiting(row.id, staff_view_of_reporter(report.privacy.value, wa_id), row.held_at,
                             report.category, report.desa, report.description))
    return found


async def _file(ctx: Context, session: AsyncSession, row: HeldReport, released_by: str) -> Filed:
    report = _still_valid(ctx, _from_data(row.report, row.source_ref))
    data: dict[str, Any] = {"held_since": row.held_at.isoformat()}
    if released_by:
        data["released_by"] = released_by
    ticket = await create_ticket(ctx, session, row.citizen_id, report, data)
    row.filed_at, row.ticket_id, row.released_by = ctx.now(), ticket.id, released_by[:100]
    return Filed(row.id, ticket.id, ticket.number)


async def _lock_citizen(session: AsyncSession, citizen_id: int) -> None:
    """One submission or filing per citizen at a time, so the day's count is read and used at once."""
    await session.scalar(select(Citizen.id).where(Citizen.id == citizen_id).with_for_update())


async def _tell_desk(ctx: Context, session: AsyncSession, row: HeldReport, report: NewReport) -> None:
    wa_id = await session.scalar(select(Citizen.wa_id).where(Citizen.id == row.citizen_id)) or ""
    data = {"held_id": row.id, "reporter": staff_view_of_reporter(report.privacy.value, wa_id),
            "category": report.category, "desa": report.desa, "description": report.description[:600],
            "limit": ctx.profile.daily_ticket_limit, "held_at": row.held_at.isoformat()}
    queue(session, channel="telegram", recipient="chat:desk", kecamatan=row.kecamatan, kind=NOTICE_KIND, data=data,
          dedupe_key=f"{NOTICE_KIND}:{row.id}", now=ctx.now())


def _still_valid(ctx: Context, report: NewReport) -> NewReport:
    """The profile may have changed while the report waited: a category or desa it lacks now is left
    for the desk to set, rather than keeping the report waiting for ever."""
    category = report.category if report.category and ctx.profile.category(report.category) else None
    desa = report.desa if report.desa and ctx.profile.desa_named(report.desa) else None
    return NewReport(report.description, category, report.latitude, report.longitude, report.address, desa,
                     report.privacy, report.attachments, report.source_ref)


def _to_data(report: NewReport) -> dict[str, Any]:
    data = asdict(report)
    data.pop("source_ref")
    data["privacy"] = report.privacy.value
    data["attachments"] = [{**asdict(a), "kind": a.kind.value} for a in report.attachments]
    return data


def _from_data(data: dict[str, Any], source_ref: str | None = None) -> NewReport:
    files = tuple(NewAttachment(**{**a, "kind": AttachmentKind(a["kind"])}) for a in data.get("attachments", ()))
    return NewReport(description=str(data.get("description", "")), category=data.get("category"),
                     latitude=data.get("latitude"), longitude=data.get("longitude"),
                     address=str(data.get("address", "")), desa=data.get("desa"),
                     privacy=Privacy(data.get("privacy", "normal")), attachments=files, source_ref=source_ref)
