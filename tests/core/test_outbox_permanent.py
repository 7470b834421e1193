"""A row that can never go out is set aside, the desk is told, and its recipient's next rows go on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.context import Context
from core.db.models import OutboxMessage
from core.notifications import queue
from core.outbox import UNEXPECTED_TRIES, Delivery, Failure, Permanent, RetryLater, deliver_batch, has_due
from core.queries import system_counts
from core.stuck import STUCK_KIND
from lapor_camat.web import render_metrics
from scheduler.jobs import sweep_outbox
from tests.conftest import Clock
from tests.core.story import cast, report


async def _rows(ctx: Context, kind: str | None = None) -> list[OutboxMessage]:
    async with ctx.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        return list(await session.scalars(query.where(OutboxMessage.kind == kind) if kind else query))


async def _queue_for_citizen(ctx: Context, citizen_id: int, *texts: str, ticket_id: int | None = None) -> None:
    async with ctx.sessions.begin() as session:
        for text in texts:
            queue(session, kecamatan="pattallassang",
                  channel="whatsapp", recipient=f"citizen:{citizen_id}", kind="wa.reply",
                  data={"text": text}, dedupe_key=f"test:{text}", now=ctx.now(), ticket_id=ticket_id)


async def _sent_so_far(ctx: Context) -> None:
    async with ctx.sessions.begin() as session:
        for row in await session.scalars(select(OutboxMessage)):
            row.sent_at = ctx.now()


async def test_a_row_that_fails_for_good_is_set_aside_the_desk_told_and_the_next_rows_go_on(
        ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    ticket_id = await report(ctx, people.reporter)
    await _sent_so_far(ctx)  # what the report itself queued is out of the way
    await _queue_for_citizen(ctx, people.reporter.id or 0, "first", "refused", "third", ticket_id=ticket_id)
    seen: list[str] = []

    async def send(delivery: Delivery) -> None:
        if delivery.data["text"] == "refused":
            raise Permanent(Failure.MEDIA_TOO_LARGE, "message: whatsapp error 131053: Media upload error")
        seen.append(delivery.data["text"])

    assert await deliver_batch(ctx, "whatsapp", send) == 2
    assert seen == ["first", "third"]  # the citizen's later row did not wait behind the refused one
    assert not await has_due(ctx, "whatsapp")
    [refused] = [r for r in await _rows(ctx, "wa.reply") if r.data["text"] == "refused"]
    assert refused.set_aside_at == clock() and refused.sent_at is None
    assert refused.failure_reason == "media_too_large" and "131053" in (refused.last_error or "")

    [notice] = await _rows(ctx, STUCK_KIND)
    assert (notice.channel, notice.recipient) == ("telegram", "chat:desk")
    assert notice.data["set_aside"] is True and notice.data["failure"] == "media_too_large"
    assert notice.data["citizen"] == "0812*****890" and notice.data["number"] == "PTL-000001"

    counts = await system_counts(ctx)
    assert counts.outbox_set_aside == {"whatsapp": 1} and "whatsapp" not in counts.outbox_pending
    assert 'lapor_outbox_set_aside{channel="whatsapp"} 1' in render_metrics(counts)
    clock.advance(hours=2)
    assert await sweep_outbox(ctx) == 0  # the set-aside row was told once, at once; the sweep does not repeat it
    assert len(await _rows(ctx, STUCK_KIND)) == 1


async def test_an_error_nobody_declared_transient_gets_a_few_tries_then_is_set_aside(
        ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    await _sent_so_far(ctx)
    await _queue_for_citizen(ctx, people.reporter.id or 0, "broken", "next")
    seen: list[str] = []

    async def send(delivery: Delivery) -> None:
        if delivery.data["text"] == "broken":
            raise KeyError("a renderer's bug")
        seen.append(delivery.data["text"])

    for _ in range(UNEXPECTED_TRIES):
        assert seen == []  # in order: "next" waits while "broken" still has tries left
        await deliver_batch(ctx, "whatsapp", send)
        clock.advance(minutes=10)
    assert seen == ["next"]
    [broken] = [r for r in await _rows(ctx, "wa.reply") if r.data["text"] == "broken"]
    assert broken.set_aside_at is not None and broken.attempts == UNEXPECTED_TRIES
    assert broken.failure_reason == "unexpected"
    [notice] = await _rows(ctx, STUCK_KIND)
    assert notice.data["failure"] == "unexpected" and notice.data["number"] is None


async def test_what_is_worth_waiting_for_is_retried_in_order_and_never_set_aside(
        ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    await _sent_so_far(ctx)
    await _queue_for_citizen(ctx, people.reporter.id or 0, "busy", "next")
    failures = [RetryLater("rate limited", timedelta(seconds=5), Failure.RATE_LIMITED)] * 4 \
        + [ConnectionError("reset by peer")] * 4  # the platform's limits, our own socket: both waited out
    seen: list[str] = []

    async def send(delivery: Delivery) -> None:
        if delivery.data["text"] == "busy" and failures:
            raise failures.pop(0)
        seen.append(delivery.data["text"])

    for _ in range(20):
        await deliver_batch(ctx, "whatsapp", send)
        if seen:
            break
        clock.advance(minutes=10)
    assert seen == ["busy", "next"]
    assert all(r.set_aside_at is None and r.sent_at is not None for r in await _rows(ctx, "wa.reply"))
    assert await _rows(ctx, STUCK_KIND) == []


async def test_a_desk_notice_that_cannot_reach_the_desk_is_not_announced_again(ctx: Context) -> None:
    async with ctx.sessions.begin() as session:
        queue(session, kecamatan="pattallassang",
              channel="telegram", recipient="chat:desk", kind=STUCK_KIND, data={"outbox_id": 1},
              dedupe_key="stuck:test", now=ctx.now())

    async def send(delivery: Delivery) -> None:
        raise Permanent(Failure.BLOCKED, "Forbidden: bot was kicked from the group chat")

    assert await deliver_batch(ctx, "telegram", send) == 0
    [notice] = await _rows(ctx, STUCK_KIND)
    assert notice.set_aside_at is not None and notice.failure_reason == "blocked"
