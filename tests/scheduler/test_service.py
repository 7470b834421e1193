"""APScheduler itself: the jobs are registered with fixed ids, run at start, and stop cleanly."""

from __future__ import annotations

import asyncio

from core.context import Context
from scheduler import Scheduler
from scheduler.service import JOBS
from tests.conftest import Clock
from tests.core.story import cast, report
from tests.scheduler.conftest import escalations, rows, wita


async def test_the_scheduler_starts_runs_each_job_and_stops(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    clock.now = wita("2026-11-24 08:00")
    for _ in range(2):  # start and stop twice in one loop: fixed ids, replace_existing
        sched = Scheduler(ctx)
        await sched.start()
        assert sorted(sched.job_ids) == sorted(job_id for job_id, _, _ in JOBS)
        # Each job runs once right away (catching up after downtime).
        await asyncio.wait_for(asyncio.gather(*(sched.ran(job_id) for job_id, _, _ in JOBS)), timeout=10)
        await sched.stop()
        await sched.stop()  # a second stop is harmless
    assert await escalations(ctx, tid) == [2]
    assert len(await rows(ctx, "digest")) == 1 and len(await rows(ctx, "digest.weekly")) == 1
