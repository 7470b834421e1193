"""Delivering outbox rows: claim what is due, in order per recipient, and record the outcome.

Each channel's dispatcher (`run_dispatcher`) calls the bot's `send` for each claimed row. A row is
never dropped silently: what is worth waiting for (`RetryLater`: rate limits, outages, the 24-hour
window) is retried with backoff (or the platform's `retry_after`), and a later row for the same
recipient waits until the earlier one is through, so each chat sees its messages in order.

A row that can never go out must not silence its recipient for good, so waiting has an end: a
channel raises `Permanent` once its fallbacks (plainer message, smaller image, template) failed
too, and an error nobody declared transient gets a few tries; then the row is set aside (kept,
with the reason), the desk is told, and the recipient's next rows go on.
Claims are safe across processes (a lease, plus SKIP LOCKED on PostgreSQL). A live dispatcher renews
the lease of the rows in its hands every RENEW_EVERY; a killed one's rows are due again within LEASE,
for whichever dispatcher (another replica's) looks next.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, select, update
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from core import metrics
from core.context import Context
from core.db.engine import is_sqlite, wake_outbox
from core.db.models import OutboxMessage
from core.periodic import Periodic
from core.stuck import STUCK_KIND, tell_desk

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=15)
RENEW_EVERY = 5.0  # seconds between a dispatcher's renewals of its claims' lease (well inside LEASE)
MAX_BACKOFF = timedelta(minutes=10)
PARALLEL = 16  # sends in flight at once per dispatcher: enough for the platforms' rates, not a burst on the loop
# An error no channel declared transient (a bug, text that cannot be encoded): this many tries, the last two
# in a row unexpected, then the row is set aside. A blip gets its retry; a row that always fails blocks no one.
UNEXPECTED_TRIES = 3
# Our own side being down for a moment (the database, a socket): always worth waiting out.
SYSTEM_ERRORS = (OSError, TimeoutError, OperationalError, InterfaceError)
# What a channel's `send` may return: written in the transaction that marks the row sent.
Record = Callable[[AsyncSession], Awaitable[None]]
Send = Callable[["Delivery"], Awaitable[Record | None]]


@dataclass(frozen=True)
class Delivery:
    id: int
    channel: str
    recipient: str
    kind: str
    data: dict[str, Any]
    ticket_id: int | None
    attempts: int
    leased_until: datetime | None = None  # the claim's lease; a row woken since then stays woken
    failure: str | None = None  # how its last attempt failed (a Failure), if it did
    kecamatan: str = ""  # whose WhatsApp number or Telegram chats it goes out on
    lease: Lease | None = None  # the batch's lease while a dispatcher holds it (renewed, so `leased_until` moves)


class Failure(StrEnum):
    """Why a row did not go out, in a word: kept on the row, told to the desk in plain words."""

    MEDIA_TOO_LARGE = "media_too_large"
    MEDIA = "media"  # the platform could not take the photo or file
    UNDELIVERABLE = "undeliverable"  # the number or account cannot receive it
    REFUSED = "refused"  # the platform refused the message's content or form
    BLOCKED = "blocked"  # the bot was blocked, removed from the chat, or the chat is gone
    TOO_LONG = "too_long"
    UNENCODABLE = "unencodable"
    RATE_LIMITED = "rate_limited"
    OUTSIDE_WINDOW = "outside_window"  # WhatsApp's 24 hours: waiting for the citizen to write
    TEMPLATE = "template"  # the office's approved template is missing or refused: a setup to fix
    NETWORK = "network"
    PLATFORM = "platform"  # the platform failed (an outage, an answer we cannot place)
    SYSTEM = "system"  # our own side failed for a moment (database, disk)
    UNEXPECTED = "unexpected"  # an error nobody foresaw: a bug, most likely


class RetryLater(Exception):
    """The platform asked us to wait (rate limit, outage); `after` is how long, if it said."""

    def __init__(self, reason: str, after: timedelta | None = None, failure: Failure = Failure.PLATFORM) -> None:
        super().__init__(reason)
        self.after, self.failure = after, failure


class Permanent(Exception):
    """This row cannot go out, whatever we wait for, and the channel's fallbacks failed too: set it aside."""

    def __init__(self, failure: Failure, detail: str = "") -> None:
        super().__init__(f"{failure}: {detail}" if detail else str(failure))
        self.failure, self.detail = failure, detail or str(failure)


