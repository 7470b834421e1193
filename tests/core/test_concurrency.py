"""Races: many actors on one ticket, many submits at once — on both engines."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select, update

from core.context import Context
from core.db.models import Citizen
from core.domain.lifecycle import AlreadyTaken, Role, TicketState
from core.domain.people import Actor
from core.notifications import queue
from core.usecases.citizen import citizen_actor
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from core.usecases.staff import add_staff
from tests.core.story import cast, report, ticket


async def test_twenty_officers_tap_accept_together_one_wins(ctx: Context) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    await verify_ticket(ctx, people.verifier, tid)
    officers = []
    for i in range(20):
        row = await add_staff(ctx, 5000 + i, f"Petugas {i:02d}", frozenset({Role.OFFICER}))
        officers.append(Actor.staff(row.id, row.name, frozenset({Role.OFFICER})))

    results = await asyncio.gather(*(accept_ticket(ctx, o, tid) for o in officers), return_exceptions=True)

    winners = [o for o, r in zip(officers, results, strict=True) if not isinstance(r, BaseException)]
    refusals = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert len(refusals) == 19 and all(isinstance(r, AlreadyTaken) for r in refusals), refusals
    assert {r.params["by"] for r in refusals if isinstance(r, AlreadyTaken)} == {winners[0].name}
    final = await ticket(ctx, tid)
    assert final.state == TicketState.IN_PROGRESS and final.assignee_id == winners[0].id


async def test_fifty_concurrent_submits_get_fifty_distinct_sequential_numbers(ctx: Context) -> None:
    citizens = [await citizen_actor(ctx, f"0812{i:08d}") for i in range(50)]
    ids = await asyncio.gather(*(report(ctx, c, f"Laporan {i}") for i, c in enumerate(citizens)))
    numbers = sorted([(await ticket(ctx, tid)).number for tid in ids])
    assert numbers == [f"PTL-{n:06d}" for n in range(1, 51)]


async def test_a_read_does_not_wait_for_a_writer_and_commits_only_wake_for_outbox_rows(ctx: Context) -> None:
    wake = ctx.outbox.event("whatsapp")
    wake.clear()
    await citizen_actor(ctx, "081200000001")  # a write that queues nothing
    assert not wake.is_set()
    async with ctx.sessions.begin() as writer:
        await writer.execute(update(Citizen).values(name="Sedang ditulis"))  # holds the write lock
        async with asyncio.timeout(5):  # SQLite would queue a read that took the write lock
            async with ctx.sessions() as reader:
                assert await reader.scalar(select(func.count()).select_from(Citizen)) == 1
    async with ctx.sessions.begin() as session:
        queue(session, kecamatan="pattallassang",
              channel="whatsapp", recipient="citizen:1", kind="reply", data={"text": "x"},
              dedupe_key="wake", now=ctx.now())
    assert wake.is_set()
