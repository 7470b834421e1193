"""Platform faults: both simulators fail 20 % of API calls (500, 429, lost answers, dropped connections).

Citizens report over WhatsApp; the desk verifies and an officer accepts each ticket. Every message
owed must reach its chat in the end, in order per chat. Neither platform offers an idempotency key
for sends, so a call whose answer was lost (the platform did it) is sent again: that duplicate on
the wire is allowed, counted and printed, and must be an exact repeat of the message that follows it.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from sqlalchemy import select

from core.db.models import OutboxMessage, SentMessage, TelegramCard, Ticket
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from simulator.whatsapp import Citizen
from tests.conftest import Clock
from tests.faults.conftest import delivered, short_report, time_warp
from tests.officer.conftest import World
from tests.reporter.conftest import Harness

CITIZENS = 12
RATE = 0.2


async def _report(citizen: Citizen, i: int) -> None:
    for _, send, answered in short_report(i):
        await send(citizen)
        await citizen.wait_for(answered, timeout=60)


async def test_a_fifth_of_api_calls_fail_and_every_message_still_arrives_in_order(
        world: World, harness: Harness, clock: Clock) -> None:
    ctx = world.ctx
    wa_faults = harness.sim.api_faults(RATE, seed=11)
    tg_faults = world.sim.api_faults(RATE, seed=12)
    citizens = [harness.sim.citizen(f"0813{5000_0000 + i:08d}", name=f"Warga {i}") for i in range(CITIZENS)]
    async with time_warp(ctx, clock):
        await asyncio.gather(*(_report(c, i) for i, c in enumerate(citizens)))
        async with ctx.sessions() as session:
            tickets = list(await session.scalars(select(Ticket).order_by(Ticket.id)))
        assert len(tickets) == CITIZENS
        for t in tickets:
            await verify_ticket(ctx, world.cast.verifier, t.id, desa="Bajeng")
            await accept_ticket(ctx, world.cast.officer, t.id)
        await delivered(ctx, timeout=90)

    wire_duplicates = Counter[str]()
    async with ctx.sessions() as session:
        sent = {s.external_id: s.outbox_id for s in await session.scalars(
            select(SentMessage).where(SentMessage.channel == "whatsapp"))}
        rows = list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        cards = list(await session.scalars(select(TelegramCard)))
    assert all(r.sent_at is not None for r in rows)
    for citizen in citizens:
        row = await harness.citizen_row(citizen.wa_id)
        owed = [r.id for r in rows if r.recipient == f"citizen:{row.id}"]
        got = [sent.get(m.wamid) for m in citizen.received]
        assert [g for g in got if g is not None] == owed, citizen  # each owed message once, in order
        for index, outbox_id in enumerate(got):
            if outbox_id is None:  # sent, answer lost, sent again: the next message is the same one, rendered anew
                wire_duplicates["whatsapp"] += 1
                first_line = [(m.text or "").split(".")[0] for m in citizen.received[index:index + 2]]
                assert first_line[0] == first_line[1], first_line
        assert citizen.received[-1].text and "sedang dikerjakan" in citizen.received[-1].text

    bundled = 0
    for t in tickets:
        for chat in (world.desk, world.field):
            shown = [m for m in chat.bot_messages if (m.text or "").startswith(f"{t.number} ·")]
            [tracked] = [c for c in cards if c.ticket_id == t.id and c.chat_id == chat.id]
            card = next(m for m in chat.bot_messages if m.message_id == tracked.message_id)
            assert t.number in (card.text or "")
            if tracked.role.startswith("bundle_"):  # the group was flooded: the ticket is listed in a bundle
                bundled += 1
            else:  # every edit landed, the last one last
                assert "Dikerjakan oleh Baso Petugas" in (card.text or ""), card.text
            wire_duplicates["telegram"] += max(0, len(shown) - 1)
    print(f"\ninjected WhatsApp faults {dict(wa_faults.counts)} of {wa_faults.calls} calls; "
          f"Telegram {dict(tg_faults.counts)} of {tg_faults.calls}; duplicates on the wire {dict(wire_duplicates)}; "
          f"cards in bundles {bundled}")
    assert sum(wa_faults.counts.values()) > 0 and sum(tg_faults.counts.values()) > 0
