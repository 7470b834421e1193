"""The scheduler's jobs, each callable on its own with the context's clock (tests drive time).

Every job is safe to run on several instances at once and to run late: the work is keyed in the
database (escalation level per stage, job_runs per summary, dedupe keys per outbox row).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from core.context import Context
from core.deadline_scan import DueTicket, closable_tickets, due_tickets, report_stuck, stuck_outbox_rows, tick_lock
from core.digest import build_digest, queue_summary, render_digest, summary_sent
from core.domain.errors import Refused
from core.domain.people import Actor
from core.kabupaten_digest import build_comparison, render_comparison
from core.usecases._ticket import agency_facts
from core.usecases.drafts import expire_draft, idle_drafts
from core.usecases.held import file_if_allowed, waiting_reports
from core.usecases.oversight import auto_close_ticket, escalate_ticket
from scheduler import policy
from scheduler.weekly import weekly_text

log = logging.getLogger(__name__)
SYSTEM = Actor.system()


@dataclass
class ScanResult:
    """What one deadline scan did: ticket ids reminded and escalated, how many were held or skipped."""

    due: int = 0
    reminded: list[int] = field(default_factory=list)
    escalated: list[int] = field(default_factory=list)
    held: int = 0
    skipped: bool = False  # another instance held the tick lock

    def __bool__(self) -> bool:
        """Whether the scan did anything worth a log line (a scan that found nothing to do is quiet)."""
        return bool(self.reminded or self.escalated)


async def scan_deadlines(ctx: Context) -> ScanResult:
    """Remind, then escalate, every overdue stage: each level once per stage."""
    async with tick_lock(ctx, "scan_deadlines") as mine:
        if not mine:
            return ScanResult(skipped=True)
        return await escalate_due(ctx)


async def escalate_due(ctx: Context) -> ScanResult:
    """The scan's work without the tick lock (the per-ticket checks alone keep it exactly once)."""
    now = ctx.now()
    quiet = policy.in_quiet_hours(now, ctx.profile)
    top = policy.KABUPATEN if ctx.kabupaten.telegram.chat_id is not None else policy.ESCALATE
    due = await due_tickets(ctx, now, top=top)
    result = ScanResult(due=len(due))
    for ticket in due:
        category = ctx.profile.category(ticket.category) if ticket.category else None
        escalate_at = policy.escalation_time(ctx, ticket.category, ticket.deadline)
        level = policy.target_level(now, ticket.deadline, escalate_at, quiet, bool(category and category.safety),
                                    policy.kabupaten_time(ctx, escalate_at))
        if level <= ticket.level:
            result.held += 1 if level == 0 else 0
            continue
        if await _escalate(ctx, ticket, level):
            (result.reminded if level == policy.REMIND else result.escalated).append(ticket.id)
    return result


