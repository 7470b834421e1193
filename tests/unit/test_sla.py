"""Deadlines in calendar and working time, with the sample profile's office hours and holidays."""

from __future__ import annotations

from datetime import UTC, datetime

from core.domain.sla import Span, deadline, is_overdue
from core.profile import SAMPLE_PROFILE, load_profile

PROFILE = load_profile(SAMPLE_PROFILE)
CAL = PROFILE.calendar(range(2026, 2028))
WITA = PROFILE.zone


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=WITA)


def local(moment: datetime) -> str:
    return moment.astimezone(WITA).strftime("%a %Y-%m-%d %H:%M")


def test_calendar_time_ignores_office_hours() -> None:
    assert local(deadline(at("2026-11-27 20:00"), Span(minutes=120), None)) == "Fri 2026-11-27 22:00"


def test_working_hours_carry_over_to_the_next_open_day() -> None:
    # Friday closes 16.30: one hour on Friday, one on Saturday morning.
    assert local(deadline(at("2026-11-27 15:30"), Span(minutes=120), CAL)) == "Sat 2026-11-28 08:30"
    # Saturday closes 12.00; Sunday is closed.
    assert local(deadline(at("2026-11-28 11:00"), Span(minutes=120), CAL)) == "Mon 2026-11-30 08:30"


def test_reports_at_night_count_from_opening() -> None:
    assert local(deadline(at("2026-11-23 22:00"), Span(minutes=60), CAL)) == "Tue 2026-11-24 08:30"


def test_public_holidays_and_cuti_bersama_are_skipped() -> None:
    # 25 December is Christmas; 24 December is the profile's cuti bersama.
    assert local(deadline(at("2026-12-23 15:00"), Span(minutes=120), CAL)) == "Sat 2026-12-26 08:30"


def test_working_days_skip_closed_days() -> None:
    assert local(deadline(at("2026-11-27 10:00"), Span(days=2), CAL)) == "Mon 2026-11-30 10:00"


def test_overdue() -> None:
    due = at("2026-11-27 10:00")
    assert not is_overdue(due, due) and is_overdue(due, at("2026-11-27 10:01")) and not is_overdue(None, due)
    assert deadline(at("2026-11-27 10:00"), Span(minutes=1), CAL).tzinfo is UTC
