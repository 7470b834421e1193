"""Two reporter replicas on one PostgreSQL database behind a round-robin proxy: each citizen's messages are
handled in the order they were stored, each once, whichever replica received them; a replica that dies
mid-turn leaves its citizen to the other (reporter_bot/citizens.py)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import httpx
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.routing import Mount

from core.context import Context
from core.db.models import InboxUpdate
from core.inbox import InboxItem
from reporter_bot import ReporterBot
from reporter_bot.citizens import STRANDED_AFTER
from reporter_bot.graph_transport import GraphAPITransport
from tests.conftest import Clock
from tests.reporter.conftest import Harness


class RoundRobin:
    """A proxy in front of the replicas' apps: each webhook to the next one (of `apps`, which may change)."""

    def __init__(self, harness: Harness, apps: list[Starlette]) -> None:
        self.to(apps)
        harness.app.router.routes[:] = [Mount("/", app=self)]  # where the simulator posts its webhooks

    def to(self, apps: list[Starlette]) -> None:
        self.apps = itertools.cycle(apps)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        await next(self.apps)(scope, receive, send)


async def _pending(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(InboxUpdate).where(
            InboxUpdate.platform == "whatsapp", InboxUpdate.processed_at.is_(None))) or 0


async def _until_processed(ctx: Context, timeout: float = 30) -> None:
    watch = ctx.outbox.watch("tests.replicas")
    async with asyncio.timeout(timeout):
        while await _pending(ctx):
            watch.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.5):  # a sweep's turn commits too; the timeout only re-checks
                    await watch.wait()


def _replica(harness: Harness, handled: list[tuple[str, int]], **options: Any) -> tuple[ReporterBot, Starlette]:
    graph = GraphAPITransport(harness.settings.whatsapp_api_url, inner=httpx.ASGITransport(app=harness.sim.app))
    bot = ReporterBot(harness.ctx, harness.settings, graph, media_retry_delay=0.0, dispatcher_idle=0.2, **options)
    process = bot.turns.process

    async def recorded(item: InboxItem) -> None:
        handled.append((item.sender, item.id))
        await process(item)
    bot.turns.process = recorded
    return bot, Starlette(routes=bot.routes)


async def test_each_citizens_messages_are_handled_once_in_order_across_two_replicas(
        postgres: None, harness: Harness) -> None:
    await harness.stop()  # the harness's own single bot steps aside for two replicas
    handled: list[tuple[str, int]] = []
    replicas = [_replica(harness, handled) for _ in range(2)]
    RoundRobin(harness, [app for _, app in replicas])
    for bot, _ in replicas:
        await bot.start()
    try:
        citizens = [harness.sim.citizen(f"0812555{n:05d}") for n in range(20)]

        async def talks(citizen: Any) -> None:
            for word in ("halo", "lapor", "jalan rusak", "di depan pasar", "terima kasih"):
                await citizen.sends_text(word)  # each to the next replica; no waiting for the answers
        await asyncio.gather(*(talks(c) for c in citizens))
        await _until_processed(harness.ctx)
    finally:
        for bot, _ in replicas:
            await bot.stop()
    async with harness.ctx.sessions() as session:
        stored = list(await session.execute(select(InboxUpdate.sender, InboxUpdate.id, InboxUpdate.external_id).where(
            InboxUpdate.platform == "whatsapp").order_by(InboxUpdate.id)))
    messages = [(s, i) for s, i, key in stored if not key.startswith("status:")]  # not the replies' statuses
    assert len(messages) == 100
    ids = {i for _, i in messages}
    for sender in {s for s, _ in messages}:
        theirs = [i for s, i in messages if s == sender]
        assert [i for s, i in handled if s == sender and i in ids] == theirs, sender  # in stored order, each once


async def test_a_replica_that_dies_mid_turn_leaves_its_citizen_to_the_other(
        postgres: None, harness: Harness, clock: Clock) -> None:
    await harness.stop()
    handled: list[tuple[str, int]] = []
    dying, survivor = _replica(harness, handled), _replica(harness, handled, sweep_every=0.05)
    started, never = asyncio.Event(), asyncio.Event()

    async def hangs(item: InboxItem) -> None:  # the replica's last turn: it never ends
        started.set()
        await never.wait()
    dying[0].turns.process = hangs
    proxy = RoundRobin(harness, [dying[1]])
    for bot, _ in (dying, survivor):
        await bot.start()
    try:
        citizen = harness.sim.citizen("081255500099")
        await citizen.sends_text("halo")
        await asyncio.wait_for(started.wait(), timeout=5)
        proxy.to([survivor[1]])
        await citizen.sends_text("lapor")  # the citizen is still held by the dying replica: left to it
        await dying[0].workers.cancel()  # killed mid-turn: its transaction, and with it the lock, ends
        assert await _pending(harness.ctx) == 2
        clock.advance(seconds=STRANDED_AFTER.total_seconds() + 1)  # the survivor's sweep finds them stranded
        await _until_processed(harness.ctx)
        reply = await citizen.wait_for(lambda m: m.text is not None)
        assert reply.text
    finally:
        never.set()
        for bot, _ in (dying, survivor):
            await bot.stop()
    async with harness.ctx.sessions() as session:
        ids = list(await session.scalars(select(InboxUpdate.id).where(
            InboxUpdate.platform == "whatsapp", ~InboxUpdate.external_id.startswith("status:"))
            .order_by(InboxUpdate.id)))
    assert [i for _, i in handled][:2] == ids  # the survivor took both, in order, each once
