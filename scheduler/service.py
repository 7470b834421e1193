"""The running scheduler: APScheduler with a memory job store, one interval job per task."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core import metrics
from core.context import Context
from core.deadline_scan import claim_tick
from scheduler import jobs

log = logging.getLogger(__name__)
Job = Callable[[Context], Awaitable[Any]]

# Fixed ids: each instance keeps its own jobs in memory; the database makes the work happen once (each tick
# of a job to one instance, `claim_tick`; each ticket's step once, its row lock).
JOBS: tuple[tuple[str, Job, int], ...] = (
    ("scan_deadlines", jobs.scan_deadlines, 60),
    ("daily_digest", jobs.send_daily_digest, 60),
    ("weekly_summary", jobs.send_weekly_summary, 300),
    ("auto_close", jobs.auto_close, 300),
    ("expire_drafts", jobs.expire_drafts, 300),
    ("file_held_reports", jobs.file_held_reports, 60),
    ("sweep_outbox", jobs.sweep_outbox, 300),
    ("kabupaten_digest", jobs.send_kabupaten_digest, 60),
    ("expire_kabupaten_drafts", jobs.expire_kabupaten_drafts, 300),
)
# Of the whole kabupaten: once per tick, not per kecamatan.
KABUPATEN_JOBS = frozenset({"kabupaten_digest", "expire_kabupaten_drafts"})
STOP_TIMEOUT = 10.0


class Scheduler:
    """Runs the jobs until stopped, each for every kecamatan of the install in turn (digests, reminders and
    escalations are per kecamatan); start and stop inside the running event loop. `name` (the replica's) is
    written on the ticks it takes."""

    def __init__(self, ctx: Context, intervals: dict[str, int] | None = None, name: str = "") -> None:
        self.ctx, self.name = ctx, name
        self.intervals = {job_id: seconds for job_id, _, seconds in JOBS} | (intervals or {})
        self._running: set[asyncio.Task[Any]] = set()
        self._ran = {job_id: asyncio.Event() for job_id, _, _ in JOBS}
        self._aps = AsyncIOScheduler(
            jobstores={"default": MemoryJobStore()},
            timezone=ctx.profile.zone,
            job_defaults={"coalesce": True, "max_instances": 1},
        )

    async def start(self) -> None:
        """Add the jobs (each runs once at start, catching up after downtime) and start ticking."""
        now = datetime.now(self.ctx.profile.zone)
        for job_id, job, _ in JOBS:
            seconds = self.intervals[job_id]
            self._aps.add_job(self._run, "interval", seconds=seconds, id=job_id, replace_existing=True,
                              args=[job_id, job], next_run_time=now, misfire_grace_time=seconds)
        self._aps.start()
        log.info("scheduler started", extra={"jobs": [j for j, _, _ in JOBS]})

    async def stop(self) -> None:
        """Stop ticking and let running jobs finish (cancelled after a timeout)."""
        if not self._aps.running:
            return
        self._aps.pause()
        if self._running:
            await asyncio.wait(set(self._running), timeout=STOP_TIMEOUT)
        self._aps.shutdown(wait=False)
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        log.info("scheduler stopped")

    async def _run(self, job_id: str, job: Job) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._running.add(task)
        try:
            if not await self._mine(job_id):
                return
            for tenant in [self.ctx] if job_id in KABUPATEN_JOBS else self.ctx.tenants():
                try:  # one kecamatan's failure does not keep the job from the others
                    result = await job(tenant)
                    if result:
                        log.info("job done", extra={"job": job_id, "kecamatan": tenant.kecamatan,
                                                    "result": repr(result)[:200]})
                except Exception:
                    log.exception("job failed", extra={"job": job_id, "kecamatan": tenant.kecamatan})
        finally:
            self._ran[job_id].set()
            if task is not None:
                self._running.discard(task)

    async def _mine(self, job_id: str) -> bool:
        """Whether this tick of the job is this instance's to run (another replica may have taken it)."""
        try:
            mine = await claim_tick(self.ctx, job_id, self.intervals[job_id], by=self.name)
        except Exception:
            log.exception("could not claim the job's tick", extra={"job": job_id})
            return False
        metrics.scheduler_tick(job_id, "ran" if mine else "taken")
        return mine

    async def ran(self, job_id: str) -> None:
        """Wait until job `job_id` has run at least once (for tests and health checks)."""
        await self._ran[job_id].wait()

    @property
    def job_ids(self) -> list[str]:
        return [job.id for job in self._aps.get_jobs()]


async def run_scheduler(ctx: Context) -> None:
    """Run the scheduler until cancelled (the entry point for `lapor-camat run` / `scheduler`)."""
    scheduler = Scheduler(ctx)
    await scheduler.start()
    try:
        await asyncio.Event().wait()
    finally:
        await scheduler.stop()