def owed(row: Any = OutboxMessage) -> ColumnElement[bool]:
    """Rows (of `row`, a table or an alias) still owed to someone: neither sent nor set aside."""
    return and_(row.sent_at.is_(None), row.set_aside_at.is_(None))


def _due(channel: str, now: datetime) -> ColumnElement[bool]:
    """Owed rows of `channel` due at `now`, except those queued behind a recipient's waiting row (a recipient
    is one of a kecamatan's: "camat" of one kecamatan is not another's)."""
    earlier = aliased(OutboxMessage)
    blocked = exists().where(and_(
        earlier.channel == OutboxMessage.channel, earlier.recipient == OutboxMessage.recipient,
        earlier.kecamatan == OutboxMessage.kecamatan,
        owed(earlier), earlier.id < OutboxMessage.id, earlier.next_attempt_at > now,
    ))
    return and_(OutboxMessage.channel == channel, owed(), OutboxMessage.next_attempt_at <= now, ~blocked)


async def has_due(ctx: Context, channel: str) -> bool:
    """Whether a row of `channel` is due now. A read: it commits nothing, so it wakes no dispatcher."""
    async with ctx.sessions() as session:
        return await session.scalar(select(OutboxMessage.id).where(_due(channel, ctx.now())).limit(1)) is not None


async def claim_due(ctx: Context, channel: str, limit: int = 100) -> list[Delivery]:
    """Due rows of `channel`, oldest first, skipping recipients whose earlier row is still waiting."""
    now = ctx.now()
    query = (select(OutboxMessage).where(_due(channel, now))
             .order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True))
    async with ctx.sessions.begin() as session:
        rows = list(await session.scalars(query))
        for row in rows:
            row.next_attempt_at = now + LEASE  # other dispatchers skip it while we work on it
            row.claimed_at = now
        return [Delivery(r.id, r.channel, r.recipient, r.kind, r.data, r.ticket_id, r.attempts, now + LEASE,
                         r.failure_reason, r.kecamatan) for r in rows]


class Lease:
    """The lease of one batch's claims, renewed while the dispatcher holds them (`renew`); `until` is what
    their next_attempt_at says while nobody woke them."""

    def __init__(self, until: datetime, ids: list[int]) -> None:
        self.until, self.held = until, set(ids)

    async def renew(self, ctx: Context) -> None:
        """Push the lease of the rows still in hand LEASE ahead (a row woken meanwhile stays woken)."""
        if not self.held:
            return
        until = ctx.now() + LEASE
        async with ctx.sessions.begin() as session:
            await session.execute(update(OutboxMessage).where(
                OutboxMessage.id.in_(sorted(self.held)), owed(), OutboxMessage.next_attempt_at == self.until,
            ).values(next_attempt_at=until).execution_options(synchronize_session=False))
        self.until = until

    async def keep(self, ctx: Context) -> None:
        """One renewal (`Periodic` repeats it while the batch is in hand)."""
        try:
            await self.renew(ctx)
        except SYSTEM_ERRORS:  # the next renewal tries again; past LEASE another dispatcher may take over
            log.warning("outbox lease not renewed", exc_info=True)


async def mark_sent(ctx: Context, delivery_id: int, record: Record | None = None) -> None:
    """The row went out; `record` (what the channel keeps of the sent message) commits with the mark.

    Rows sent at the same moment (the dispatcher's parallel sends) are marked in one transaction."""
    async def write(take: Callable[[], list[tuple[int, Record | None]]]) -> list[None]:
        async with ctx.sessions.begin() as session:
            marks = take()
            done = await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([i for i, _ in marks]))
                                         .values(sent_at=ctx.now(), last_error=None, claimed_at=None)
                                         .returning(OutboxMessage.channel, OutboxMessage.created_at))
            metrics.delivered(done.all(), ctx.now())
            for _, keep in marks:
                if keep is not None:
                    await keep(session)
        return [None] * len(marks)

    await ctx.group("outbox.sent", write).submit((delivery_id, record))


