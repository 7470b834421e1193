"""The use cases' own rules beyond the lifecycle table: parties, proof, details, notifications."""

from __future__ import annotations

import pytest

from core.context import Context
from core.domain.errors import InvalidInput, MissingDetails, NotAssignee, NotYourTicket, ProofRequired
from core.domain.lifecycle import IllegalTransition, TicketState
from core.domain.reports import AttachmentKind, NewAttachment
from core.profile import Profile
from core.usecases import citizen, desk, field, oversight
from core.usecases.citizen import TooManyReports
from tests.core.story import PHOTO, cast, outbox, report, snapshot, ticket


async def test_the_whole_journey_tells_the_citizen_every_step(ctx: Context) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    await desk.verify_ticket(ctx, people.verifier, tid)
    await field.accept_ticket(ctx, people.officer, tid)
    await field.add_progress(ctx, people.officer, tid, "Sedang dicek", (PHOTO,))
    await field.resolve_ticket(ctx, people.officer, tid, "Lampu sudah diganti", (PHOTO,))
    await citizen.confirm_fixed(ctx, people.reporter, tid)
    await citizen.rate_ticket(ctx, people.reporter, tid, 5)

    done = await ticket(ctx, tid)
    assert done.state == TicketState.CLOSED and done.rating == 5 and done.closed_at is not None
    to_citizen = [m.kind for m in await outbox(ctx, tid) if m.channel == "whatsapp"]
    assert to_citizen == ["ticket.received", "ticket.verified", "ticket.accepted", "ticket.progress",
                          "ticket.resolved", "ticket.closed", "ticket.rated"]
    cards = [m for m in await outbox(ctx, tid) if m.channel == "telegram"]
    assert len(cards) == 7 and all(m.recipient == f"ticket:{tid}" for m in cards)
    assert cards[-1].data["number"] == done.number


async def test_second_tap_on_a_handled_ticket_changes_nothing(ctx: Context) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    await desk.verify_ticket(ctx, people.verifier, tid)
    before = await snapshot(ctx, tid)
    with pytest.raises(IllegalTransition) as refused:
        await desk.verify_ticket(ctx, people.admin, tid)
    assert refused.value.params["state"] == TicketState.VERIFIED
    assert await snapshot(ctx, tid) == before


async def test_only_the_reporter_confirms_and_only_the_assignee_resolves(ctx: Context) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    await desk.verify_ticket(ctx, people.verifier, tid)
    await field.accept_ticket(ctx, people.officer, tid)
    with pytest.raises(NotAssignee) as refused:
        await field.resolve_ticket(ctx, people.officer2, tid, "Beres", (PHOTO,))
    assert refused.value.params["by"] == "Baso Petugas"
    await field.resolve_ticket(ctx, people.officer, tid, "Beres", (PHOTO,))
    with pytest.raises(NotYourTicket):
        await citizen.confirm_fixed(ctx, people.neighbour, tid)


async def test_resolve_needs_a_photo_and_a_note(ctx: Context) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    await desk.verify_ticket(ctx, people.verifier, tid)
    await field.accept_ticket(ctx, people.officer, tid)
    voice = NewAttachment(AttachmentKind.VOICE, "telegram", "voice-1")
    for note, files in (("Beres", ()), ("", (PHOTO,)), ("Beres", (voice,))):
        with pytest.raises(ProofRequired):
            await field.resolve_ticket(ctx, people.officer, tid, note, files)
    assert (await ticket(ctx, tid)).state == TicketState.IN_PROGRESS


async def test_verify_asks_for_missing_category_and_desa(ctx: Context) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter, category=None, desa=None)
    with pytest.raises(MissingDetails) as refused:
        await desk.verify_ticket(ctx, people.verifier, tid)
    assert refused.value.params["fields"] == ["category", "desa"]
    with pytest.raises(InvalidInput):
        await desk.verify_ticket(ctx, people.verifier, tid, category="ufo", desa="Bajeng")
    await desk.verify_ticket(ctx, people.verifier, tid, category="drainase", desa="sombala bella")
    verified = await ticket(ctx, tid)
    assert (verified.category, verified.desa, verified.state) == ("drainase", "Sombala Bella", "verified")


