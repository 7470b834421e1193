"""The ticket lifecycle: every state, every action, who may take it and where it leads.

Everything that affects a ticket's state lives in the tables below. An action that is not listed
for a state is illegal there; an actor whose roles are not listed for an action may not take it;
some actions are the reporter's or the assignee's own. `decide` is the one function that applies
them all (and reads `core.domain.notices` for who hears of it); the cards' buttons (`offered`) and
the scheduler's scan (`REMINDABLE`) are readings of the same tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from core.domain.errors import NotAssignee, NotYourTicket, Refused

if TYPE_CHECKING:
    from core.domain.notices import Owed


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
    AGENCY_ACCEPT = "agency_accept"  # the agency a case was forwarded to takes it (Terima)
    RETURN = "return_to_kecamatan"  # the agency gives it back (or the desk takes it back), with a reason
    AGENCY_UPDATE = "agency_update"  # the desk records what an agency without a group said (a reference, news)
    AGENCY_ANSWER = "agency_answer"  # the desk records an agency's final answer (it has no group to say it)
    RECORD_OUTCOME = "record_outcome"  # an aspiration's outcome: noted for Musrenbang, passed on, planned
    ANSWER = "answer"  # the desk answers a request for information


class Role(StrEnum):
    """What an actor is. Staff hold one or more of the first six; `admin` may do what any staff of its
    kecamatan may, `kabupaten_admin` the same in every kecamatan; `inspektorat` (the Bupati's office, the
    Inspektorat) reads and escalates. `agency` is whoever acts in an agency's group, for that agency."""

    VERIFIER = "verifier"
    OFFICER = "officer"
    CAMAT = "camat"
    ADMIN = "admin"
    KABUPATEN_ADMIN = "kabupaten_admin"
    INSPECTOR = "inspektorat"
    AGENCY = "agency"
    CITIZEN = "citizen"
    SYSTEM = "system"


STAFF_ROLES = frozenset({Role.VERIFIER, Role.OFFICER, Role.CAMAT, Role.ADMIN, Role.KABUPATEN_ADMIN, Role.INSPECTOR})
KABUPATEN_ROLES = frozenset({Role.KABUPATEN_ADMIN, Role.INSPECTOR})  # roles that reach every kecamatan

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
    S.FORWARDED: {  # with an agency: its own stage, clock and escalation, until it answers or gives it back
        A.AGENCY_ACCEPT: S.FORWARDED,
        A.ADD_PROGRESS: S.FORWARDED,
        A.RESOLVE: S.RESOLVED,
        A.RETURN: S.RECEIVED,
        A.AGENCY_UPDATE: S.FORWARDED,
        A.AGENCY_ANSWER: S.RESOLVED,
        A.ASK_CITIZEN: S.FORWARDED,
        A.CITIZEN_ANSWERS: S.FORWARDED,
        A.ESCALATE: S.FORWARDED,
        A.EXTEND_DEADLINE: S.FORWARDED,
        A.REASSIGN: S.IN_PROGRESS,
        A.CLOSE: S.CLOSED,
    },
    S.REJECTED: {},
    S.DUPLICATE: {},
    S.CANCELLED: {},
}

class ReportType(StrEnum):
    """What a report asks for: field work, a say in planning, or an answer. Each has its own path."""

    COMPLAINT = "complaint"
    ASPIRATION = "aspiration"
    INFO = "info"


# A type's path where it differs from a complaint's (TRANSITIONS): per state, the actions it has instead.
# An aspiration is not field work: the desk (or the camat) records its outcome, no after-photo, and the
# citizen rates it; declined, it is rejected with a reason and rated too (the notices' BY_TYPE words it). A
# request for information is answered by the desk; the citizen says it answered the question (closed) or asks
# again (back to the desk).
_SHARED = {A.REJECT: S.REJECTED, A.MARK_DUPLICATE: S.DUPLICATE, A.ASK_CITIZEN: S.RECEIVED,
           A.CITIZEN_ANSWERS: S.RECEIVED, A.CORRECT: S.RECEIVED, A.ESCALATE: S.RECEIVED,
           A.EXTEND_DEADLINE: S.RECEIVED, A.CLOSE: S.CLOSED, A.CANCEL: S.CANCELLED}