async def mark_failed(ctx: Context, delivery: Delivery, error: str, after: timedelta | None = None,
                      failure: Failure = Failure.PLATFORM) -> timedelta:
    """Record a failed attempt and when to try again (backoff doubling from 2 s, capped).

    A row made due again while it was being sent (a citizen's reply reopening the 24-hour window)
    keeps that: the retry time only replaces the claim's own lease, so the wake-up is never lost.
    """
    wait = after if after is not None else min(timedelta(seconds=2 ** min(delivery.attempts + 1, 12)), MAX_BACKOFF)
    retry_at: Any = ctx.now() + wait
    leased_until = delivery.lease.until if delivery.lease is not None else delivery.leased_until
    if leased_until is not None:
        retry_at = case((OutboxMessage.next_attempt_at == leased_until, retry_at),
                        else_=OutboxMessage.next_attempt_at)
    async with ctx.sessions.begin() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == delivery.id).values(
            attempts=OutboxMessage.attempts + 1, last_error=error[:2000], failure_reason=failure.value,
            next_attempt_at=retry_at, claimed_at=None))
    metrics.outbox_failed(delivery.channel, failure.value)
    return wait


async def set_aside(ctx: Context, delivery: Delivery, failure: Failure, detail: str) -> None:
    """Give up on a row, in one transaction with the desk's notice; the recipient's next rows go on."""
    now = ctx.now()
    async with ctx.sessions.begin() as session:
        await session.execute(update(OutboxMessage).where(OutboxMessage.id == delivery.id).values(
            attempts=OutboxMessage.attempts + 1, last_error=detail[:2000], failure_reason=failure.value,
            set_aside_at=now, claimed_at=None))
        metrics.set_aside("outbox", delivery.channel, failure.value)
        row = await session.get(OutboxMessage, delivery.id)
        if row is not None and delivery.kind != STUCK_KIND:  # a notice the desk cannot get is not announced there
            await tell_desk(session, row, now, set_aside=True)
    log.error("outbox row set aside", extra={"outbox_id": delivery.id, "kind": delivery.kind,
                                             "failure": failure.value, "error": detail[:300]})


async def _failed(ctx: Context, delivery: Delivery, exc: Exception) -> bool:
    """Record how `send` failed; whether the row is out of the recipient's way (set aside)."""
    if isinstance(exc, RetryLater):
        await mark_failed(ctx, delivery, str(exc), exc.after, exc.failure)
        return False
    if isinstance(exc, Permanent):
        await set_aside(ctx, delivery, exc.failure, exc.detail)
        return True
    error = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, SYSTEM_ERRORS):
        log.warning("outbox delivery failed; retried", extra={"outbox_id": delivery.id, "error": error[:300]})
        await mark_failed(ctx, delivery, error, failure=Failure.SYSTEM)
        return False
    log.error("outbox delivery failed unexpectedly", exc_info=exc,
              extra={"outbox_id": delivery.id, "kind": delivery.kind})
    if delivery.attempts + 1 >= UNEXPECTED_TRIES and delivery.failure == Failure.UNEXPECTED:
        await set_aside(ctx, delivery, Failure.UNEXPECTED, error)
        return True
    await mark_failed(ctx, delivery, error, failure=Failure.UNEXPECTED)
    return False


async def deliver_batch(ctx: Context, channel: str, send: Send, limit: int = 100,
                        renew_every: float = RENEW_EVERY) -> int:
    """Claim and send one batch; recipients in parallel (PARALLEL at once), each one's rows in order. Rows sent.

    A recipient is one kecamatan's: the nine camat of a kabupaten get their digests side by side, not one
    after another behind Telegram's second between two messages to one person. While the batch is in hand
    its lease is renewed every `renew_every` seconds."""
    batch = await claim_due(ctx, channel, limit)
    if not batch:
        return 0
    lease = Lease(batch[0].leased_until or ctx.now() + LEASE, [d.id for d in batch])
    batch = [replace(d, lease=lease) for d in batch]
    keeping = Periodic(lambda: lease.keep(ctx), renew_every, f"{channel}-outbox-lease")
    keeping.start()
    try:
        return await _deliver(ctx, batch, send, lease)
    finally:
        await keeping.stop()  # a renewal in hand finishes: cancelled, its connection would be stranded


