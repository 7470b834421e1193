"""What a citizen's update asks back comes from the notices table, written on the row when it is queued."""

from __future__ import annotations

from core.domain.lifecycle import Action
from core.domain.notices import Ask
from reporter_bot.render import asks_of


def test_the_row_says_what_it_asks() -> None:
    assert asks_of({"action": "resolve", "asks": "fixed"}, to_reporter=True) is Ask.FIXED
    assert asks_of({"action": "resolve", "asks": None}, to_reporter=True) is None  # a follower's copy


def test_a_row_queued_before_rows_said_it_asks_what_the_table_says_of_its_action() -> None:
    assert asks_of({"action": Action.RESOLVE.value}, to_reporter=True) is Ask.FIXED
    assert asks_of({"action": Action.CONFIRM_FIXED.value}, to_reporter=True) is Ask.RATING
    assert asks_of({"action": Action.CLOSE.value}, to_reporter=True) is None
    assert asks_of({"action": Action.RESOLVE.value}, to_reporter=False) is None  # followers are never asked
    assert asks_of({"action": "no such action"}, to_reporter=True) is None