async def _escalate(ctx: Context, ticket: DueTicket, level: int) -> bool:
    stage = policy.stage_of(ticket.state)
    details = {
        "stage": stage.value if stage else None,
        "group": policy.GROUP_OF_STAGE[stage] if stage else None,
        "due_at": ticket.deadline.isoformat(),
        "overdue_minutes": int((ctx.now() - ticket.deadline).total_seconds() // 60),
    }
    if ticket.agency is not None:  # with an agency: its group is reminded, or (none) the desk chases it
        agency = ctx.kabupaten.agency(ticket.agency)
        details.update(agency_facts(ctx, ticket.agency), agency_group=agency is not None and agency.has_group)
    try:
        return await escalate_ticket(ctx, SYSTEM, ticket.id, level, due_at=ticket.deadline, details=details)
    except Refused as refused:  # the ticket moved on between the scan and the lock
        log.info("escalation skipped", extra={"ticket": ticket.number, "reason": refused.code})
    except Exception:
        log.exception("escalation failed", extra={"ticket": ticket.number, "level": level})
    return False


async def send_daily_digest(ctx: Context) -> bool:
    """Queue today's digest to the camat once it is due; once per day, saying so when late."""
    now = ctx.now()
    day, due = policy.daily_slot(now, ctx.profile)
    if now < due or await summary_sent(ctx, "digest", day):
        return False
    late = policy.is_late(now, due)
    body = render_digest(ctx, await build_digest(ctx, day), ctx.profile.default_locale, late=late)
    sent = await queue_summary(ctx, "digest", day, body, late)
    if sent:
        log.info("daily digest queued", extra={"day": day.isoformat(), "late": late})
    return sent


async def send_kabupaten_digest(ctx: Context) -> bool:
    """Queue the morning comparison of every kecamatan to the kabupaten's chat; once per day. An install
    of one kecamatan, or one whose kabupaten names no chat, has none."""
    kabupaten = ctx.kabupaten
    if len(kabupaten) < 2 or kabupaten.telegram.chat_id is None:
        return False
    now = ctx.now()
    day = now.astimezone(ctx.profile.zone).date()
    due = datetime.combine(day, kabupaten.telegram.digest_time, ctx.profile.zone)
    if now < due or await summary_sent(ctx, "digest.kabupaten", day, scope=kabupaten.code):
        return False
    late = policy.is_late(now, due)
    body = render_comparison(ctx, await build_comparison(ctx, day), day, ctx.profile.default_locale, late=late)
    return await queue_summary(ctx, "digest.kabupaten", day, body, late, to="kabupaten", scope=kabupaten.code)


async def send_weekly_summary(ctx: Context) -> bool:
    """Queue the week's summary on the profile's weekday and time; once per week."""
    now = ctx.now()
    day, due = policy.weekly_slot(now, ctx.profile)
    if now < due or await summary_sent(ctx, "digest.weekly", day):
        return False
    late = policy.is_late(now, due)
    body = await weekly_text(ctx, day, ctx.profile.default_locale, late=late)
    return await queue_summary(ctx, "digest.weekly", day, body, late)


async def auto_close(ctx: Context) -> list[int]:
    """Close resolved tickets whose citizen stayed silent past the confirmation deadline."""
    closed: list[int] = []
    async with tick_lock(ctx, "auto_close") as mine:
        if not mine:
            return closed
        for ticket_id in await closable_tickets(ctx, ctx.now()):
            try:
                await auto_close_ticket(ctx, SYSTEM, ticket_id)
            except Refused as refused:  # the citizen answered in the meantime
                log.info("auto-close skipped", extra={"ticket_id": ticket_id, "reason": refused.code})
                continue
            except Exception:
                log.exception("auto-close failed", extra={"ticket_id": ticket_id})
                continue
            closed.append(ticket_id)
    return closed


async def expire_drafts(ctx: Context, key: str | None = None, line: str | None = None) -> list[int]:
    """Discard WhatsApp drafts idle longer than the profile allows; the citizens are told. `key` and
    `line`: the drafts on the kabupaten-wide number instead (`expire_kabupaten_drafts`)."""
    idle_since = ctx.now() - policy.span_delta(ctx.profile.draft_idle)
    expired: list[int] = []
    for citizen_id in await idle_drafts(ctx, idle_since, key=key):
        try:
            if await expire_draft(ctx, citizen_id, idle_since, key, line):
                expired.append(citizen_id)
        except Exception:
            log.exception("draft expiry failed", extra={"citizen_id": citizen_id})
    return expired


async def expire_kabupaten_drafts(ctx: Context) -> list[int]:
    """The drafts on the kabupaten-wide number (kept under the kabupaten's code, not a kecamatan's): idle
    as long as `ctx`'s profile allows, they are discarded and the citizen is told from that number."""
    wide = ctx.kabupaten.whatsapp
    if wide is None:
        return []
    return await expire_drafts(ctx, key=ctx.kabupaten.code, line=wide.phone_id)


async def file_held_reports(ctx: Context) -> list[str]:
    """File reports held over the daily limit once their citizen's day allows (from local midnight);
    each is filed once, whatever the instances (tick lock, then the held and citizen rows locked)."""
    filed: list[str] = []
    async with tick_lock(ctx, "file_held_reports") as mine:
        if not mine:
            return filed
        for held_id in await waiting_reports(ctx):
            try:
                done = await file_if_allowed(ctx, held_id)
            except Exception:
                log.exception("filing a held report failed", extra={"held_id": held_id})
                continue
            if done is not None:
                filed.append(done.number)
    return filed


async def sweep_outbox(ctx: Context) -> int:
    """Report rows undelivered for too long to the desk chat, once each; rows are kept and retried."""
    older_than = ctx.now() - policy.span_delta(ctx.profile.outbox_stuck_after)
    return await report_stuck(ctx, await stuck_outbox_rows(ctx, older_than))
