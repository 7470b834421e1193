"""Kecamatan is the tenant: two kecamatan of the Takalar sample on one database, each acting on its own
cases only. Every use case tried from the other kecamatan is refused, naming whose case it is, and
changes nothing; numbers run per prefix; lists, digests and the deadline scan count one kecamatan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core.context import Context
from core.db.models import HeldReport, Ticket, TicketEvent
from core.deadline_scan import due_tickets
from core.digest import build_digest
from core.domain.errors import OtherKecamatan
from core.domain.lifecycle import Action, TicketState
from core.domain.reports import NewReport, Outcome
from core.queries import list_tickets, ticket_detail
from core.texts import refusal
from core.usecases import agency, citizen, corrections, desk, field, oversight, publicity
from core.usecases.held import Held, HeldNotFound, release_held, submit_or_hold
from scheduler.weekly import weekly_text
from tests.conftest import Clock, in_takalar
from tests.core.story import PHOTO, Cast, cast, force_state, report, snapshot, ticket

S, A = TicketState, Action


@pytest.fixture
def home(ctx: Context) -> Context:
    """Kecamatan Pattallassang of a Takalar install, on the test database and clock."""
    return in_takalar(ctx)


async def _galesong_case(home: Context, people: Cast, category: str = "sampah") -> int:
    galesong = home.at("galesong")
    return (await citizen.submit_ticket(galesong, people.reporter, NewReport(
        description="Sampah menumpuk di pasar", category=category, desa="Boddia"))).ticket_id


Attempt = Callable[[Context, Cast, int, int], Awaitable[Any]]
# Keyed by the lifecycle Action each use case performs (plus other ways to reach a case: following it, the
# agency's progress note): (the state that lets the action through in its own kecamatan, the attempt from
# Pattallassang).
ATTEMPTS: dict[str, tuple[TicketState, Attempt]] = {
    A.VERIFY: (S.RECEIVED, lambda c, p, t, _: desk.verify_ticket(c, p.verifier, t, "sampah", "Boddia")),
    A.REJECT: (S.RECEIVED, lambda c, p, t, _: desk.reject_ticket(c, p.verifier, t, "Spam / bukan laporan")),
    A.MARK_DUPLICATE: (S.RECEIVED, lambda c, p, t, own: desk.mark_duplicate(c, p.verifier, t, own)),
    "duplicate_of": (S.RECEIVED, lambda c, p, t, own: desk.mark_duplicate(c, p.verifier, own, t)),
    A.FORWARD: (S.VERIFIED, lambda c, p, t, _: desk.forward_ticket(c, p.verifier, t, "pupr")),
    A.ASK_CITIZEN: (S.RECEIVED, lambda c, p, t, _: desk.ask_citizen(c, p.verifier, t, "Di mana tepatnya?")),
    A.RECORD_OUTCOME: (S.RECEIVED, lambda c, p, t, _: desk.record_outcome(c, p.verifier, t, Outcome.TO_DESA)),
    A.ANSWER: (S.RECEIVED, lambda c, p, t, _: desk.answer_info(c, p.verifier, t, "Buka jam 8 pagi")),
    A.ACCEPT: (S.VERIFIED, lambda c, p, t, _: field.accept_ticket(c, p.officer, t)),
    A.RELEASE: (S.IN_PROGRESS, lambda c, p, t, _: field.release_ticket(c, p.officer, t)),
    A.ADD_PROGRESS: (S.IN_PROGRESS, lambda c, p, t, _: field.add_progress(c, p.officer, t, "Sedang dikerjakan")),
    A.RESOLVE: (S.IN_PROGRESS, lambda c, p, t, _: field.resolve_ticket(c, p.officer, t, "Sudah bersih", (PHOTO,))),
    A.ESCALATE: (S.VERIFIED, lambda c, p, t, _: oversight.escalate_ticket(c, p.system, t, 1)),
    A.EXTEND_DEADLINE: (S.VERIFIED, lambda c, p, t, _: oversight.extend_deadline(c, p.camat, t, 3)),
    A.REASSIGN: (S.IN_PROGRESS, lambda c, p, t, _: oversight.reassign_ticket(c, p.camat, t, p.officer2.id or 0)),
    A.CLOSE: (S.VERIFIED, lambda c, p, t, _: oversight.close_ticket(c, p.camat, t, "Selesai")),
    A.AUTO_CLOSE: (S.RESOLVED, lambda c, p, t, _: oversight.auto_close_ticket(c, p.system, t)),
    A.CORRECT: (S.VERIFIED, lambda c, p, t, _: corrections.correct_ticket(c, p.verifier, t, category="drainase")),
    "follow": (S.VERIFIED, lambda c, p, t, _: citizen.follow_ticket(c, p.neighbour, t)),
    A.CITIZEN_ANSWERS: (S.RECEIVED, lambda c, p, t, _: citizen.citizen_answers(c, p.reporter, t, "Di depan pasar")),
    A.CONFIRM_FIXED: (S.RESOLVED, lambda c, p, t, _: citizen.confirm_fixed(c, p.reporter, t)),
    A.REPORT_NOT_FIXED: (S.RESOLVED, lambda c, p, t, _: citizen.report_not_fixed(c, p.reporter, t, "Masih ada")),
    A.RATE: (S.CLOSED, lambda c, p, t, _: citizen.rate_ticket(c, p.reporter, t, 5)),
    A.CANCEL: (S.RECEIVED, lambda c, p, t, _: citizen.cancel_ticket(c, p.reporter, t)),
    A.AGENCY_ACCEPT: (S.FORWARDED, lambda c, p, t, _: agency.agency_accept(c, p.agency, t)),
    "agency_progress": (S.FORWARDED, lambda c, p, t, _: field.add_progress(c, p.agency, t, "Sedang dicek")),
    A.RETURN: (S.FORWARDED, lambda c, p, t, _: agency.return_to_kecamatan(c, p.agency, t, "Bukan wewenang")),
    A.AGENCY_UPDATE: (S.FORWARDED, lambda c, p, t, _: agency.record_agency_update(c, p.verifier, t, "Rujukan 7")),
    A.AGENCY_ANSWER: (S.FORWARDED, lambda c, p, t, _: agency.record_agency_answer(c, p.verifier, t, "Sudah")),
    "photos_public": (S.RESOLVED, lambda c, p, t, _: publicity.mark_citizen_photos(c, p.verifier, t, True)),
}
# The Galesong case an attempt needs when a complaint will not do (an aspiration's outcome, an answer).
CATEGORY: dict[str, str] = {A.RECORD_OUTCOME: "aspirasi", A.ANSWER: "informasi"}
NOT_USE_CASES: frozenset[Action] = frozenset()  # lifecycle actions no use case performs (none today)


def test_every_lifecycle_action_is_tried_across_kecamatan() -> None:
    """A new Action needs its attempt above (or a place in NOT_USE_CASES), so isolation stays proven."""
    assert {a for a in Action if a not in ATTEMPTS} == set(NOT_USE_CASES)


@pytest.mark.parametrize("action", sorted(ATTEMPTS))
async def test_every_use_case_refuses_another_kecamatans_case_and_changes_nothing(home: Context,
                                                                                  action: str) -> None:
    people = await cast(home)
    theirs = await _galesong_case(home, people, CATEGORY.get(action, "sampah"))
    own = await report(home, people.neighbour, category="sampah", desa="Bajeng")
    state, attempt = ATTEMPTS[action]
    holder = people.officer if state in (S.IN_PROGRESS, S.RESOLVED) else None
    await force_state(home, theirs, state, holder)
    await force_state(home, own, S.RECEIVED)
    before, before_own = await snapshot(home, theirs), await snapshot(home, own)
    with pytest.raises(OtherKecamatan) as refused:
        await attempt(home, people, theirs, own)
    assert refusal(refused.value) == ("Laporan GLS-000001 milik Kecamatan Galesong, bukan Kecamatan "
                                      "Pattallassang: hanya kecamatan pemiliknya yang dapat menanganinya.")
    assert await snapshot(home, theirs) == before and await snapshot(home, own) == before_own


async def test_lifting_the_limit_on_another_kecamatans_held_report_is_refused_and_files_nothing(
        home: Context) -> None:
    people = await cast(home)
    galesong = home.at("galesong")
    galesong = Context(sessions=galesong.sessions, clock=galesong.clock, outbox=galesong.outbox,
                       kabupaten=galesong.kabupaten,
                       profile=galesong.profile.model_copy(update={"daily_ticket_limit": 1}))
    await _galesong_case(galesong, people)
    kept = await submit_or_hold(galesong, people.reporter, NewReport(
        description="Got tersumbat", category="drainase", desa="Boddia"))
    assert isinstance(kept, Held)
    async with home.sessions() as session:
        before = (await session.get(HeldReport, kept.held_id), await session.scalar(select(func.count(Ticket.id))))
        assert before[0] is not None
        held_before = {c.key: getattr(before[0], c.key) for c in HeldReport.__table__.columns}
    with pytest.raises(HeldNotFound) as refused:
        await release_held(home, people.verifier, kept.held_id)
    assert refusal(refused.value) == "Laporan yang ditahan itu tidak ditemukan."
    async with home.sessions() as session:
        row = await session.get(HeldReport, kept.held_id)
        assert row is not None and {c.key: getattr(row, c.key) for c in HeldReport.__table__.columns} == held_before
        assert await session.scalar(select(func.count(Ticket.id))) == before[1]
    assert (await release_held(galesong, people.verifier, kept.held_id)).number == "GLS-000002"  # the control


async def test_the_same_action_in_its_own_kecamatan_goes_through(home: Context) -> None:
    """The control: the refusals above are the kecamatan's, not the state's or the actor's."""
    people = await cast(home)
    theirs = await _galesong_case(home, people)
    await desk.verify_ticket(home.at("galesong"), people.verifier, theirs, "sampah", "Boddia")
    await field.accept_ticket(home.at("galesong"), people.officer, theirs)
    assert (await ticket(home, theirs)).state == S.IN_PROGRESS.value


