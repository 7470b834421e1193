"""Held reports: filed once by the scheduler on several instances, within the limit; staff may lift it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from core.context import Context
from core.db.models import HeldReport
from core.domain.lifecycle import NotAllowed
from core.domain.reports import NewReport
from core.usecases.held import Held, TooManyHeld, release_held, submit_or_hold
from scheduler import expire_drafts, file_held_reports
from tests.conftest import Clock
from tests.core.story import cast, outbox, report
from tests.scheduler.conftest import wita
from tests.scheduler.test_housekeeping import conversation


def limited(ctx: Context, limit: int) -> Context:
    return Context(sessions=ctx.sessions, profile=ctx.profile.model_copy(update={"daily_ticket_limit": limit}),
                   clock=ctx.clock, outbox=ctx.outbox)


def drain(story: str) -> NewReport:
    return NewReport(description=story, category="drainase", desa="Salaka", latitude=-5.41, longitude=119.61)


async def test_held_reports_are_filed_once_across_instances_and_within_the_day(
        ctx: Context, other_ctx: Context, clock: Clock) -> None:
    one, two = limited(ctx, 2), limited(other_ctx, 2)
    p = await cast(ctx)
    await report(one, p.reporter)
    await report(one, p.reporter, "Lampu kedua")
    held = [await submit_or_hold(one, p.reporter, drain(f"Got tersumbat {n}")) for n in (1, 2)]
    assert all(isinstance(h, Held) for h in held)
    with pytest.raises(TooManyHeld):  # a day's worth waits already
        await submit_or_hold(one, p.reporter, drain("Got tersumbat 3"))

    clock.now = wita("2026-11-23 23:59")
    assert list(await asyncio.gather(file_held_reports(one), file_held_reports(two))) == [[], []]
    clock.now = wita("2026-11-24 00:01")
    await report(one, p.reporter, "Lampu ketiga")  # the citizen's own first report of the day: room for one more
    both = await asyncio.gather(file_held_reports(one), file_held_reports(two))
    assert sorted(both, key=len) == [[], ["PTL-000004"]]  # one instance files, and only what the day allows
    clock.now = wita("2026-11-25 00:01")
    both = await asyncio.gather(file_held_reports(one), file_held_reports(two))
    assert sorted(both, key=len) == [[], ["PTL-000005"]]
    async with ctx.sessions() as session:
        filed = list(await session.scalars(select(HeldReport).order_by(HeldReport.id)))
    assert [h.ticket_id for h in filed] == [4, 5] and all(h.released_by == "" for h in filed)
    received = [m for m in await outbox(ctx, 4) if m.channel == "whatsapp"]
    assert [(m.kind, m.recipient) for m in received] == [("ticket.received", f"citizen:{p.reporter.id}")]


async def test_staff_lift_the_limit_and_the_report_is_filed_at_once(ctx: Context, clock: Clock) -> None:
    one = limited(ctx, 1)
    p = await cast(ctx)
    await report(one, p.reporter)
    held = await submit_or_hold(one, p.reporter, drain("Got tersumbat"))
    assert isinstance(held, Held)
    with pytest.raises(NotAllowed):
        await release_held(one, p.officer, held.held_id)
    filed = await release_held(one, p.verifier, held.held_id)
    assert (filed.number, filed.already) == ("PTL-000002", False)
    assert (await release_held(one, p.admin, held.held_id)).already
    assert [m.kind for m in await outbox(ctx, filed.ticket_id) if m.channel == "whatsapp"] == ["ticket.received"]
    clock.now = wita("2026-11-24 00:01")
    assert await file_held_reports(one) == []


async def test_draft_expiry_never_touches_a_report_held_in_the_conversation(ctx: Context, clock: Clock) -> None:
    """Before 0006 a held report waited in the conversation at step "held"."""
    p = await cast(ctx)
    await conversation(ctx, p.reporter.id or 0, "held")
    clock.advance(days=2)
    assert await expire_drafts(ctx) == []
