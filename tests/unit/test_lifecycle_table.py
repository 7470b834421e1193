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
    ReportType,
    Role,
    TicketState,
    next_state,
    transitions,
)

ALL_ROLES = frozenset(Role)


@pytest.mark.parametrize(("state", "action", "kind"), list(itertools.product(TicketState, Action, ReportType)))
def test_every_pair(state: TicketState, action: Action, kind: ReportType) -> None:
    expected = transitions(kind, state).get(action)
    if expected is None:
        with pytest.raises(IllegalTransition):
            next_state(state, action, ALL_ROLES, kind)
    else:
        assert next_state(state, action, ALL_ROLES, kind) is expected


@pytest.mark.parametrize(("action", "role"), list(itertools.product(Action, Role)))
def test_roles(action: Action, role: Role) -> None:
    kind, state = next((k, s) for k in ReportType for s in TicketState if action in transitions(k, s))
    if role in ALLOWED_ROLES[action]:
        next_state(state, action, frozenset({role}), kind)
    else:
        with pytest.raises(NotAllowed):
            next_state(state, action, frozenset({role}), kind)


def test_an_aspiration_ends_with_its_outcome_and_a_question_with_its_answer() -> None:
    """Neither goes to the field: an aspiration is closed by its outcome; a question is answered, and the
    citizen confirms it (closed) or asks again (back to the desk)."""
    desk = frozenset({Role.VERIFIER})
    for kind in (ReportType.ASPIRATION, ReportType.INFO):
        with pytest.raises(IllegalTransition):
            next_state(TicketState.RECEIVED, Action.VERIFY, desk, kind)
    assert next_state(TicketState.RECEIVED, Action.RECORD_OUTCOME, desk, ReportType.ASPIRATION) is TicketState.CLOSED
    assert next_state(TicketState.RECEIVED, Action.RECORD_OUTCOME, frozenset({Role.CAMAT}),
                      ReportType.ASPIRATION) is TicketState.CLOSED
    with pytest.raises(IllegalTransition):
        next_state(TicketState.RECEIVED, Action.RECORD_OUTCOME, desk, ReportType.COMPLAINT)
    asked = next_state(TicketState.RECEIVED, Action.ANSWER, desk, ReportType.INFO)
    citizen = frozenset({Role.CITIZEN})
    assert asked is TicketState.RESOLVED
    assert next_state(asked, Action.REPORT_NOT_FIXED, citizen, ReportType.INFO) is TicketState.RECEIVED
    assert next_state(asked, Action.CONFIRM_FIXED, citizen, ReportType.INFO) is TicketState.CLOSED


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