PATHS: dict[str, dict[TicketState, dict[Action, TicketState]]] = {
    ReportType.ASPIRATION: {S.RECEIVED: {A.RECORD_OUTCOME: S.CLOSED, **_SHARED}, S.REJECTED: {A.RATE: S.REJECTED}},
    ReportType.INFO: {
        S.RECEIVED: {A.ANSWER: S.RESOLVED, **_SHARED},
        S.RESOLVED: {A.CONFIRM_FIXED: S.CLOSED, A.REPORT_NOT_FIXED: S.RECEIVED, A.RATE: S.RESOLVED,
                     A.AUTO_CLOSE: S.CLOSED, A.CLOSE: S.CLOSED},
    },
}


def transitions(report_type: str, state: TicketState) -> dict[Action, TicketState]:
    """The actions a ticket of `report_type` has in `state`, and where each leads."""
    return PATHS.get(report_type, {}).get(state, TRANSITIONS[state])


_ADMINS = frozenset({Role.ADMIN, Role.KABUPATEN_ADMIN})
_DESK = frozenset({Role.VERIFIER}) | _ADMINS
_FIELD = frozenset({Role.OFFICER}) | _ADMINS
_CAMAT = frozenset({Role.CAMAT}) | _ADMINS
_AGENCY = frozenset({Role.AGENCY})
_CITIZEN = frozenset({Role.CITIZEN})
# Who manages a kecamatan's staff (approves or refuses a /daftar, gives roles and desa, deactivates), in the
# console and in Telegram alike: its admins, and the camat who heads the office (kabupaten admins: everywhere).
STAFF_MANAGERS = _CAMAT
# Who marks a case's own photos public (core/usecases/publicity.py): someone at the desk who has looked at them,
# or the camat or an admin over it.
PHOTO_MARKERS = _DESK | _CAMAT
# Who reads the kecamatan's digest on demand (/ringkasan): the camat and admins, and the Inspektorat, who reads
# and escalates.
DIGEST_READERS = _CAMAT | {Role.INSPECTOR}
# Who takes the figures and the exports of a kecamatan where they hold the role (console/export.py; kabupaten
# roles take every kecamatan's), and who takes its Musrenbang list.
EXPORTERS = _DESK | _CAMAT
MUSRENBANG_KEEPERS = _CAMAT

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
    A.ADD_PROGRESS: _FIELD | _AGENCY,
    A.RESOLVE: _FIELD | _AGENCY,
    A.CONFIRM_FIXED: _CITIZEN,
    A.REPORT_NOT_FIXED: _CITIZEN,
    A.RATE: _CITIZEN,
    A.CLOSE: _CAMAT,
    A.AUTO_CLOSE: frozenset({Role.SYSTEM}),
    A.ESCALATE: frozenset({Role.SYSTEM, Role.INSPECTOR}) | _CAMAT,
    A.EXTEND_DEADLINE: _CAMAT,
    A.REASSIGN: _CAMAT,
    A.CANCEL: _CITIZEN,
    A.CORRECT: _DESK,
    A.AGENCY_ACCEPT: _AGENCY,
    A.RETURN: _AGENCY | _DESK | _CAMAT,
    A.AGENCY_UPDATE: _DESK,
    A.AGENCY_ANSWER: _DESK,
    A.RECORD_OUTCOME: _DESK | _CAMAT,
    A.ANSWER: _DESK,
}

OPEN_STATES = frozenset({S.RECEIVED, S.VERIFIED, S.IN_PROGRESS, S.RESOLVED, S.FORWARDED})
# The cases an officer holds and still has to work on: their workload (reassign menu, digest, suggestions).
OFFICER_LOAD = frozenset({S.IN_PROGRESS})


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
# Actions an agency takes only on a case forwarded to it (`Snapshot.agency`).
AGENCY_WORK = frozenset({A.AGENCY_ACCEPT, A.ADD_PROGRESS, A.RESOLVE, A.RETURN})
# What the desk records for an agency that has no group; one with a group says it itself.
DESK_RECORDS = frozenset({A.AGENCY_UPDATE, A.AGENCY_ANSWER})
# Where a case with an agency goes instead of the table's state: a "not fixed" goes back to the agency.
AGENCY_ROUTES: dict[tuple[TicketState, Action], TicketState] = {(S.RESOLVED, A.REPORT_NOT_FIXED): S.FORWARDED}


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


