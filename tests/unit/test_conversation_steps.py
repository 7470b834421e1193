"""The conversation's table: every step in it, stored values as they always were, each question's buttons taken."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from core.domain.conversation import Step
from core.domain.people import Actor
from core.profile import SAMPLE_PROFILE, load_profile
from reporter_bot.draft import Draft
from reporter_bot.steps import STEPS, question, takes
from reporter_bot.turn import Turn

PROFILE = load_profile(SAMPLE_PROFILE)


async def _no_fetch(*_: Any) -> Any:
    raise AssertionError("a question fetches nothing")


def _turn(step: Step, locale: str) -> Turn:
    draft = Draft(category=PROFILE.categories[0].code, description="Lampu jalan mati", address="Jl. Poros")
    return Turn(SimpleNamespace(profile=PROFILE), Actor.citizen(1), "6281300000001", "Budi",  # type: ignore[arg-type]
                locale, step, draft, False, _no_fetch)


def test_the_stored_values_are_those_conversations_step_has_always_held() -> None:
    """No migration: a row written before the enum loads as the same step."""
    assert {s.value for s in Step} == {"idle", "new", "category", "description", "location", "desa", "photos",
                                       "privacy", "summary", "edit", "nearby", "pick_ticket", "held"}
    assert Step.stored("pick_ticket") is Step.PICK_TICKET
    assert Step.stored("ask_location") is Step.NEW  # unknown to this version: a draft, asked what it lacks


def test_every_step_is_in_the_table() -> None:
    assert set(STEPS) == set(Step)


@pytest.mark.parametrize("locale", ["id", "en"])
@pytest.mark.parametrize("step", [s for s in Step if STEPS[s].asks is not None])
def test_every_button_a_step_asks_with_is_one_it_takes(step: Step, locale: str) -> None:
    asked = question(_turn(step, locale), step)
    assert not isinstance(asked, str) or step == Step.DESCRIPTION
    ids = [] if isinstance(asked, str) else [i for i, _ in asked.buttons] + [
        row.id for _, rows in asked.sections for row in rows]
    assert all(takes(step, i.partition(":")[0]) for i in ids), ids


def test_the_menu_and_a_ticket_s_buttons_fit_every_step_and_draft_buttons_only_a_draft() -> None:
    for step in Step:
        assert all(takes(step, kind) for kind in ("menu", "fix", "nofix", "rate", "cancel"))
        assert takes(step, "cat") == (step != Step.IDLE)
    assert [s for s in Step if takes(s, "sum")] == [Step.SUMMARY]
    assert [s for s in Step if takes(s, "pick")] == [Step.PICK_TICKET]