async def test_duplicate_makes_the_reporter_follow_the_original(ctx: Context) -> None:
    people = await cast(ctx)
    original = await report(ctx, people.reporter)
    copy = await report(ctx, people.neighbour, "Lampu di depan masjid mati")
    await desk.mark_duplicate(ctx, people.verifier, copy, original)
    told = [m for m in await outbox(ctx, copy) if m.kind == "ticket.duplicate"]
    assert told[0].data["original_number"] == (await ticket(ctx, original)).number
    await desk.verify_ticket(ctx, people.verifier, original)
    verified = [m.recipient for m in await outbox(ctx, original) if m.kind == "ticket.verified"]
    assert verified == [f"citizen:{people.reporter.id}", f"citizen:{people.neighbour.id}"]


async def test_escalation_levels_happen_once(ctx: Context) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    assert await oversight.escalate_ticket(ctx, people.system, tid, 1)
    assert not await oversight.escalate_ticket(ctx, people.system, tid, 1)
    assert await oversight.escalate_ticket(ctx, people.system, tid, 2)
    assert (await ticket(ctx, tid)).escalation_level == 2


async def test_stage_deadlines_follow_the_category_sla_in_working_time(ctx: Context) -> None:
    people = await cast(ctx)  # Monday 09.00 WITA
    tid = await report(ctx, people.reporter)  # lampu_jalan: verify 2h
    due = (await ticket(ctx, tid)).stage_deadline_at
    assert due is not None and due.astimezone(ctx.profile.zone).strftime("%a %H:%M") == "Mon 11:00"
    await desk.verify_ticket(ctx, people.verifier, tid)  # accept 4h, counted from verification
    accept_due = (await ticket(ctx, tid)).stage_deadline_at
    assert accept_due is not None and accept_due.astimezone(ctx.profile.zone).strftime("%H:%M") == "13:00"


async def test_daily_limit_refuses_politely(ctx: Context, profile: Profile) -> None:
    limited = ctx.__class__(ctx.sessions, profile.model_copy(update={"daily_ticket_limit": 2}), ctx.clock)
    people = await cast(limited)
    await report(limited, people.reporter)
    await report(limited, people.reporter)
    with pytest.raises(TooManyReports) as refused:
        await report(limited, people.reporter)
    assert refused.value.params == {"limit": 2}


async def test_nearby_open_tickets_of_the_same_category(ctx: Context) -> None:
    from core.queries import nearby_open_tickets

    people = await cast(ctx)
    near = await report(ctx, people.reporter, latitude=-5.40000, longitude=119.60000)
    await report(ctx, people.reporter, latitude=-5.40300, longitude=119.60000)  # ~330 m away
    await report(ctx, people.reporter, category="sampah", latitude=-5.40001, longitude=119.60001)
    by_landmark = await report(ctx, people.reporter, latitude=None, longitude=None, desa="Salaka",
                               address="Depan Masjid Nurul Huda")
    found = await nearby_open_tickets(ctx, "lampu_jalan", -5.40050, 119.60050)  # ~78 m from `near`
    assert [t.id for t in found] == [near]
    found = await nearby_open_tickets(ctx, "lampu_jalan", None, None, desa="Salaka", address="depan masjid nurul huda ")
    assert [t.id for t in found] == [by_landmark]
    await desk.reject_ticket(ctx, people.verifier, near, "Spam / bukan laporan")
    assert await nearby_open_tickets(ctx, "lampu_jalan", -5.40050, 119.60050) == []


async def test_submitting_the_same_source_twice_gives_one_ticket(ctx: Context) -> None:
    from core.domain.reports import NewReport
    from core.usecases.citizen import submit_ticket

    people = await cast(ctx)
    report_ = NewReport(description="Sampah menumpuk", category="sampah", desa="Pappa", source_ref="whatsapp:7:0")
    first = await submit_ticket(ctx, people.reporter, report_)
    again = await submit_ticket(ctx, people.reporter, report_)
    assert again == first
    assert len([m for m in await outbox(ctx) if m.kind == "ticket.received"]) == 1
