"""Once, across instances and after downtime: two schedulers ticking together, a restart after six hours."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core import metrics
from core.context import Context
from core.db.models import JobRun
from core.deadline_scan import claim_tick
from core.usecases import desk
from scheduler import Scheduler, scan_deadlines, send_daily_digest
from scheduler.jobs import escalate_due
from scheduler.service import JOBS
from tests.conftest import Clock
from tests.core.story import cast, report
from tests.scheduler.conftest import escalations, rows, wita

CATEGORIES = ("lampu_jalan", "sampah", "drainase", "jalan_rusak", "pohon", "keamanan")


async def overdue_tickets(ctx: Context, clock: Clock, count: int) -> list[int]:
    """`count` tickets reported Monday 09.00, half of them verified: all late by Monday 14.00."""
    people = await cast(ctx)
    ids = []
    for i in range(count):
        tid = await report(ctx, people.reporter, f"Laporan {i}", category=CATEGORIES[i % len(CATEGORIES)])
        if i % 2:
            await desk.verify_ticket(ctx, people.verifier, tid)
        ids.append(tid)
    return ids


async def test_restart_after_six_hours_down_escalates_each_overdue_ticket_once(ctx: Context, clock: Clock) -> None:
    ids = await overdue_tickets(ctx, clock, 12)
    clock.now = wita("2026-11-23 15:00")  # down since 09.00: every verify/accept stage is hours late
    result = await scan_deadlines(ctx)
    assert sorted(result.escalated) == ids and result.reminded == []
    for _ in range(3):
        clock.advance(minutes=1)
        assert (await scan_deadlines(ctx)) == type(result)()
    assert await escalations(ctx) == [2] * len(ids)  # one message per ticket, no reminder storm


async def test_two_instances_ticking_together_escalate_once_and_send_one_digest(
        ctx: Context, other_ctx: Context, clock: Clock) -> None:
    ids = await overdue_tickets(ctx, clock, 9)
    clock.now = wita("2026-11-23 11:30")  # reminders due for the verify stage
    first = await asyncio.gather(scan_deadlines(ctx), scan_deadlines(other_ctx))
    clock.now = wita("2026-11-24 07:05")  # everything late; the digest is due
    second = await asyncio.gather(scan_deadlines(ctx), scan_deadlines(other_ctx),
                                  send_daily_digest(ctx), send_daily_digest(other_ctx))
    acted = [t for r in first for t in r.reminded + r.escalated]
    escalated = [t for r in second[:2] for t in r.escalated]  # type: ignore[union-attr]
    assert len(acted) == len(set(acted)) >= 3  # each overdue ticket handled by one instance only
    assert sorted(escalated + [t for r in first for t in r.escalated]) == ids
    assert sorted(second[2:]) == [False, True]  # type: ignore[type-var]
    assert len(await rows(ctx, "digest")) == 1
    for tid in ids:
        assert (await escalations(ctx, tid)) in ([1, 2], [2])
    assert len(await escalations(ctx)) == len(acted) + len(escalated)


async def test_without_the_tick_lock_the_row_checks_alone_keep_it_once(
        ctx: Context, other_ctx: Context, clock: Clock) -> None:
    ids = await overdue_tickets(ctx, clock, 9)
    clock.now = wita("2026-11-24 09:00")
    results = await asyncio.gather(escalate_due(ctx), escalate_due(other_ctx), escalate_due(ctx))
    assert sorted(t for r in results for t in r.escalated) == sorted(ids)
    assert sorted(await escalations(ctx)) == [2] * len(ids)


async def test_a_missed_digest_is_sent_once_late_and_says_so(ctx: Context, other_ctx: Context, clock: Clock) -> None:
    await cast(ctx)
    clock.now = wita("2026-11-24 06:59")
    assert not await send_daily_digest(ctx)
    clock.now = wita("2026-11-24 10:15")  # the scheduler was down at 07.00
    assert await send_daily_digest(ctx)
    assert not await send_daily_digest(other_ctx)
    [row] = await rows(ctx, "digest")
    assert row.recipient == "camat" and row.channel == "telegram"
    assert row.dedupe_key == "digest:pattallassang:2026-11-24"
    assert row.data["date"] == "2026-11-24" and row.data["late"] is True
    assert "Terlambat dikirim: seharusnya pukul 07.00" in row.data["text"]
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(JobRun)) == 1
    clock.now = wita("2026-11-25 07:00")  # the next day, on time
    assert await send_daily_digest(ctx)
    on_time = (await rows(ctx, "digest"))[-1]
    assert on_time.data["late"] is False and "Terlambat dikirim" not in on_time.data["text"]


async def test_three_instances_ticking_together_run_each_job_once_per_tick(
        ctx: Context, other_ctx: Context, third_ctx: Context, clock: Clock) -> None:
    """Three replicas' schedulers on one database for a working day of ticks: each overdue ticket is acted
    on once per stage whichever instance got the tick, and one digest a day goes out."""
    ids = await overdue_tickets(ctx, clock, 9)
    instances = (ctx, other_ctx, third_ctx)
    escalated: list[int] = []
    clock.now = wita("2026-11-23 11:30")
    for _ in range(20):  # 11.30 to 21.00 in half-hour ticks, the three at once
        results = await asyncio.gather(*(scan_deadlines(c) for c in instances))
        this_tick = [t for r in results for t in r.reminded + r.escalated]
        assert len(this_tick) == len(set(this_tick))  # no ticket acted on twice in one tick
        escalated += this_tick  # a reminder is level 1 of the escalate events, the escalation level 2
        clock.advance(minutes=30)
    clock.now = wita("2026-11-24 07:05")
    sent = await asyncio.gather(*(send_daily_digest(c) for c in instances))
    assert sorted(sent) == [False, False, True] and len(await rows(ctx, "digest")) == 1
    for tid in ids:
        assert (await escalations(ctx, tid)) in ([1, 2], [2])  # each level once, by whichever instance
    assert len(await escalations(ctx)) == len(escalated)  # every escalate event is one instance's act


def _ticks() -> dict[tuple[str, str], float]:
    return {(s.labels["job"], s.labels["outcome"]): s.value for metric in metrics.SCHEDULER_TICKS.collect()
            for s in metric.samples if s.name.endswith("_total")}


async def test_three_schedulers_firing_in_one_tick_run_each_job_once(
        ctx: Context, other_ctx: Context, third_ctx: Context, clock: Clock) -> None:
    """Three replicas' APScheduler jobs all fire at start, in the same tick: each job runs on one of them
    (the others find the tick taken), and in the next tick once again."""
    ids = await overdue_tickets(ctx, clock, 3)
    clock.now = wita("2026-11-24 09:00")
    for _ in range(2):
        before = _ticks()
        schedulers = [Scheduler(c, name=f"replica-{n}") for n, c in enumerate((ctx, other_ctx, third_ctx))]
        await asyncio.gather(*(s.start() for s in schedulers))
        try:
            await asyncio.wait_for(asyncio.gather(*(s.ran(job) for s in schedulers for job, _, _ in JOBS)), 10)
        finally:
            await asyncio.gather(*(s.stop() for s in schedulers))
        after = _ticks()
        for job, _, _ in JOBS:
            ran, taken = (after.get((job, o), 0) - before.get((job, o), 0) for o in ("ran", "taken"))
            assert (ran, taken) == (1, 2), job
        async with ctx.sessions() as session:
            row = await session.get(JobRun, "tick:scan_deadlines")
            assert row is not None and row.detail["by"] in {"replica-0", "replica-1", "replica-2"}
        clock.advance(minutes=5)  # the next tick of every job (the longest interval is five minutes)
    assert sorted(await escalations(ctx)) == [2] * len(ids)  # the scan that ran escalated each once


async def test_a_replica_whose_clock_read_came_just_before_anothers_claim_does_not_run_the_tick_again(
        ctx: Context, other_ctx: Context, clock: Clock) -> None:
    """Two replicas in one tick: the second read its clock a moment before the first's claim committed, so the
    run it finds is a few milliseconds "in its future". Same tick: taken. A clock set back a whole tick (the
    sandbox) takes it at once; the next tick is anyone's."""
    clock.now = wita("2026-11-24 09:00:30.500")
    assert await claim_tick(ctx, "scan_deadlines", 60, by="replica-1")
    clock.now = wita("2026-11-24 09:00:30.499")
    assert not await claim_tick(other_ctx, "scan_deadlines", 60, by="replica-2")
    clock.now = wita("2026-11-24 09:00:00")
    assert not await claim_tick(other_ctx, "scan_deadlines", 60, by="replica-2")  # the tick's first instant
    clock.now = wita("2026-11-24 08:59:59")
    assert await claim_tick(other_ctx, "scan_deadlines", 60, by="replica-2")  # set back into another tick
    clock.now = wita("2026-11-24 09:01:00")
    assert await claim_tick(ctx, "scan_deadlines", 60, by="replica-1")
    assert not await claim_tick(other_ctx, "scan_deadlines", 60, by="replica-2")
