"""What the scheduler finds due: overdue stages, silent resolved tickets, stuck outbox rows.

Each read is one indexed range query (`ix_tickets_escalation_due`: kecamatan, escalation level, then
stage deadline), so a scan costs what is due in its kecamatan, not what is stored, what was escalated
long ago or what another kecamatan has due.
Doing the work once across instances rests on three things: `claim_tick` gives each tick of a job (its
interval, counted on the application clock from the epoch) to one instance, however many fire in it;
`tick_lock` lets one instance at a time run a job on PostgreSQL (an advisory lock), so a long run is not
overtaken by the next tick's; and each use case re-checks its ticket under the row lock, which alone
already makes it exactly once.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import String, cast, exists, literal, or_, select, update
from sqlalchemy.orm import aliased

from core.context import Context
from core.db.advisory import turn
from core.db.engine import insert_for, wake_outbox
from core.db.models import JobRun, OutboxMessage, Ticket
from core.domain.lifecycle import REMINDABLE, TicketState
from core.outbox import owed
from core.stuck import STUCK_KIND, notice_data, notice_key

log = logging.getLogger(__name__)
S = TicketState


@dataclass(frozen=True)
class DueTicket:
    """An open ticket whose stage deadline has passed and that is not yet escalated to the camat."""

    id: int
    number: str
    state: str
    category: str | None
    deadline: datetime
    level: int
    agency: str | None = None  # the agency a forwarded case is with


def due_query(kecamatan: str, now: datetime, limit: int = 1000, top: int = 2) -> object:
    """The deadline scan of one kecamatan: stages due by `now` below level `top` (2, the camat; 3 when the
    kabupaten's chat takes what the camat leaves), never-reminded first, then oldest deadline (the due
    index finds them; the kecamatan filters what is due)."""
    return (
        select(Ticket.id, Ticket.number, Ticket.state, Ticket.category, Ticket.stage_deadline_at,
               Ticket.escalation_level, Ticket.forward_agency)
        .where(Ticket.kecamatan == kecamatan, Ticket.escalation_level.in_(tuple(range(top))),
               Ticket.stage_deadline_at <= now,
               Ticket.state.in_(sorted(s.value for s in REMINDABLE)))  # the states escalation applies to
        .order_by(Ticket.escalation_level, Ticket.stage_deadline_at).limit(limit)  # the index order: no sort
    )


async def due_tickets(ctx: Context, now: datetime, limit: int = 1000, top: int = 2) -> list[DueTicket]:
    """Tickets whose current stage is overdue at `now` and may still need a reminder or escalation."""
    async with ctx.sessions() as session:
        rows = await session.execute(due_query(ctx.kecamatan, now, limit, top))  # type: ignore[call-overload]
        return [DueTicket(*row) for row in rows.all()]


async def closable_tickets(ctx: Context, now: datetime, limit: int = 500) -> list[int]:
    """Resolved tickets whose citizen let the confirmation deadline pass."""
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(Ticket.id).where(Ticket.kecamatan == ctx.kecamatan, Ticket.stage_deadline_at <= now,
                                    Ticket.state == S.RESOLVED.value)
            .order_by(Ticket.stage_deadline_at).limit(limit))
        return list(rows)


@contextlib.asynccontextmanager
async def tick_lock(ctx: Context, name: str) -> AsyncIterator[bool]:
    """Whether this instance may run job `name` now: a PostgreSQL advisory lock held for the block.

    Another instance holding it yields False (skip this tick). SQLite has one writer at a time
    anyway (BEGIN IMMEDIATE), so there it always yields True and the row checks do the rest.
    """
    async with turn(ctx, name) as mine:
        yield mine


def tick_start(now: datetime, every: int) -> datetime:
    """The start of the tick of `every` seconds that `now` falls in (ticks counted from the epoch)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    return epoch + timedelta(seconds=(now - epoch) // timedelta(seconds=every) * every)


async def claim_tick(ctx: Context, job: str, every: int, by: str = "") -> bool:
    """Whether this instance runs job `job` in the current tick of `every` seconds: the first to ask in a tick
    takes it (its `job_runs` row, `tick:<job>`, moves to now), every later one that tick is refused.

    Several replicas fire the same interval job at their own offsets; without this each would run it once
    per interval. The tick is taken when the row's last run lies in another tick, before this one or (a clock
    set back: a test, the sandbox) after it; never by comparing with `now`: a replica that read its clock
    just before another's claim committed would find that run "in the future" and run the tick again.
    """
    now, key = ctx.now(), f"tick:{job}"
    start = tick_start(now, every)
    async with ctx.sessions.begin() as session:
        moved = await session.execute(
            update(JobRun).where(JobRun.key == key, or_(JobRun.ran_at < start,
                                                        JobRun.ran_at >= start + timedelta(seconds=every)))
            .values(ran_at=now, detail={"by": by, "every": every}))
        if getattr(moved, "rowcount", 0) == 1:
            return True
        added = await session.execute(insert_for(session)(JobRun).values(
            key=key, ran_at=now, detail={"by": by, "every": every}).on_conflict_do_nothing())
        return getattr(added, "rowcount", 0) == 1


@dataclass(frozen=True)
class StuckRow:
    id: int
    channel: str
    kind: str
    last_error: str | None
    created_at: datetime
    attempts: int


async def stuck_outbox_rows(ctx: Context, older_than: datetime, limit: int = 200) -> list[StuckRow]:
    """Owed rows created before `older_than` that have not been reported yet (set-aside rows were, at once)."""
    report = aliased(OutboxMessage)
    reported = exists().where(report.dedupe_key == literal(f"{STUCK_KIND}:") + cast(OutboxMessage.id, String))
    query = (
        select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.kind, OutboxMessage.last_error,
               OutboxMessage.created_at, OutboxMessage.attempts)
        .where(OutboxMessage.kecamatan == ctx.kecamatan, owed(), OutboxMessage.created_at < older_than,
               OutboxMessage.kind != STUCK_KIND, ~reported)
        .order_by(OutboxMessage.id).limit(limit)
    )
    async with ctx.sessions() as session:
        return [StuckRow(*row) for row in (await session.execute(query)).all()]


async def report_stuck(ctx: Context, rows: list[StuckRow]) -> int:
    """Tell the desk about each stuck row, once per row (the dedupe key); nothing is deleted."""
    if not rows:
        return 0
    now = ctx.now()
    async with ctx.sessions.begin() as session:
        found = await session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows])))
        values = [{
            "channel": "telegram", "recipient": "chat:desk", "kecamatan": row.kecamatan, "kind": STUCK_KIND,
            "data": await notice_data(session, row, set_aside=False), "dedupe_key": notice_key(row.id, False),
            "ticket_id": None, "attempts": 0, "next_attempt_at": now, "created_at": now,
        } for row in found.all()]
        if not values:
            return 0
        wake_outbox(session, "telegram")
        stmt = insert_for(session)(OutboxMessage).on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
        result = await session.execute(stmt.returning(OutboxMessage.id), values)
        written = len(result.all())
    if written:
        log.warning("outbox rows stuck", extra={"reported": written})
    return written
