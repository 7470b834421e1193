"""Deadlines in working time, holidays, quiet hours and the escalation ladder: pure, no database."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.context import Context
from core.domain.sla import Span, deadline
from core.profile import SAMPLE_PROFILE, load_profile
from scheduler import policy
from tests.scheduler.conftest import WITA, wita

PROFILE = load_profile(SAMPLE_PROFILE)
CAL = PROFILE.calendar(range(2026, 2028))


def local(moment: datetime) -> str:
    return moment.astimezone(WITA).strftime("%a %Y-%m-%d %H:%M")


def test_a_working_day_is_not_cut_short_by_a_short_saturday() -> None:
    # Friday 16.15 + 1 day: Saturday closes at 12.00, the rest of the day runs on Monday morning.
    assert local(deadline(wita("2026-11-27 16:15"), Span(days=1), CAL)) == "Mon 2026-11-30 11:45"
    assert local(deadline(wita("2026-11-27 10:00"), Span(days=1), CAL)) == "Sat 2026-11-28 10:00"


def test_working_days_of_a_night_report_count_from_the_morning() -> None:
    assert local(deadline(wita("2026-11-23 22:00"), Span(days=1), CAL)) == "Wed 2026-11-25 07:30"
    assert local(deadline(wita("2026-11-22 10:00"), Span(days=1), CAL)) == "Tue 2026-11-24 07:30"  # a Sunday


def test_christmas_and_cuti_bersama_move_a_multi_day_deadline() -> None:
    # Wed 23 Dec + 2 days: 24 Dec (cuti bersama) and 25 Dec (Christmas) are closed.
    assert local(deadline(wita("2026-12-23 10:00"), Span(days=2), CAL)) == "Mon 2026-12-28 10:00"


def test_quiet_hours_run_past_midnight() -> None:
    assert policy.in_quiet_hours(wita("2026-11-23 21:00"), PROFILE)
    assert policy.in_quiet_hours(wita("2026-11-24 05:59"), PROFILE)
    assert not policy.in_quiet_hours(wita("2026-11-24 06:00"), PROFILE)
    assert not policy.in_quiet_hours(wita("2026-11-23 20:59"), PROFILE)


def test_the_ladder_reminds_then_escalates_and_quiet_hours_hold_all_but_safety_escalations() -> None:
    due = wita("2026-11-23 11:00")
    later = due + timedelta(hours=1)
    assert policy.target_level(due - timedelta(minutes=1), due, later, quiet=False, safety=False) == 0
    assert policy.target_level(due, due, later, quiet=False, safety=False) == 1
    assert policy.target_level(later, due, later, quiet=False, safety=False) == 2
    assert policy.target_level(due, due, later, quiet=True, safety=True) == 0
    assert policy.target_level(later, due, later, quiet=True, safety=False) == 0
    assert policy.target_level(later, due, later, quiet=True, safety=True) == 2


def test_the_grace_before_the_camat_runs_in_the_category_time() -> None:
    ctx = Context(sessions=None, profile=PROFILE)  # type: ignore[arg-type]
    # Street lights count office time: due Friday 16.00, the hour of grace ends Saturday 08.00.
    assert local(policy.escalation_time(ctx, "lampu_jalan", wita("2026-11-27 16:00"))) == "Sat 2026-11-28 08:00"
    # A fallen tree counts the clock.
    assert local(policy.escalation_time(ctx, "pohon", wita("2026-11-27 23:00"))) == "Sat 2026-11-28 00:00"


def test_summary_slots() -> None:
    day, due = policy.daily_slot(wita("2026-11-24 06:00"), PROFILE)
    assert (day.isoformat(), due) == ("2026-11-24", wita("2026-11-24 07:00"))
    day, due = policy.weekly_slot(wita("2026-11-26 12:00"), PROFILE)  # a Thursday
    assert (day.isoformat(), due) == ("2026-11-23", wita("2026-11-23 07:30"))
