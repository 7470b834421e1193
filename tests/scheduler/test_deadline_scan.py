"""The deadline scan on a real database: each SLA stage, reminder then escalation once, recomputation."""

from __future__ import annotations

from core.context import Context
from core.deadline_scan import due_tickets
from core.domain.lifecycle import TicketState
from core.usecases import desk, field, oversight
from scheduler import scan_deadlines
from tests.conftest import Clock
from tests.core.story import PHOTO, cast, outbox, report, ticket
from tests.scheduler.conftest import escalations, wita


async def test_verify_stage_reminds_in_the_desk_then_escalates_to_the_camat_once(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)  # Monday 09.00; street light: verify within 2 working hours
    assert (await ticket(ctx, tid)).stage_deadline_at == wita("2026-11-23 11:00")

    clock.now = wita("2026-11-23 10:59")
    assert (await scan_deadlines(ctx)).due == 0
    clock.now = wita("2026-11-23 11:01")
    first = await scan_deadlines(ctx)
    assert first.reminded == [tid] and first.escalated == []
    assert (await scan_deadlines(ctx)).reminded == []  # the next tick: nothing new
    clock.now = wita("2026-11-23 11:59")
    assert await scan_deadlines(ctx) == type(first)(due=1)
    clock.now = wita("2026-11-23 12:00")
    assert (await scan_deadlines(ctx)).escalated == [tid]
    clock.now = wita("2026-11-23 15:00")
    assert (await scan_deadlines(ctx)).due == 0  # fully escalated: no longer read by the scan

    assert await escalations(ctx, tid) == [1, 2]
    cards = [m for m in await outbox(ctx, tid) if m.data.get("action") == "escalate"]
    assert [(m.channel, m.recipient, m.kind, m.data["level"]) for m in cards] == [
        ("telegram", f"ticket:{tid}", "ticket.changed", 1), ("telegram", f"ticket:{tid}", "ticket.changed", 2)]
    assert cards[0].data["stage"] == "verify" and cards[0].data["group"] == "desk"
    assert cards[0].data["overdue_minutes"] == 1 and cards[1].data["overdue_minutes"] == 60
    assert (await ticket(ctx, tid)).escalation_level == 2


async def test_accept_and_resolve_stages_each_get_their_own_reminder_and_escalation(
        ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    await desk.verify_ticket(ctx, people.verifier, tid)  # accept within 4 working hours: 13.00
    clock.now = wita("2026-11-23 13:01")
    assert (await scan_deadlines(ctx)).reminded == [tid]
    clock.now = wita("2026-11-23 14:00")
    assert (await scan_deadlines(ctx)).escalated == [tid]

    await field.accept_ticket(ctx, people.officer, tid)  # resolve within 3 working days: Thursday 14.00
    accepted = await ticket(ctx, tid)
    assert accepted.escalation_level == 0 and accepted.stage_deadline_at == wita("2026-11-26 14:00")
    clock.now = wita("2026-11-26 14:01")
    result = await scan_deadlines(ctx)
    assert result.reminded == [tid]
    clock.now = wita("2026-11-26 15:00")
    assert (await scan_deadlines(ctx)).escalated == [tid]
    assert await escalations(ctx, tid) == [1, 2, 1, 2]
    stages = [m.data["stage"] for m in await outbox(ctx, tid) if m.data.get("action") == "escalate"]
    assert stages == ["accept", "accept", "resolve", "resolve"]

    await field.resolve_ticket(ctx, people.officer, tid, "Lampu diganti", (PHOTO,))
    clock.advance(days=10)
    assert (await scan_deadlines(ctx)).due == 0  # the confirm stage is auto-closed, not escalated


async def test_a_public_holiday_moves_the_deadline_and_the_reminder(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    clock.now = wita("2026-12-23 15:00")  # Wednesday; 24 Dec cuti bersama, 25 Dec Christmas
    tid = await report(ctx, people.reporter)
    assert (await ticket(ctx, tid)).stage_deadline_at == wita("2026-12-26 08:30")
    clock.now = wita("2026-12-25 12:00")
    assert (await scan_deadlines(ctx)).due == 0
    clock.now = wita("2026-12-26 08:31")
    assert (await scan_deadlines(ctx)).reminded == [tid]


async def test_an_extension_restarts_the_ladder_on_the_new_deadline(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    clock.now = wita("2026-11-23 12:00")
    assert (await scan_deadlines(ctx)).escalated == [tid]  # straight to the camat: an hour late already
    await oversight.extend_deadline(ctx, people.camat, tid, 1)
    extended = await ticket(ctx, tid)
    assert extended.stage_deadline_at == wita("2026-11-24 12:00") and extended.escalation_level == 0
    clock.now = wita("2026-11-24 11:59")
    assert (await scan_deadlines(ctx)).due == 0
    clock.now = wita("2026-11-24 12:01")
    assert (await scan_deadlines(ctx)).reminded == [tid]
    assert await escalations(ctx, tid) == [2, 1]


async def test_reassignment_starts_the_new_officer_clock(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    await desk.verify_ticket(ctx, people.verifier, tid)
    clock.now = wita("2026-11-23 13:30")
    assert (await scan_deadlines(ctx)).reminded == [tid]  # nobody accepted within 4 hours
    await oversight.reassign_ticket(ctx, people.camat, tid, people.officer2.id or 0)
    moved = await ticket(ctx, tid)
    assert moved.state == TicketState.IN_PROGRESS and moved.escalation_level == 0
    assert moved.stage_deadline_at == wita("2026-11-26 13:30")
    assert (await scan_deadlines(ctx)).due == 0
    clock.now = wita("2026-11-26 13:31")
    assert (await scan_deadlines(ctx)).reminded == [tid]


async def test_a_stage_that_moved_on_after_the_scan_read_it_is_left_alone(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    clock.now = wita("2026-11-23 11:30")
    [seen] = await due_tickets(ctx, clock.now)
    await desk.verify_ticket(ctx, people.verifier, tid)  # the desk acts between the read and the lock
    assert not await oversight.escalate_ticket(ctx, people.system, tid, 1, due_at=seen.deadline)
    assert await escalations(ctx, tid) == []


async def test_quiet_hours_hold_reminders_until_morning_but_not_safety_escalations(
        ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    light = await report(ctx, people.reporter)  # due 11.00, to the camat at 12.00
    clock.now = wita("2026-11-23 22:00")
    tree = await report(ctx, people.neighbour, "Pohon tumbang menutup jalan", category="pohon")  # 30 min, clock time
    assert (await ticket(ctx, tree)).stage_deadline_at == wita("2026-11-23 22:30")

    clock.now = wita("2026-11-23 22:00")
    held = await scan_deadlines(ctx)  # the scheduler was down all afternoon; now it is quiet time
    assert held.reminded == held.escalated == [] and held.held == 1
    clock.now = wita("2026-11-23 22:31")
    assert (await scan_deadlines(ctx)).reminded == []  # the tree's reminder waits too
    clock.now = wita("2026-11-23 23:30")
    assert (await scan_deadlines(ctx)).escalated == [tree]  # but a safety escalation goes out at night
    clock.now = wita("2026-11-24 06:00")
    assert (await scan_deadlines(ctx)).escalated == [light]  # the held one, once, in the morning
    assert await escalations(ctx, light) == [2] and await escalations(ctx, tree) == [2]