async def test_numbers_run_per_prefix(home: Context) -> None:
    people = await cast(home)
    first = await report(home, people.reporter, category="sampah")
    theirs = await _galesong_case(home, people)
    second = await report(home, people.neighbour, category="sampah")
    numbers = [(await ticket(home, t)).number for t in (first, theirs, second)]
    assert numbers == ["PTL-000001", "GLS-000001", "PTL-000002"]
    assert [(await ticket(home, t)).kecamatan for t in (first, theirs)] == ["pattallassang", "galesong"]


async def test_a_desa_of_another_kecamatan_is_not_this_kecamatans(home: Context) -> None:
    people = await cast(home)
    with pytest.raises(Exception, match="unknown desa 'Boddia'"):
        await report(home, people.reporter, category="sampah", desa="Boddia")


async def test_lists_digests_and_the_scan_count_one_kecamatan(home: Context, clock: Clock) -> None:
    people = await cast(home)
    own = await report(home, people.reporter, category="sampah")
    theirs = await _galesong_case(home, people)
    galesong = home.at("galesong")
    assert [r.ticket.id for r in await list_tickets(home)] == [own]
    assert [r.ticket.id for r in await list_tickets(galesong)] == [theirs]
    with pytest.raises(OtherKecamatan):
        await ticket_detail(home, "GLS-000001")
    detail = await ticket_detail(galesong, "gls-000001")
    assert detail is not None and detail.ticket.id == theirs
    clock.advance(days=3)
    assert [d.id for d in await due_tickets(home, home.now())] == [own]
    assert [d.id for d in await due_tickets(galesong, home.now())] == [theirs]
    digest = await build_digest(home)
    assert sum(digest.by_state.values()) == 1 and digest.overdue_total == 1
    assert [o.number for o in digest.overdue] == ["PTL-000001"]
    # the camat's Monday summary: only Pattallassang's category among the most reported
    await citizen.submit_ticket(galesong, people.neighbour, NewReport(
        description="Saluran tersumbat", category="drainase", desa="Boddia"))
    monday = (home.now() + timedelta(days=1)).astimezone(home.profile.zone).date()
    weekly = await weekly_text(home, monday)
    assert "• Sampah: 1" in weekly and "Drainase" not in weekly
    assert "• Drainase / banjir: 1" in await weekly_text(galesong, monday)


async def test_a_kecamatans_events_name_its_own_case(home: Context) -> None:
    people = await cast(home)
    theirs = await _galesong_case(home, people)
    async with home.sessions() as session:
        events = (await session.execute(TicketEvent.__table__.select().where(
            TicketEvent.ticket_id == theirs))).all()
    assert [e.action for e in events] == ["submit"]
