"""Every card's buttons are the lifecycle's answer: walk every (state, chat, assigned or not)."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest

from core.domain.lifecycle import ALLOWED_ROLES, CHAT_ROLES, TRANSITIONS, Action, Chat, Snapshot, TicketState, offered
from officer_bot.keyboards import BUTTONS, LAYOUT, card_keyboard

OFFICER_ID = 7


def _card(state: TicketState, assignee: int | None) -> SimpleNamespace:
    return SimpleNamespace(id=1, number="PTL-000001", state=state.value, reporter_id=3, assignee_id=assignee)


def _shown(chat: Chat, state: TicketState, assignee: int | None) -> set[str]:
    keyboard = card_keyboard(chat.value, _card(state, assignee))  # type: ignore[arg-type]
    return {b.callback_data.split(":")[0] for row in (keyboard.inline_keyboard if keyboard else ()) for b in row}


@pytest.mark.parametrize(("state", "chat", "assignee"),
                         list(itertools.product(TicketState, Chat, (None, OFFICER_ID))))
def test_a_button_appears_exactly_when_some_role_in_the_chat_may_take_it(
        state: TicketState, chat: Chat, assignee: int | None) -> None:
    expected = set()
    for action, (_, op) in BUTTONS.items():
        legal = action in TRANSITIONS[state]
        role_here = bool(CHAT_ROLES[chat] & ALLOWED_ROLES[action])
        # the field's own work needs the officer holding the ticket, so no one may take it on a free one
        needs_holder = action in (Action.ADD_PROGRESS, Action.RESOLVE, Action.RELEASE, Action.ASK_CITIZEN) \
            and chat is Chat.FIELD and assignee is None
        if legal and role_here and not needs_holder and action in LAYOUT[chat][0]:
            expected.add(op)
    assert _shown(chat, state, assignee) == expected


def test_every_chat_action_has_a_button_and_a_place() -> None:
    for chat, roles in CHAT_ROLES.items():
        takeable = {a for a in BUTTONS if roles & ALLOWED_ROLES[a]}
        assert takeable == set(LAYOUT[chat][0]), chat


def test_the_cards_people_know() -> None:
    """The buttons the officer tests tap, read from the table."""
    assert _shown(Chat.DESK, TicketState.RECEIVED, None) == {"v", "r", "d", "f", "q", "k"}
    assert _shown(Chat.FIELD, TicketState.VERIFIED, None) == {"a"}
    assert _shown(Chat.FIELD, TicketState.IN_PROGRESS, OFFICER_ID) == {"u", "s", "q", "l"}
    assert _shown(Chat.CAMAT, TicketState.VERIFIED, None) == {"cr", "ce", "cc"}
    assert _shown(Chat.DESK, TicketState.RESOLVED, OFFICER_ID) == set()
    assert not offered(Snapshot(TicketState.VERIFIED), Action.ASK_CITIZEN, Chat.FIELD)
