"""Stage deadlines: how long each stage of a ticket may take, in calendar or working time.

Pure functions; the time is always passed in. Times are aware datetimes; results are UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from core.domain.lifecycle import TicketState


class Stage(StrEnum):
    VERIFY = "verify"
    ACCEPT = "accept"
    RESOLVE = "resolve"
    CONFIRM = "confirm"
    AGENCY = "agency"  # with an outside agency: its own follow-up time (the kabupaten file's agency `sla`)


# The stage a ticket is in while it waits in each open state; closed states have no deadline.
STAGE_OF_STATE: dict[TicketState, Stage] = {
    TicketState.RECEIVED: Stage.VERIFY,
    TicketState.VERIFIED: Stage.ACCEPT,
    TicketState.IN_PROGRESS: Stage.RESOLVE,
    TicketState.RESOLVED: Stage.CONFIRM,
    TicketState.FORWARDED: Stage.AGENCY,
}


@dataclass(frozen=True)
class Span:
    """A stage's allowance: `days` count whole days, `minutes` count clock minutes."""

    days: int = 0
    minutes: int = 0

    def __str__(self) -> str:
        parts = [f"{self.days}d"] if self.days else []
        if self.minutes:
            parts.append(f"{self.minutes // 60}h" if self.minutes % 60 == 0 else f"{self.minutes}m")
        return "".join(parts) or "0m"


@dataclass(frozen=True)
class WorkingCalendar:
    """Office hours per weekday (0 = Monday) in the kecamatan's zone, and the days it is closed."""

    zone: ZoneInfo
    hours: dict[int, tuple[time, time]]
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.hours and day not in self.holidays

    def window(self, day: date) -> tuple[datetime, datetime]:
        opens, closes = self.hours[day.weekday()]
        return datetime.combine(day, opens, self.zone), datetime.combine(day, closes, self.zone)


def add_calendar(start: datetime, span: Span) -> datetime:
    """`start` plus the span on the wall clock."""
    return (start + timedelta(days=span.days, minutes=span.minutes)).astimezone(UTC)


def add_working(start: datetime, span: Span, calendar: WorkingCalendar) -> datetime:
    """`start` plus the span counted in office time: days skip closed days, minutes run only while open."""
    moment = start.astimezone(calendar.zone)
    if span.days:
        moment = _next_open_moment(moment, calendar)
    for _ in range(span.days):
        moment = _next_working_day_same_time(moment, calendar)
    remaining = timedelta(minutes=span.minutes)
    day = moment.date()
    for _ in range(3660):  # ten years of days: a calendar with no open day at all is a bug
        if calendar.is_working_day(day):
            opens, closes = calendar.window(day)
            begin = max(moment, opens)
            if begin < closes:
                if begin + remaining <= closes:
                    return (begin + remaining).astimezone(UTC)
                remaining -= closes - begin
        day += timedelta(days=1)
        moment = datetime.combine(day, time.min, calendar.zone)
    raise ValueError("the working calendar has no open hours")


def _next_open_moment(moment: datetime, calendar: WorkingCalendar) -> datetime:
    """`moment` if the office is open then, else the next opening (a night report counts from the morning)."""
    day = moment.date()
    for _ in range(3660):
        if calendar.is_working_day(day):
            opens, closes = calendar.window(day)
            if moment < closes:
                return max(moment, opens)
        day += timedelta(days=1)
    raise ValueError("the working calendar has no open day")


def _next_working_day_same_time(moment: datetime, calendar: WorkingCalendar) -> datetime:
    """The same clock time on the next working day; past a short day's closing, the rest runs on the day after.

    (Clamping at closing time would lose the difference: Friday 16.15 + 1 day on a Saturday closing at
    12.00 gives Monday 11.45, not Saturday 12.00.)
    """
    day = moment.date()
    clock = moment.timetz().replace(tzinfo=None)
    overflow = timedelta(0)
    for _ in range(3660):
        day += timedelta(days=1)
        if not calendar.is_working_day(day):
            continue
        opens, closes = calendar.window(day)
        candidate = datetime.combine(day, clock, calendar.zone) if not overflow else opens + overflow
        candidate = max(candidate, opens)
        if candidate <= closes:
            return candidate
        overflow = candidate - closes
    raise ValueError("the working calendar has no open day")


def deadline(start: datetime, span: Span, calendar: WorkingCalendar | None) -> datetime:
    """When a stage that began at `start` is due: working time when a calendar is given."""
    return add_calendar(start, span) if calendar is None else add_working(start, span, calendar)


def is_overdue(due: datetime | None, now: datetime) -> bool:
    """Whether a stage due at `due` is late at `now` (no deadline is never late)."""
    return due is not None and now > due
