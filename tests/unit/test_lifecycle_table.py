"""The lifecycle table on its own: every pair, and the shape of the table."""

from __future__ import annotations

import itertools

import pytest

from core.domain.lifecycle import (
    ALLOWED_ROLES,
    OPEN_STATES,
    TRANSITIONS,
    Action,
    IllegalTransition,
    NotAllowed,
    Role,
    TicketState,
    next_state,
)

ALL_ROLES = frozenset(Role)


@pytest.mark.parametrize(("state", "action"), list(itertools.product(TicketState, Action)))
def test_every_pair(state: TicketState, action: Action) -> None:
    expected = TRANSITIONS[state].get(action)
    if expected is None:
        with pytest.raises(IllegalTransition):
            next_state(state, action, ALL_ROLES)
    else:
        assert next_state(state, action, ALL_ROLES) is expected


@pytest.mark.parametrize(("action", "role"), list(itertools.product(Action, Role)))
def test_roles(action: Action, role: Role) -> None:
    state = next(s for s in TicketState if action in TRANSITIONS[s])
    if role in ALLOWED_ROLES[action]:
        next_state(state, action, frozenset({role}))
    else:
        with pytest.raises(NotAllowed):
            next_state(state, action, frozenset({role}))


def test_design_lifecycle_paths() -> None:
    """The paths drawn in design.md, including the reopen loop."""
    path = [(Action.VERIFY, TicketState.VERIFIED), (Action.ACCEPT, TicketState.IN_PROGRESS),
            (Action.RESOLVE, TicketState.RESOLVED), (Action.REPORT_NOT_FIXED, TicketState.IN_PROGRESS),
            (Action.RESOLVE, TicketState.RESOLVED), (Action.CONFIRM_FIXED, TicketState.CLOSED)]
    state = TicketState.RECEIVED
    for action, expected in path:
        state = next_state(state, action, ALL_ROLES)
        assert state is expected


def test_terminal_states_are_not_open() -> None:
    for state in (TicketState.REJECTED, TicketState.DUPLICATE, TicketState.CANCELLED):
        assert TRANSITIONS[state] == {} and state not in OPEN_STATES
