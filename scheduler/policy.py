"""When the scheduler acts: the escalation ladder, quiet hours and the summaries' times. Pure functions."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from core.context import Context
from core.domain.lifecycle import TicketState
from core.domain.sla import STAGE_OF_STATE, Span, Stage, deadline
from core.profile import WEEKDAYS, Profile

REMIND, ESCALATE, KABUPATEN = 1, 2, 3
# A summary sent this long after its time says that it is late.
LATE_AFTER = timedelta(minutes=10)
GROUP_OF_STAGE = {Stage.VERIFY: "desk", Stage.ACCEPT: "field", Stage.RESOLVE: "field", Stage.CONFIRM: "field",
                  Stage.AGENCY: "agency"}


def in_quiet_hours(moment: datetime, profile: Profile) -> bool:
    """Whether `moment` falls in the profile's quiet hours (which may run past midnight)."""
    quiet = profile.working_hours.quiet_hours
    if quiet is None:
        return False
    start, end = quiet
    clock = moment.astimezone(profile.zone).time()
    return start <= clock < end if start < end else (clock >= start or clock < end)


def escalation_time(ctx: Context, category_code: str | None, due: datetime) -> datetime:
    """When an overdue stage goes to the camat: the grace after the deadline, in the category's time."""
    category = ctx.profile.category(category_code) if category_code else None
    working = category.working_time if category else True
    return deadline(due, ctx.profile.escalation_grace, ctx.calendar(due.year) if working else None)


def kabupaten_time(ctx: Context, escalate_at: datetime) -> datetime | None:
    """When a case the camat has not acted on goes on to the kabupaten's chat; None when there is none."""
    if ctx.kabupaten.telegram.chat_id is None:
        return None
    return deadline(escalate_at, ctx.profile.kabupaten_escalation_after, ctx.calendar(escalate_at.year))


def target_level(now: datetime, due: datetime, escalate_at: datetime, quiet: bool, safety: bool,
                 kabupaten_at: datetime | None = None) -> int:
    """The level a stage should have reached by `now` (0 when nothing is owed yet or it is held).

    After downtime this jumps straight to the highest level due, so a ticket late for hours gets one
    escalation, not a reminder and an escalation. Quiet hours hold everything except the escalations
    of a safety category (a fallen tree at 23.00 still reaches the camat).
    """
    if now < due:
        return 0
    level = REMIND
    if now >= escalate_at:
        level = KABUPATEN if kabupaten_at is not None and now >= kabupaten_at else ESCALATE
    if quiet and not (level >= ESCALATE and safety):
        return 0
    return level


def stage_of(state: str) -> Stage | None:
    return STAGE_OF_STATE.get(TicketState(state))


def span_delta(span: Span) -> timedelta:
    """A span on the wall clock."""
    return timedelta(days=span.days, minutes=span.minutes)


def daily_slot(now: datetime, profile: Profile) -> tuple[date, datetime]:
    """Today's digest: its date and when it is due."""
    day = now.astimezone(profile.zone).date()
    return day, datetime.combine(day, profile.digest_time, profile.zone)


def weekly_slot(now: datetime, profile: Profile) -> tuple[date, datetime]:
    """The latest weekly summary day on or before today, and when it is due."""
    today = now.astimezone(profile.zone).date()
    day = today - timedelta(days=(today.weekday() - WEEKDAYS.index(profile.weekly_summary_day)) % 7)
    return day, datetime.combine(day, profile.weekly_summary_time, profile.zone)


def is_late(now: datetime, due: datetime) -> bool:
    return now - due > LATE_AFTER