async def _deliver(ctx: Context, batch: list[Delivery], send: Send, lease: Lease) -> int:
    slots = asyncio.Semaphore(PARALLEL)
    by_recipient: dict[tuple[str, str], list[Delivery]] = {}
    for delivery in batch:
        by_recipient.setdefault((delivery.kecamatan, delivery.recipient), []).append(delivery)

    async def one_recipient(rows: list[Delivery]) -> int:
        sent = 0
        for index, delivery in enumerate(rows):
            try:
                async with slots:
                    record = await send(delivery)
            except Exception as exc:
                lease.held.discard(delivery.id)  # its retry time, not the lease, decides from here
                if await _failed(ctx, delivery, exc):
                    continue  # set aside: it no longer holds up the rows behind it
            else:
                await mark_sent(ctx, delivery.id, record)
                lease.held.discard(delivery.id)
                sent += 1
                continue
            lease.held.difference_update(r.id for r in rows[index + 1:])
            await _release(ctx, rows[index + 1:])  # keep the order: the rest waits for this one
            break
        return sent

    return sum(await asyncio.gather(*(one_recipient(rows) for rows in by_recipient.values())))


async def _release(ctx: Context, rows: list[Delivery]) -> None:
    if rows:
        async with ctx.sessions.begin() as session:
            await session.execute(update(OutboxMessage).where(OutboxMessage.id.in_([r.id for r in rows])).values(
                next_attempt_at=ctx.now(), claimed_at=None))


async def take_back_claims(ctx: Context, channel: str, before: datetime) -> int:
    """Rows of `channel` claimed before `before` and never marked: due again now. Rows claimed.

    Only for the one process that delivers a channel (SQLite, embedded): at its start, every claim
    older than the start is a killed predecessor's, and waiting out the lease would delay those
    notifications by a minute. Where several processes share a channel (PostgreSQL) the lease decides.
    """
    async with ctx.sessions.begin() as session:
        wake_outbox(session, channel)
        result = await session.execute(update(OutboxMessage).where(
            OutboxMessage.channel == channel, owed(), OutboxMessage.claimed_at < before,
        ).values(next_attempt_at=ctx.now(), claimed_at=None))
        return int(getattr(result, "rowcount", 0) or 0)


async def run_dispatcher(ctx: Context, channel: str, send: Send,
                         wake: asyncio.Event, idle: float = 1.0, stopping: asyncio.Event | None = None) -> None:
    """Deliver `channel`'s rows until `stopping` is set (then finish the batch in hand) or cancelled.

    On SQLite it first takes back what a killed predecessor had claimed (`take_back_claims`).
    `wake` is set when new rows were committed. Stop with `stopping` rather than cancelling: a batch
    cut short leaves claimed rows leased for a minute and a sent message unmarked (sent twice).

    The wake-up is cleared after an empty batch, not before it, and a row committed while the batch
    ran is caught by one read-only look before waiting (the dispatcher's own commits set nothing).
    """
    if is_sqlite(ctx.sessions):
        try:
            if taken := await take_back_claims(ctx, channel, ctx.now()):
                log.warning("rows a stopped process had claimed are due again",
                            extra={"channel": channel, "rows": taken})
        except Exception:  # the claims then wait out their lease
            log.exception("could not take back earlier claims", extra={"channel": channel})
    while stopping is None or not stopping.is_set():
        try:
            sent = await deliver_batch(ctx, channel, send)
        except Exception:
            log.exception("outbox dispatcher error", extra={"channel": channel})
            sent = 0
        if sent:
            continue
        wake.clear()
        if await has_due(ctx, channel):
            continue
        # asyncio.timeout, not wait_for: Python 3.11's wait_for can swallow a cancellation that arrives
        # as the wake-up fires, and the dispatcher would then never stop.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(idle):
                await wake.wait()


class DispatcherTask:
    """One channel's `run_dispatcher` as a task its bot starts and stops with itself."""

    def __init__(self, ctx: Context, channel: str, send: Send, idle: float = 1.0) -> None:
        self.ctx, self.channel, self.send, self.idle = ctx, channel, send, idle
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

    def start(self) -> None:
        """Start delivering in the running loop."""
        self._stopping = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(
            run_dispatcher(self.ctx, self.channel, self.send, self.ctx.outbox.event(self.channel), idle=self.idle,
                           stopping=self._stopping),
            name=f"{self.channel}-outbox")

    async def stop(self, grace: float = 5.0) -> None:
        """Let the batch in hand finish (its sent marks written); cancel only a batch stuck past `grace` seconds."""
        if self._task is None:
            return
        self._stopping.set()
        self.ctx.outbox.event(self.channel).set()  # out of its idle wait now
        done, _ = await asyncio.wait({self._task}, timeout=grace)
        if not done:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
