"""Auto-close of silent resolved tickets, draft expiry, and the report of stuck outbox rows."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.context import Context
from core.db.models import Conversation, OutboxMessage
from core.domain.lifecycle import TicketState
from core.outbox import Delivery, mark_failed, mark_sent
from core.usecases import citizen, desk, field
from scheduler import auto_close, expire_drafts, sweep_outbox
from tests.conftest import Clock
from tests.core.story import PHOTO, cast, outbox, report, ticket
from tests.scheduler.conftest import rows, wita


async def test_a_resolved_ticket_closes_itself_when_the_citizen_stays_silent(
        ctx: Context, other_ctx: Context, clock: Clock) -> None:
    p = await cast(ctx)
    silent, answered = await report(ctx, p.reporter), await report(ctx, p.reporter, "Lampu kedua")
    for tid in (silent, answered):
        await desk.verify_ticket(ctx, p.verifier, tid)
        await field.accept_ticket(ctx, p.officer, tid)
        await field.resolve_ticket(ctx, p.officer, tid, "Lampu diganti", (PHOTO,))
    assert (await ticket(ctx, silent)).stage_deadline_at == wita("2026-11-26 09:00")  # 3 working days
    await citizen.report_not_fixed(ctx, p.reporter, answered, "Masih mati")

    clock.now = wita("2026-11-26 08:59")
    assert await auto_close(ctx) == []
    clock.now = wita("2026-11-26 09:01")
    both = await asyncio.gather(auto_close(ctx), auto_close(other_ctx))
    assert sorted(both) == [[], [silent]]
    closed = await ticket(ctx, silent)
    assert closed.state == TicketState.CLOSED and closed.closed_at == clock.now
    assert [m.kind for m in await outbox(ctx, silent) if m.channel == "whatsapp"][-1] == "ticket.closed_auto"
    assert (await ticket(ctx, answered)).state == TicketState.IN_PROGRESS
    assert await auto_close(ctx) == []


async def conversation(ctx: Context, citizen_id: int, step: str) -> None:
    async with ctx.sessions.begin() as session:
        row = await session.get(Conversation, (citizen_id, ctx.kecamatan))
        if row is None:
            session.add(Conversation(citizen_id=citizen_id, kecamatan=ctx.kecamatan, step=step,
                                     draft={"description": "Sampah"}, updated_at=ctx.now()))
        else:
            row.step, row.updated_at = step, ctx.now()


async def test_an_idle_draft_is_discarded_once_with_a_notice(ctx: Context, other_ctx: Context, clock: Clock) -> None:
    p = await cast(ctx)
    idle_id, busy_id = p.reporter.id or 0, p.neighbour.id or 0
    await conversation(ctx, idle_id, "ask_location")
    await conversation(ctx, busy_id, "ask_photo")
    clock.advance(hours=5)
    await conversation(ctx, busy_id, "ask_location")  # the neighbour wrote again
    clock.advance(hours=1, minutes=1)  # the reporter's draft is 6 h 1 min old; the profile allows 6 h
    both = await asyncio.gather(expire_drafts(ctx), expire_drafts(other_ctx))
    assert sorted(both) == [[], [idle_id]]
    async with ctx.sessions() as session:
        idle = await session.get(Conversation, (idle_id, ctx.kecamatan))
        busy = await session.get(Conversation, (busy_id, ctx.kecamatan))
        assert idle is not None and (idle.step, idle.draft) == ("idle", {})
        assert busy is not None and busy.step == "ask_location"
    [notice] = await rows(ctx, "draft.expired")
    assert (notice.channel, notice.recipient, notice.data["step"]) == ("whatsapp", f"citizen:{idle_id}",
                                                                       "ask_location")
    clock.advance(days=1)
    assert await expire_drafts(ctx) == [busy_id]  # idle conversations are never "expired" again
    assert len(await rows(ctx, "draft.expired")) == 2


async def test_rows_undelivered_too_long_are_reported_to_the_desk_once_and_kept(
        ctx: Context, other_ctx: Context, clock: Clock) -> None:
    p = await cast(ctx)
    await report(ctx, p.reporter)
    first, *others = await outbox(ctx)
    for row in others:
        await mark_sent(ctx, row.id)
    failing = Delivery(first.id, first.channel, first.recipient, first.kind, first.data, first.ticket_id, 0)
    await mark_failed(ctx, failing, "131047: re-engagement message")
    clock.advance(minutes=29)
    assert await sweep_outbox(ctx) == 0
    clock.advance(minutes=2)
    assert sorted(await asyncio.gather(sweep_outbox(ctx), sweep_outbox(other_ctx))) == [0, 1]
    [stuck] = await rows(ctx, "outbox.stuck")
    assert (stuck.channel, stuck.recipient) == ("telegram", "chat:desk")
    assert stuck.data == {"outbox_id": first.id, "channel": "telegram", "kind": "ticket.changed",
                          "recipient": "ticket", "number": "PTL-000001", "citizen": None, "anonymous": False,
                          "failure": "platform", "attempts": 1, "since": first.created_at.isoformat(),
                          "set_aside": False}
    clock.advance(hours=2)
    assert await sweep_outbox(ctx) == 0  # once per row, and a stuck report is not itself reported
    async with ctx.sessions() as session:
        kept = await session.scalar(select(OutboxMessage).where(OutboxMessage.id == first.id))
        assert kept is not None and kept.sent_at is None and kept.attempts == 1
