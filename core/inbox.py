"""Incoming platform updates, stored before they are acknowledged and processed exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core import metrics
from core.context import Context
from core.db.engine import begin_first, insert_for
from core.db.models import InboxUpdate

_LAG = (InboxUpdate.platform, InboxUpdate.received_at)  # what a processed row's lag is measured from


@dataclass(frozen=True)
class InboxItem:
    id: int
    platform: str
    external_id: str
    sender: str
    payload: str
    attempts: int


async def store(ctx: Context, platform: str, external_id: str, sender: str, payload: str) -> int | None:
    """Keep a raw update; its row id, or None when this update was already stored (a redelivery)."""
    try:
        async with begin_first(ctx.sessions) as session:
            row = InboxUpdate(platform=platform, external_id=external_id, sender=sender, payload=payload,
                              received_at=ctx.now(), attempts=0)
            session.add(row)
            await session.flush()
            return row.id
    except IntegrityError:
        return None


async def pending(ctx: Context, platform: str, limit: int = 500, *, sender: str | None = None, after: int = 0,
                  received_before: datetime | None = None, keys: Sequence[str] = ()) -> list[InboxItem]:
    """Stored updates not yet processed (e.g. after a crash), in arrival order: of one `sender`, after the
    row id `after`, only those stored before `received_before`, or those whose external id starts with one of
    `keys` (e.g. one Telegram chat's), when given."""
    where = [InboxUpdate.platform == platform, InboxUpdate.processed_at.is_(None), InboxUpdate.id > after]
    if sender is not None:
        where.append(InboxUpdate.sender == sender)
    if keys:
        where.append(or_(*(InboxUpdate.external_id.startswith(key, autoescape=True) for key in keys)))
    if received_before is not None:
        where.append(InboxUpdate.received_at < received_before)
    async with ctx.sessions() as session:
        rows = await session.scalars(select(InboxUpdate).where(*where).order_by(InboxUpdate.id).limit(limit))
        return [InboxItem(r.id, r.platform, r.external_id, r.sender, r.payload, r.attempts) for r in rows]


async def mark_processed(ctx: Context, item_id: int, error: str | None = None) -> None:
    """Record that an update was handled (with the error, if handling failed for good)."""
    async with ctx.sessions.begin() as session:
        await mark_processed_in(session, item_id, ctx.now(), error)


async def mark_processed_in(session: AsyncSession, item_id: int, now: datetime, error: str | None = None) -> None:
    """`mark_processed` inside the caller's transaction (the one that committed the handling)."""
    done = await session.execute(update(InboxUpdate).where(InboxUpdate.id == item_id).values(
        processed_at=now, error=error, attempts=InboxUpdate.attempts + 1).returning(*_LAG))
    metrics.inbox_processed(done.all(), now, failed=error is not None)


# -- Updates kept as they are fetched and claimed one attempt at a time (the officer bot) ----------


@dataclass(frozen=True)
class RawUpdate:
    """An update as fetched, to keep before the platform is told it arrived."""

    external_id: str
    sender: str
    payload: str


@dataclass(frozen=True)
class Claim:
    """A stored update taken for handling: its row and which attempt this is (1 the first)."""

    id: int
    attempts: int


async def store_all(ctx: Context, platform: str, updates: Sequence[RawUpdate]) -> None:
    """Keep a fetched batch in one transaction; an update stored before (a redelivery) keeps its row,
    its attempts and its error, so it stays work to do until it is handled."""
    rows = list({u.external_id: u for u in updates}.values())  # one row per key, in fetched order
    if not rows:
        return
    now = ctx.now()
    async with begin_first(ctx.sessions) as session:
        await session.execute(insert_for(session)(InboxUpdate).values([
            {"platform": platform, "external_id": u.external_id, "sender": u.sender, "payload": u.payload,
             "received_at": now, "attempts": 0} for u in rows
        ]).on_conflict_do_nothing(index_elements=["platform", "external_id"]))


async def claim(ctx: Context, platform: str, external_id: str, max_attempts: int) -> Claim | None:
    """Take a stored update that is still to do (not processed, fewer than `max_attempts` tries), or None.

    The attempt is counted before the handling starts, so an update that takes the process down
    with it (a crash, a kill) is not retried without end.
    """
    async with ctx.sessions.begin() as session:
        row = (await session.execute(
            update(InboxUpdate).where(InboxUpdate.platform == platform, InboxUpdate.external_id == external_id,
                                      InboxUpdate.processed_at.is_(None), InboxUpdate.attempts < max_attempts)
            .values(attempts=InboxUpdate.attempts + 1).returning(InboxUpdate.id, InboxUpdate.attempts)
            .execution_options(synchronize_session=False))).first()
    return Claim(row.id, row.attempts) if row is not None else None


async def handled_in(session: AsyncSession, item_id: int, now: datetime) -> None:
    """`mark_handled` in the caller's transaction (the handling's own: both commit or neither)."""
    done = await session.execute(update(InboxUpdate).where(InboxUpdate.id == item_id,
                                                           InboxUpdate.processed_at.is_(None))
                                 .values(processed_at=now, error=None).returning(*_LAG))
    metrics.inbox_processed(done.all(), now)


async def mark_handled(ctx: Context, item_id: int) -> None:
    """A claimed update handled to the end (its attempt was counted by `claim`)."""
    async with ctx.sessions.begin() as session:
        await handled_in(session, item_id, ctx.now())


async def record_failure(ctx: Context, item_id: int, error: str, final: bool, marked: bool = False) -> None:
    """Keep why a claimed update's handling failed; `final` sets it aside for good (processed, with the
    error); otherwise it stays to do and is tried again. A row processed meanwhile stays as it is,
    unless this handling `marked` it itself (its mark rode on a write that came before the failure)."""
    where = [InboxUpdate.id == item_id] if marked else [InboxUpdate.id == item_id, InboxUpdate.processed_at.is_(None)]
    async with ctx.sessions.begin() as session:
        done = await session.execute(update(InboxUpdate).where(*where).values(
            error=error[:2000], processed_at=ctx.now() if final else None).returning(*_LAG))
        metrics.inbox_processed(done.all() if final else (), ctx.now(), failed=True)


async def give_up_exhausted(ctx: Context, platform: str, max_attempts: int, reason: str) -> int:
    """Set aside for good the unprocessed updates that used every attempt without an answer (each time
    the process ended while handling them); how many."""
    async with ctx.sessions.begin() as session:
        done = await session.execute(
            update(InboxUpdate).where(InboxUpdate.platform == platform, InboxUpdate.processed_at.is_(None),
                                      InboxUpdate.attempts >= max_attempts)
            .values(processed_at=ctx.now(), error=func.coalesce(literal(f"{reason}; before that ") + InboxUpdate.error,
                                                                 reason))
            .execution_options(synchronize_session=False))
        metrics.set_aside("inbox", platform, "gave_up", int(getattr(done, "rowcount", 0) or 0))
        return int(getattr(done, "rowcount", 0) or 0)



# -- A webhook body split into its updates, each kept under its own id (the reporter bot) -----------


@dataclass(frozen=True)
class UnreadableUpdate:
    """A delivery, or part of one, that cannot be read: kept as handled, with the reason (nothing to do)."""

    external_id: str
    excerpt: str  # a short, cleaned start of the body, for whoever looks into it
    reason: str


async def store_new(ctx: Context, platform: str, updates: Sequence[RawUpdate],
                    unreadable: UnreadableUpdate | None = None) -> dict[str, int]:
    """Keep the updates of one delivery (and what of it cannot be read) in one transaction, each under its
    own id: the row ids of those not stored before, by external id (a redelivered one is skipped alone)."""
    if not updates and unreadable is None:
        return {}
    async with begin_first(ctx.sessions) as session:
        return (await store_new_in(session, platform, [(updates, unreadable)], ctx.now()))[0]


STORE_CHUNK = 1_000  # rows per INSERT: SQLite binds at most 32,766 values, each row takes 6


async def store_new_in(session: AsyncSession, platform: str,
                       deliveries: Sequence[tuple[Sequence[RawUpdate], UnreadableUpdate | None]],
                       now: datetime) -> list[dict[str, int]]:
    """`store_new` for several deliveries in the caller's transaction (a group commit): per delivery, the
    row ids of its updates not stored before. One multi-row INSERT for all of them (a round trip per
    chunk, not per update), in the given order, so row ids (the replay order after a crash) follow it;
    an update that two deliveries of the batch both carry is the first one's."""
    rows: list[dict[str, object]] = []
    owners: list[int] = []
    for index, (updates, unreadable) in enumerate(deliveries):
        for u in updates:
            rows.append({"external_id": u.external_id, "sender": u.sender, "payload": u.payload,
                         "processed_at": None, "error": None})
            owners.append(index)
        if unreadable is not None:
            rows.append({"external_id": unreadable.external_id, "sender": "", "payload": unreadable.excerpt,
                         "processed_at": now, "error": unreadable.reason})
            owners.append(index)
    ids: dict[str, int] = {}
    insert = insert_for(session)
    for at in range(0, len(rows), STORE_CHUNK):
        values = [{"platform": platform, "received_at": now, "attempts": 0, **row}
                  for row in rows[at:at + STORE_CHUNK]]
        found = await session.execute(insert(InboxUpdate).values(values).on_conflict_do_nothing(
            index_elements=["platform", "external_id"]).returning(InboxUpdate.external_id, InboxUpdate.id))
        ids.update({external_id: item_id for external_id, item_id in found.all()})
    fresh: list[dict[str, int]] = [{} for _ in deliveries]
    for row, owner in zip(rows, owners, strict=True):
        key = str(row["external_id"])
        if key in ids:
            fresh[owner][key] = ids.pop(key)  # popped: a second delivery with the same update gets nothing
    return fresh


async def processed_in(session: AsyncSession, item_ids: Sequence[int], now: datetime) -> None:
    """Mark stored updates handled in the caller's transaction (handled as they were stored)."""
    done = await session.execute(update(InboxUpdate).where(InboxUpdate.id.in_(item_ids)).values(
        processed_at=now, attempts=InboxUpdate.attempts + 1).returning(*_LAG))
    metrics.inbox_processed(done.all(), now)
