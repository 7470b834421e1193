"""Every (state, action) pair of the lifecycle table, through the real use cases on a real database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import update

from core.context import Context
from core.db.models import Ticket
from core.domain.errors import Refused
from core.domain.lifecycle import (
    AGENCY_WORK,
    ALLOWED_ROLES,
    ASSIGNEE_ONLY,
    PATHS,
    TRANSITIONS,
    Action,
    IllegalTransition,
    ReportType,
    Role,
    transitions,
)
from core.domain.lifecycle import TicketState as S
from core.domain.people import Actor
from core.domain.reports import Outcome
from core.usecases import agency, citizen, corrections, desk, field, oversight
from tests.core.story import PHOTO, Cast, cast, force_state, report, snapshot, ticket

A = Action
Call = Callable[[Context, Actor, int, Cast], Awaitable[object]]


async def _duplicate(ctx: Context, who: Actor, tid: int, people: Cast) -> object:
    original = await report(ctx, people.neighbour, "Lampu mati juga")
    return await desk.mark_duplicate(ctx, who, tid, original)


# How each action is taken, and by whom when the test does not say.
CALLS: dict[Action, tuple[str, Call]] = {
    A.VERIFY: ("verifier", lambda c, w, t, p: desk.verify_ticket(c, w, t)),
    A.REJECT: ("verifier", lambda c, w, t, p: desk.reject_ticket(c, w, t, "Spam / bukan laporan")),
    A.MARK_DUPLICATE: ("verifier", _duplicate),
    A.FORWARD: ("verifier", lambda c, w, t, p: desk.forward_ticket(c, w, t, "pln", "REF-1")),
    A.ASK_CITIZEN: ("verifier", lambda c, w, t, p: desk.ask_citizen(c, w, t, "Di RT berapa?")),
    A.CITIZEN_ANSWERS: ("reporter", lambda c, w, t, p: citizen.citizen_answers(c, w, t, "RT 02")),
    A.ACCEPT: ("officer", lambda c, w, t, p: field.accept_ticket(c, w, t)),
    A.RELEASE: ("officer", lambda c, w, t, p: field.release_ticket(c, w, t)),
    A.ADD_PROGRESS: ("officer", lambda c, w, t, p: field.add_progress(c, w, t, "Sedang dicek")),
    A.RESOLVE: ("officer", lambda c, w, t, p: field.resolve_ticket(c, w, t, "Lampu diganti", (PHOTO,))),
    A.CONFIRM_FIXED: ("reporter", lambda c, w, t, p: citizen.confirm_fixed(c, w, t)),
    A.REPORT_NOT_FIXED: ("reporter", lambda c, w, t, p: citizen.report_not_fixed(c, w, t, "Masih mati")),
    A.RATE: ("reporter", lambda c, w, t, p: citizen.rate_ticket(c, w, t, 5)),
    A.CLOSE: ("camat", lambda c, w, t, p: oversight.close_ticket(c, w, t, "Selesai di lapangan")),
    A.AUTO_CLOSE: ("system", lambda c, w, t, p: oversight.auto_close_ticket(c, w, t)),
    A.ESCALATE: ("system", lambda c, w, t, p: oversight.escalate_ticket(c, w, t, 1)),
    A.EXTEND_DEADLINE: ("camat", lambda c, w, t, p: oversight.extend_deadline(c, w, t, 3)),
    A.REASSIGN: ("camat", lambda c, w, t, p: oversight.reassign_ticket(c, w, t, p.officer2.id or 0)),
    A.CANCEL: ("reporter", lambda c, w, t, p: citizen.cancel_ticket(c, w, t)),
    A.CORRECT: ("verifier", lambda c, w, t, p: corrections.correct_ticket(c, w, t, category="sampah")),
    A.AGENCY_ACCEPT: ("agency", lambda c, w, t, p: agency.agency_accept(c, w, t)),
    A.RETURN: ("agency", lambda c, w, t, p: agency.return_to_kecamatan(c, w, t, "Bukan jaringan PLN")),
    A.AGENCY_UPDATE: ("verifier", lambda c, w, t, p: agency.record_agency_update(c, w, t, "Rujukan PLN-77")),
    A.AGENCY_ANSWER: ("verifier", lambda c, w, t, p: agency.record_agency_answer(c, w, t, "Kabel diganti")),
    A.RECORD_OUTCOME: ("verifier", lambda c, w, t, p: desk.record_outcome(c, w, t, Outcome.TO_DESA)),
    A.ANSWER: ("verifier", lambda c, w, t, p: desk.answer_info(c, w, t, "KTP keliling tiap Senin di kantor desa")),
}
# With an agency, its own work is the agency's to take.
BY_AGENCY = {A.ADD_PROGRESS, A.RESOLVE}


def test_every_action_has_a_use_case_and_roles() -> None:
    assert set(CALLS) == set(Action) == set(ALLOWED_ROLES)
    assert set(TRANSITIONS) == set(S)


async def _ticket_in(ctx: Context, people: Cast, state: S, kind: ReportType = ReportType.COMPLAINT) -> int:
    tid = await report(ctx, people.reporter)
    assigned = state in (S.IN_PROGRESS, S.RESOLVED)
    await force_state(ctx, tid, state, assignee=people.officer if assigned else None)
    if kind is not ReportType.COMPLAINT:
        async with ctx.sessions.begin() as session:
            await session.execute(update(Ticket).where(Ticket.id == tid).values(report_type=kind.value))
    return tid


def first_place(action: Action) -> tuple[ReportType, S]:
    """The first report type and state whose path has `action` (a complaint's, when it has it)."""
    return next((k, s) for k in ReportType for s in S if action in transitions(k, s))


# Every state of a complaint's path, and the states where another type's path differs.
PLACES = [(s, ReportType.COMPLAINT) for s in S] + [(s, k) for k, path in PATHS.items() for s in path]


@pytest.mark.parametrize(("state", "kind"), PLACES)
async def test_each_action_from_state(ctx: Context, state: S, kind: ReportType) -> None:
    people = await cast(ctx)
    for action, (who, call) in CALLS.items():
        who = "agency" if state is S.FORWARDED and action in BY_AGENCY else who
        tid = await _ticket_in(ctx, people, state, kind)
        before = await snapshot(ctx, tid)
        expected = transitions(kind, state).get(action)
        if expected is None:
            with pytest.raises(IllegalTransition):
                await call(ctx, getattr(people, who), tid, people)
            assert await snapshot(ctx, tid) == before, f"{action} from {state} changed something"
        else:
            await call(ctx, getattr(people, who), tid, people)
            after = await ticket(ctx, tid)
            assert after.state == expected, f"{action} from {state}"
            _, events, outbox = await snapshot(ctx, tid)
            assert events > before[1] and outbox > before[2], f"{action} from {state} left no audit or outbox"


ACTOR_ROLES = {
    "verifier": Role.VERIFIER, "officer": Role.OFFICER, "camat": Role.CAMAT, "admin": Role.ADMIN,
    "kabupaten_admin": Role.KABUPATEN_ADMIN, "inspektorat": Role.INSPECTOR, "agency": Role.AGENCY,
    "reporter": Role.CITIZEN, "system": Role.SYSTEM,
}


@pytest.mark.parametrize("action", list(Action))
async def test_who_may_take_each_action(ctx: Context, action: Action) -> None:
    people = await cast(ctx)
    # An action bound to the assignee is tried where there is one: in progress, the officer's; an agency's
    # work on a case forwarded to it.
    kind, first = (ReportType.COMPLAINT, S.IN_PROGRESS) if action in ASSIGNEE_ONLY else first_place(action)
    _, call = CALLS[action]
    for who, role in ACTOR_ROLES.items():
        state = S.FORWARDED if who == "agency" and action in AGENCY_WORK else first
        tid = await _ticket_in(ctx, people, state, kind)
        actor = getattr(people, who)
        if action in ASSIGNEE_ONLY and who == "officer":
            assert (await ticket(ctx, tid)).assignee_id == actor.id
        before = await snapshot(ctx, tid)
        if role in ALLOWED_ROLES[action]:
            await call(ctx, actor, tid, people)
        else:
            with pytest.raises(Refused):
                await call(ctx, actor, tid, people)
            assert await snapshot(ctx, tid) == before, f"{who} refused {action} but something changed"
