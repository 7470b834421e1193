"""Duplicates and disorder: every webhook of 300 reports arrives twice, the copies shuffled into later traffic.

How WhatsApp behaves, and so what is shuffled: a citizen answers only what the bot asked, so the
first delivery of a citizen's next message always comes after the bot answered the previous one
(each citizen's own order holds). Meta may deliver any webhook again at any later time, though, and
the citizens write at the same time. So: all 300 citizens send each step together in a seeded random
order, and every webhook is delivered a second time, byte for byte, one or two steps later, mixed
into the other citizens' traffic (and after the same citizen's later messages).
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter

import pytest
from sqlalchemy import func, select

from core.db.models import InboxUpdate, OutboxMessage, Ticket
from tests.faults.conftest import is_ack, number_in, short_report
from tests.reporter.conftest import Harness

CITIZENS = 300
SEED = 8


@pytest.fixture
def wa_options() -> dict[str, object]:
    """No delivery-status webhooks here: they are not what is duplicated, and they triple the traffic."""
    return {"messages_per_second": 1000, "status_webhooks": False}


async def test_each_webhook_twice_and_shuffled_makes_exactly_one_ticket_and_one_ack(harness: Harness) -> None:
    rng = random.Random(SEED)
    sim = harness.sim
    citizens = [sim.citizen(f"0812{7000_0000 + i:08d}", name=f"Warga {i}") for i in range(CITIZENS)]
    plans = [short_report(i) for i in range(CITIZENS)]
    steps = len(plans[0])
    later: dict[int, list[str]] = {}  # step index -> wamids delivered again then
    first_deliveries = 0

    async def first(i: int, step: int) -> None:
        nonlocal first_deliveries
        _, send, _ = plans[i][step]
        wamid = await send(citizens[i])
        first_deliveries += 1
        later.setdefault(step + rng.choice((1, 2)), []).append(wamid)

    for step in range(steps + 2):
        work = [first(i, step) for i in range(CITIZENS)] if step < steps else []
        work += [sim.redeliver(wamid) for wamid in later.pop(step, [])]
        rng.shuffle(work)
        await asyncio.gather(*work)
        if step < steps:
            await asyncio.gather(*(c.wait_for(plans[i][step][2], timeout=60) for i, c in enumerate(citizens)))
    await harness.settle()

    async with harness.ctx.sessions() as session:
        tickets = list(await session.scalars(select(Ticket)))
        stored = await session.scalar(select(func.count()).select_from(InboxUpdate).where(
            InboxUpdate.platform == "whatsapp", ~InboxUpdate.external_id.startswith("status:")))
        acks = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == "ticket.received"))
    assert len(tickets) == CITIZENS and len({t.reporter_id for t in tickets}) == CITIZENS
    assert stored == first_deliveries == CITIZENS * steps  # each duplicate was recognised and dropped
    assert acks == CITIZENS
    received = Counter(number_in(m.text) for c in citizens for m in c.received if is_ack(m))
    assert len(received) == CITIZENS and set(received.values()) == {1}, received.most_common(3)
    assert sorted(received) == sorted(t.number for t in tickets)
    deliveries = [d for d in sim.deliveries if d.kind.startswith("message:")]
    assert len(deliveries) == 2 * CITIZENS * steps and all(d.delivered for d in deliveries)
