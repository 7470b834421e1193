"""The ticket lifecycle: every state, every action, who may take it and where it leads.

Everything that affects a ticket's state lives in the two tables below. An action that is not
listed for a state is illegal there; an actor whose roles are not listed for an action may not take
it. `decide` is the one function that applies both tables.
"""

from __future__ import annotations

from enum import StrEnum

from core.domain.errors import Refused


class TicketState(StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    FORWARDED = "forwarded"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Action(StrEnum):
    VERIFY = "verify"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    FORWARD = "forward"
    ASK_CITIZEN = "ask_citizen"
    CITIZEN_ANSWERS = "citizen_answers"
    ACCEPT = "accept"
    RELEASE = "release"
    ADD_PROGRESS = "add_progress"
    RESOLVE = "resolve"
    CONFIRM_FIXED = "confirm_fixed"
    REPORT_NOT_FIXED = "report_not_fixed"
    RATE = "rate"
    CLOSE = "close"
    AUTO_CLOSE = "auto_close"
    ESCALATE = "escalate"
    EXTEND_DEADLINE = "extend_deadline"
    REASSIGN = "reassign"
    CANCEL = "cancel"
    CORRECT = "correct"  # the desk changes the category or desa the citizen picked


class Role(StrEnum):
    """What an actor is. Staff hold one or more of the first four; `admin` may do what any staff may."""

    VERIFIER = "verifier"
    OFFICER = "officer"
    CAMAT = "camat"
    ADMIN = "admin"
    CITIZEN = "citizen"
    SYSTEM = "system"


STAFF_ROLES = frozenset({Role.VERIFIER, Role.OFFICER, Role.CAMAT, Role.ADMIN})

S, A = TicketState, Action

# state -> {action: next state}. Actions that keep the state are listed with the same state.
TRANSITIONS: dict[TicketState, dict[Action, TicketState]] = {
    S.RECEIVED: {
        A.VERIFY: S.VERIFIED,
        A.REJECT: S.REJECTED,
        A.MARK_DUPLICATE: S.DUPLICATE,
        A.FORWARD: S.FORWARDED,
        A.ASK_CITIZEN: S.RECEIVED,
        A.CITIZEN_ANSWERS: S.RECEIVED,
        A.CORRECT: S.RECEIVED,
        A.ESCALATE: S.RECEIVED,
        A.EXTEND_DEADLINE: S.RECEIVED,
        A.CLOSE: S.CLOSED,
        A.CANCEL: S.CANCELLED,
    },
    S.VERIFIED: {
        A.ACCEPT: S.IN_PROGRESS,
        A.REASSIGN: S.IN_PROGRESS,
        A.MARK_DUPLICATE: S.DUPLICATE,
        A.FORWARD: S.FORWARDED,
        A.ASK_CITIZEN: S.VERIFIED,
        A.CITIZEN_ANSWERS: S.VERIFIED,
        A.CORRECT: S.VERIFIED,
        A.ESCALATE: S.VERIFIED,
        A.EXTEND_DEADLINE: S.VERIFIED,
        A.CLOSE: S.CLOSED,
        A.CANCEL: S.CANCELLED,
    },
    S.IN_PROGRESS: {
        A.RELEASE: S.VERIFIED,
        A.ADD_PROGRESS: S.IN_PROGRESS,
        A.RESOLVE: S.RESOLVED,
        A.REASSIGN: S.IN_PROGRESS,
        A.ASK_CITIZEN: S.IN_PROGRESS,
        A.CITIZEN_ANSWERS: S.IN_PROGRESS,
        A.CORRECT: S.IN_PROGRESS,
        A.ESCALATE: S.IN_PROGRESS,
        A.EXTEND_DEADLINE: S.IN_PROGRESS,
        A.CLOSE: S.CLOSED,
    },
    S.RESOLVED: {
        A.CONFIRM_FIXED: S.CLOSED,
        A.REPORT_NOT_FIXED: S.IN_PROGRESS,
        A.RATE: S.RESOLVED,
        A.AUTO_CLOSE: S.CLOSED,
        A.CLOSE: S.CLOSED,
    },
    S.CLOSED: {A.RATE: S.CLOSED},
    S.FORWARDED: {A.CLOSE: S.CLOSED},
    S.REJECTED: {},
    S.DUPLICATE: {},
    S.CANCELLED: {},
}

_DESK = frozenset({Role.VERIFIER, Role.ADMIN})
_FIELD = frozenset({Role.OFFICER, Role.ADMIN})
_CAMAT = frozenset({Role.CAMAT, Role.ADMIN})
_CITIZEN = frozenset({Role.CITIZEN})

# action -> roles that may take it
ALLOWED_ROLES: dict[Action, frozenset[Role]] = {
    A.VERIFY: _DESK,
    A.REJECT: _DESK,
    A.MARK_DUPLICATE: _DESK,
    A.FORWARD: _DESK,
    A.ASK_CITIZEN: _DESK | _FIELD,
    A.CITIZEN_ANSWERS: _CITIZEN,
    A.ACCEPT: _FIELD,
    A.RELEASE: _FIELD | _CAMAT,
    A.ADD_PROGRESS: _FIELD,
    A.RESOLVE: _FIELD,
    A.CONFIRM_FIXED: _CITIZEN,
    A.REPORT_NOT_FIXED: _CITIZEN,
    A.RATE: _CITIZEN,
    A.CLOSE: _CAMAT,
    A.AUTO_CLOSE: frozenset({Role.SYSTEM}),
    A.ESCALATE: frozenset({Role.SYSTEM}) | _CAMAT,
    A.EXTEND_DEADLINE: _CAMAT,
    A.REASSIGN: _CAMAT,
    A.CANCEL: _CITIZEN,
    A.CORRECT: _DESK,
}

OPEN_STATES = frozenset({S.RECEIVED, S.VERIFIED, S.IN_PROGRESS, S.RESOLVED})


# Actions only the ticket's reporter may take, on top of the role table.
REPORTER_ONLY = frozenset({A.CONFIRM_FIXED, A.REPORT_NOT_FIXED, A.RATE, A.CANCEL, A.CITIZEN_ANSWERS})
# action -> the roles that may take it only on a ticket assigned to them. A field officer asks the
# reporter about the case they are working on; the desk asks about any case it may see.
ASSIGNEE_ONLY: dict[Action, frozenset[Role]] = {
    A.RELEASE: frozenset({Role.OFFICER}),
    A.ADD_PROGRESS: frozenset({Role.OFFICER}),
    A.RESOLVE: frozenset({Role.OFFICER}),
    A.ASK_CITIZEN: frozenset({Role.OFFICER}),
}


class IllegalTransition(Refused):
    """The ticket is not in a state where the action applies (often: someone already handled it)."""

    code = "error.illegal_transition"

    def __init__(self, state: TicketState, action: Action) -> None:
        super().__init__(f"cannot {action} a ticket that is {state}", state=state, action=action)
        self.state, self.action = state, action


class AlreadyTaken(IllegalTransition):
    """Someone else accepted the ticket first; `params['by']` names them."""

    code = "error.already_taken"

    def __init__(self, state: TicketState, action: Action, by: str) -> None:
        super().__init__(state, action)
        self.params["by"] = by


class NotAllowed(Refused):
    code = "error.not_allowed"

    def __init__(self, action: Action, roles: frozenset[Role]) -> None:
        super().__init__(f"roles {sorted(roles)} may not {action}", action=action)
        self.action, self.roles = action, roles


def may(roles: frozenset[Role], action: Action) -> bool:
    """Whether an actor holding `roles` may take `action` at all."""
    return bool(roles & ALLOWED_ROLES[action])


def must_be_assignee(action: Action, roles: frozenset[Role]) -> bool:
    """Whether `roles` allow `action` only on the actor's own assignment (camat and admin never need one)."""
    bound = ASSIGNEE_ONLY.get(action)
    if bound is None:
        return False
    free = ALLOWED_ROLES[action] - bound
    return not roles & (free | {Role.ADMIN, Role.CAMAT})


def decide(state: TicketState, action: Action, roles: frozenset[Role]) -> TicketState:
    """The state `action` leads to from `state`, or raise without changing anything."""
    if not may(roles, action):
        raise NotAllowed(action, roles)
    try:
        return TRANSITIONS[state][action]
    except KeyError:
        raise IllegalTransition(state, action) from None
