"""The outbox delivers every row, in order per recipient, through failures and rate limits."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, timedelta

from sqlalchemy import select, update

from core.context import Context
from core.db.engine import is_sqlite
from core.db.models import OutboxMessage
from core.inbox import mark_processed, pending, store
from core.notifications import queue
from core.outbox import LEASE, Delivery, Lease, RetryLater, claim_due, deliver_batch, run_dispatcher
from tests.conftest import Clock


async def _queue(ctx: Context, *rows: tuple[str, str]) -> None:
    async with ctx.sessions.begin() as session:
        for n, (recipient, text) in enumerate(rows):
            queue(session, kecamatan="pattallassang",
                  channel="telegram", recipient=recipient, kind="note", data={"text": text},
                  dedupe_key=f"{recipient}:{text}:{n}", now=ctx.now())


async def test_each_recipient_gets_its_rows_in_order_despite_failures(ctx: Context, clock: Clock) -> None:
    await _queue(ctx, ("chat:a", "a1"), ("chat:b", "b1"), ("chat:a", "a2"), ("chat:a", "a3"), ("chat:b", "b2"))
    seen: list[str] = []
    failures = {"a2": 2}

    async def send(delivery: Delivery) -> None:
        text = delivery.data["text"]
        if failures.get(text):
            failures[text] -= 1
            raise RetryLater("429", after=timedelta(seconds=5))
        seen.append(text)

    assert await deliver_batch(ctx, "telegram", send) == 3  # a1, b1, b2; a2 failed, a3 waits behind it
    assert seen == ["a1", "b1", "b2"]
    assert await deliver_batch(ctx, "telegram", send) == 0  # a2 waits for its retry_after
    clock.advance(seconds=5)
    assert await deliver_batch(ctx, "telegram", send) == 0  # a2 fails once more
    clock.advance(seconds=5)
    assert await deliver_batch(ctx, "telegram", send) == 2
    assert seen == ["a1", "b1", "b2", "a2", "a3"]


async def test_one_recipient_name_in_two_kecamatan_is_two_recipients(ctx: Context, clock: Clock) -> None:
    """Galesong's camat is not held up by Pattallassang's (a slow send to one person must not queue the other's),
    and a failing row of one kecamatan's "camat" does not hold back the other's."""
    async with ctx.sessions.begin() as session:
        for n, kecamatan in enumerate(("pattallassang", "galesong", "pattallassang")):
            queue(session, kecamatan=kecamatan, channel="telegram", recipient="camat", kind="note",
                  data={"text": f"{kecamatan}-{n}"}, dedupe_key=f"camat:{n}", now=ctx.now())
    galesong_sent = asyncio.Event()
    seen: list[str] = []

    async def send(delivery: Delivery) -> None:
        text = delivery.data["text"]
        if text == "pattallassang-0":  # the first row waits for the other kecamatan's: one queue would deadlock
            await asyncio.wait_for(galesong_sent.wait(), timeout=10)
        seen.append(text)
        if text.startswith("galesong"):
            galesong_sent.set()

    assert await deliver_batch(ctx, "telegram", send) == 3
    assert seen == ["galesong-1", "pattallassang-0", "pattallassang-2"]

    async with ctx.sessions.begin() as session:
        for n, kecamatan in enumerate(("pattallassang", "galesong")):
            queue(session, kecamatan=kecamatan, channel="telegram", recipient="camat", kind="note",
                  data={"text": f"again-{kecamatan}"}, dedupe_key=f"camat:again:{n}", now=ctx.now())

    async def busy_in_pattallassang(delivery: Delivery) -> None:
        if delivery.kecamatan == "pattallassang":
            raise RetryLater("429", after=timedelta(seconds=30))
        seen.append(delivery.data["text"])

    assert await deliver_batch(ctx, "telegram", busy_in_pattallassang) == 1
    async with ctx.sessions.begin() as session:
        queue(session, kecamatan="galesong", channel="telegram", recipient="camat", kind="note",
              data={"text": "later-galesong"}, dedupe_key="camat:later", now=ctx.now())
    assert await deliver_batch(ctx, "telegram", busy_in_pattallassang) == 1  # not behind the waiting row
    assert seen[-2:] == ["again-galesong", "later-galesong"]


async def test_an_unexpected_error_backs_off_and_is_recorded(ctx: Context, clock: Clock) -> None:
    await _queue(ctx, ("chat:a", "x"))
    calls = 0

    async def send(delivery: Delivery) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("reset by peer")

    assert await deliver_batch(ctx, "telegram", send) == 0
    clock.advance(seconds=1)
    assert await claim_due(ctx, "telegram") == []  # backoff is 2 s after the first failure
    clock.advance(seconds=1)
    assert await deliver_batch(ctx, "telegram", send) == 1 and calls == 2


async def test_a_row_woken_while_it_was_being_sent_stays_woken(ctx: Context, clock: Clock) -> None:
    """The citizen's reply makes a held row due during the send that then asks to wait: the reply wins."""
    await _queue(ctx, ("citizen:1", "update"))
    attempts = 0

    async def send(delivery: Delivery) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            async with ctx.sessions.begin() as session:  # what reporter_bot's turn does on a reply
                await session.execute(update(OutboxMessage).values(next_attempt_at=ctx.now()))
            raise RetryLater("outside the 24-hour window", after=timedelta(minutes=10))

    assert await deliver_batch(ctx, "telegram", send) == 0
    assert await deliver_batch(ctx, "telegram", send) == 1  # no ten-minute wait
    assert attempts == 2


async def test_a_claimed_row_is_not_claimed_twice(ctx: Context) -> None:
    await _queue(ctx, ("chat:a", "x"), ("chat:b", "y"))
    first, second = await asyncio.gather(claim_due(ctx, "telegram"), claim_due(ctx, "telegram"))
    assert sorted(d.data["text"] for d in first + second) == ["x", "y"]


async def test_the_dispatcher_wakes_on_commit(ctx: Context) -> None:
    delivered: asyncio.Queue[str] = asyncio.Queue()

    async def send(delivery: Delivery) -> None:
        await delivered.put(delivery.data["text"])

    stopping = asyncio.Event()  # stopped, not cancelled: a cancel inside its sent mark would strand a connection
    task = asyncio.create_task(run_dispatcher(ctx, "telegram", send, ctx.outbox.event("telegram"), idle=30,
                                              stopping=stopping))
    try:
        await _queue(ctx, ("chat:a", "hello"))
        assert await asyncio.wait_for(delivered.get(), timeout=5) == "hello"
    finally:
        stopping.set()
        ctx.outbox.event("telegram").set()
        await asyncio.wait_for(task, timeout=5)


async def test_inbox_keeps_one_copy_and_remembers_what_is_pending(ctx: Context) -> None:
    first = await store(ctx, "whatsapp", "wamid.1", "6281", "{}")
    assert first is not None
    assert await store(ctx, "whatsapp", "wamid.1", "6281", "{}") is None
    await store(ctx, "whatsapp", "wamid.2", "6282", "{}")
    assert [i.external_id for i in await pending(ctx, "whatsapp")] == ["wamid.1", "wamid.2"]
    await mark_processed(ctx, first)
    assert [i.external_id for i in await pending(ctx, "whatsapp")] == ["wamid.2"]


async def test_a_restarted_dispatcher_takes_back_what_a_killed_one_had_claimed(ctx: Context, clock: Clock) -> None:
    await _queue(ctx, ("chat:a", "claimed by a process that was then killed"))
    assert len(await claim_due(ctx, "telegram")) == 1  # leased (LEASE); nobody marks it or renews it
    clock.advance(seconds=5)  # the restart
    delivered: asyncio.Queue[str] = asyncio.Queue()

    async def send(delivery: Delivery) -> None:
        await delivered.put(delivery.data["text"])

    stopping = asyncio.Event()
    task = asyncio.create_task(run_dispatcher(ctx, "telegram", send, ctx.outbox.event("telegram"), idle=30,
                                              stopping=stopping))
    try:
        if is_sqlite(ctx.sessions):  # one process delivers: its claims older than the start are orphans
            assert await asyncio.wait_for(delivered.get(), timeout=5) == "claimed by a process that was then killed"
        else:  # several processes may share the channel: the lease decides
            assert await claim_due(ctx, "telegram") == [] and delivered.empty()
    finally:
        stopping.set()
        ctx.outbox.event("telegram").set()
        await task


async def test_a_live_dispatcher_renews_its_lease_and_a_dead_ones_rows_are_taken_over_within_it(
        ctx: Context, clock: Clock) -> None:
    """Two replicas on one channel: while A's send is slow, A renews its claim and B finds nothing to take;
    once A is gone (killed mid-send: no renewal, no mark), B takes the row over within LEASE."""
    await _queue(ctx, ("chat:a", "slow"))
    sending, never = asyncio.Event(), asyncio.Event()

    async def stuck(delivery: Delivery) -> None:
        sending.set()
        await never.wait()

    watch = ctx.outbox.watch("tests.lease")

    async def renewed_from_now() -> None:  # woken by each commit: A's renewal from the clock's time now
        async with asyncio.timeout(5):
            while True:
                watch.clear()
                async with ctx.sessions() as session:
                    lease = await session.scalar(select(OutboxMessage.next_attempt_at))
                if lease is not None and lease.replace(tzinfo=UTC) >= ctx.now() + LEASE:
                    return
                await watch.wait()

    a = asyncio.create_task(deliver_batch(ctx, "telegram", stuck, renew_every=0.01))
    await asyncio.wait_for(sending.wait(), timeout=5)
    for _ in range(3):  # three leases' worth of time, each step renewed by A before B looks
        clock.advance(seconds=LEASE.total_seconds() - 1)
        await renewed_from_now()
        assert await claim_due(ctx, "telegram") == []
    a.cancel()  # the replica dies mid-send
    with contextlib.suppress(asyncio.CancelledError):
        await a
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert await claim_due(ctx, "telegram") == []  # still A's: its last lease has not run out
    clock.advance(seconds=1)
    taken = await claim_due(ctx, "telegram")  # B, one lease after A's last renewal
    assert [d.data["text"] for d in taken] == ["slow"]


async def test_a_renewal_never_takes_back_a_row_woken_during_the_send(ctx: Context, clock: Clock) -> None:
    await _queue(ctx, ("citizen:1", "update"))
    [delivery] = await claim_due(ctx, "telegram")
    lease = Lease(delivery.leased_until or ctx.now(), [delivery.id])
    async with ctx.sessions.begin() as session:  # a citizen's reply makes it due now
        await session.execute(update(OutboxMessage).values(next_attempt_at=ctx.now()))
    clock.advance(seconds=1)
    await lease.renew(ctx)
    assert [d.id for d in await claim_due(ctx, "telegram")] == [delivery.id]