class NotTheAgency(Refused):
    """An agency acting on a case that is not (or no longer) forwarded to it."""

    code = "error.not_agency_case"


class AgencyAnswers(Refused):
    """The desk recording an answer for an agency that has its own group (it answers there itself)."""

    code = "error.agency_answers"


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
    return not roles & (free | _CAMAT)


def next_state(state: TicketState, action: Action, roles: frozenset[Role],
               report_type: str = ReportType.COMPLAINT.value) -> TicketState:
    """The state `action` leads to from `state` for `roles`, or raise (the tables alone, no ticket)."""
    if not may(roles, action):
        raise NotAllowed(action, roles)
    try:
        return transitions(report_type, state)[action]
    except KeyError:
        raise IllegalTransition(state, action) from None


# -- decide: everything a use case needs to know about one action on one ticket -------------------


class Party(Protocol):
    """Who acts, as `decide` reads them (`core.domain.people.Actor` is one)."""

    @property
    def kind(self) -> str: ...
    @property
    def id(self) -> int | None: ...
    @property
    def roles(self) -> frozenset[Role]: ...
    @property
    def agency(self) -> str | None: ...


@dataclass(frozen=True)
class Snapshot:
    """What `decide` reads of a ticket (taken under its lock). `assignee` (the holder's name) is only
    needed to word a refusal; `decide` asks for it through `Decision.needs_holder`."""

    state: TicketState
    number: str = ""
    reporter_id: int | None = None
    assignee_id: int | None = None
    assignee: str = ""
    agency: str | None = None  # the agency the case is forwarded to (its code)
    agency_holder: str | None = None  # who at the agency took it (None: not taken yet)
    agency_has_group: bool = False  # the agency works in its own Telegram group
    report_type: str = ReportType.COMPLAINT.value  # whose path it follows (PATHS)


class Clock(StrEnum):
    """What an action does to the stage clock (the deadline and the escalation level)."""

    KEEP = "keep"  # the stage runs on
    RESTART = "restart"  # a new stage (or a new officer on it): full time from now, level 0
    EXTEND = "extend"  # the same stage, `days` more from its deadline (or now), level 0
    RAISE = "raise"  # the escalation level goes up to the event's `level`


# Actions whose clock is not "restart when the state changes, else keep".
CLOCKS: dict[Action, Clock] = {
    A.REASSIGN: Clock.RESTART,  # the new officer gets the full resolve time
    A.EXTEND_DEADLINE: Clock.EXTEND,
    A.ESCALATE: Clock.RAISE,
}


@dataclass(frozen=True)
class Decision:
    """`decide`'s answer: the refusal, or the new state, the clock and the notices owed."""

    action: Action
    old: TicketState
    new: TicketState
    refusal: Refused | None = None
    clock: Clock = Clock.KEEP
    notices: Owed | None = None  # None when refused: a refusal tells no one
    needs_holder: bool = False  # the refusal names whoever holds the ticket: decide again with `assignee`

    @property
    def allowed(self) -> bool:
        return self.refusal is None

    def check(self) -> Decision:
        """This decision, or raise its refusal (nothing has changed)."""
        if self.refusal is not None:
            raise self.refusal
        return self


def decide(snapshot: Snapshot, action: Action, actor: Party, data: dict[str, Any] | None = None) -> Decision:
    """Whether `actor` may take `action` on the ticket as it is, and what follows. No I/O.

    Checks in this order: the role table, the party (the reporter's own actions, the assignee's own
    work), the state table, then the agency's (its own cases only; the desk records only for an agency
    without a group; one of its members takes a case); the first that fails is the refusal. `data` is the event's (an
    escalation's level, a correction's "sla_changed"): some notices depend on it.
    """
    from core.domain.notices import owed  # the notices table is written in this module's words

    state = snapshot.state

    def refused(refusal: Refused, needs_holder: bool = False) -> Decision:
        return Decision(action, state, state, refusal, needs_holder=needs_holder)

    if not may(actor.roles, action):
        return refused(NotAllowed(action, actor.roles))
    if action in REPORTER_ONLY and not (actor.kind == "citizen" and actor.id == snapshot.reporter_id):
        return refused(NotYourTicket(number=snapshot.number))
    mine = snapshot.assignee_id is not None and snapshot.assignee_id == actor.id
    if must_be_assignee(action, actor.roles) and not mine:
        if state is TicketState.IN_PROGRESS:
            return refused(NotAssignee(number=snapshot.number, by=snapshot.assignee), needs_holder=True)
        return refused(IllegalTransition(state, action))
    new = transitions(snapshot.report_type, state).get(action)
    if new is None:
        if action is Action.ACCEPT and snapshot.assignee_id is not None:
            return refused(AlreadyTaken(state, action, by=snapshot.assignee), needs_holder=True)
        return refused(IllegalTransition(state, action))
    theirs = bool(snapshot.agency) and actor.agency == snapshot.agency
    if action in AGENCY_WORK and Role.AGENCY in actor.roles and not theirs:
        return refused(NotTheAgency(number=snapshot.number))
    if action in DESK_RECORDS and snapshot.agency_has_group:
        return refused(AgencyAnswers(number=snapshot.number))
    if action is Action.AGENCY_ACCEPT and snapshot.agency_holder:
        return refused(AlreadyTaken(state, action, by=snapshot.agency_holder))
    if snapshot.agency:
        new = AGENCY_ROUTES.get((state, action), new)
    clock = CLOCKS.get(action, Clock.RESTART if new != state else Clock.KEEP)
    return Decision(action, state, new, clock=clock, notices=owed(action, new, data, snapshot.report_type))


# -- the staff chats: which roles work in each (what a card there may offer) ---------------------


class Chat(StrEnum):
    """The staff chats a ticket's card lives in."""

    DESK = "desk"
    FIELD = "field"
    CAMAT = "camat"  # the camat's private chat with the bot
    AGENCY = "agency"  # the group of the agency the case is forwarded to
    KABUPATEN = "kabupaten"  # the kabupaten's chat: escalations past the camat


# Admin may act anywhere but works in no chat of its own, so it adds no button to any card.
CHAT_ROLES: dict[Chat, frozenset[Role]] = {
    Chat.DESK: frozenset({Role.VERIFIER}),
    Chat.FIELD: frozenset({Role.OFFICER}),
    Chat.CAMAT: frozenset({Role.CAMAT}),
    Chat.AGENCY: frozenset({Role.AGENCY}),
    Chat.KABUPATEN: frozenset({Role.KABUPATEN_ADMIN}),
}


@dataclass(frozen=True)
class _Member:
    """A chat's member as `decide` sees them: a role, and the ticket's assignee when it has one."""

    roles: frozenset[Role]
    id: int | None
    kind: str = "staff"
    agency: str | None = None


def offered(snapshot: Snapshot, action: Action, chat: Chat) -> bool:
    """Whether some role in `chat` may take `action` on the ticket now (so its card shows the button)."""
    members = (_Member(frozenset({role}), snapshot.assignee_id, agency=snapshot.agency) for role in CHAT_ROLES[chat])
    return any(decide(snapshot, action, member).allowed for member in members)


def assignable(roles: Iterable[str]) -> bool:
    """Whether staff holding `roles` may hold a ticket (be reassigned one): those who may accept one."""
    return bool(set(roles) & ALLOWED_ROLES[Action.ACCEPT])  # a Role equals its value


# States in which the scheduler reminds and escalates: those an escalation may be taken in.
REMINDABLE = frozenset(s for s, actions in TRANSITIONS.items() if Action.ESCALATE in actions)
