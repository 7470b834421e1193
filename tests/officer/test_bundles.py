"""Floods with Telegram's real limits: tickets that find the group's minute full wait, recorded, and the
group's next post carries every one of them, as many to a message as it holds."""

from __future__ import annotations

import math
from typing import Any

import pytest
from sqlalchemy import func, select

from core.db.models import OutboxMessage, TelegramCard, Ticket
from officer_bot.bundles import BUTTONS_LIMIT, TEXT_LIMIT, Bundles, rendered_length
from officer_bot.render import bundle_text
from officer_bot.store import WAITING
from tests.conftest import Clock
from tests.core.story import report
from tests.officer.conftest import OffsetClock, World, until

WAITERS = 150


@pytest.fixture
def sim_clock() -> OffsetClock:
    return OffsetClock()


@pytest.fixture
def sim_options(sim_clock: OffsetClock) -> dict[str, Any]:
    return {"clock": sim_clock}  # the simulator's real limits: 20 posts a minute per group, 30 a second


async def fill_the_minute(world: World) -> None:
    """Twenty posts to the desk group: Telegram takes no more there for a minute."""
    for n in range(20):
        await world.bot.tg.send_text(world.desk.id, f"Pengumuman {n}")


async def all_waiting(world: World) -> int:
    """The telegram rows not sent yet, once each has been tried and told to wait (0 until then)."""
    async with world.ctx.sessions() as session:
        untried = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "telegram", OutboxMessage.sent_at.is_(None), OutboxMessage.last_error.is_(None)))
        waiting = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "telegram", OutboxMessage.sent_at.is_(None)))
    return 0 if untried else waiting or 0


async def waiting_cards(world: World) -> list[int]:
    async with world.ctx.sessions() as session:
        return list(await session.scalars(select(TelegramCard.ticket_id).where(
            TelegramCard.message_id == WAITING).order_by(TelegramCard.id)))


async def flood(world: World, count: int) -> list[str]:
    for n in range(count):
        await report(world.ctx, world.cast.reporter, f"Banjir di lorong {n}", category="drainase",
                     latitude=None, longitude=None)
    assert await until(world.ctx, lambda: all_waiting(world), timeout=120) == count
    return [f"PTL-{n:06d}" for n in range(1, count + 1)]


def desk_calls(world: World, since: int) -> list[dict[str, Any]]:
    return [e for e in world.sim.transcript[since:] if e["method"] in ("sendMessage", "editMessageText")
            and str(e["params"].get("chat_id")) == str(world.desk.id)]


def shown(world: World) -> dict[str, int]:
    """Each ticket number in the desk -> how many bot messages show it (a card, or a bundle's button)."""
    seen: dict[str, int] = {}
    for m in world.desk.bot_messages:
        numbers = [b.text for row in m.buttons for b in row if b.text.startswith("PTL-")]
        if (m.text or "").startswith("PTL-"):
            numbers.append((m.text or "")[:10])
        for number in numbers:
            seen[number] = seen.get(number, 0) + 1
    return seen


async def room_returns(world: World, clock: Clock, sim_clock: OffsetClock) -> int:
    """A minute passes; the rows told to wait are due. The transcript's length before they run."""
    since = len(world.sim.transcript)
    clock.advance(seconds=61)
    sim_clock.advance(61)
    world.ctx.outbox.event("telegram").set()
    return since


async def test_tickets_waiting_for_the_minute_go_out_in_the_fewest_posts(
        world: World, clock: Clock, sim_clock: OffsetClock) -> None:
    await fill_the_minute(world)
    numbers = await flood(world, WAITERS)
    waiting = await waiting_cards(world)
    assert len(waiting) == WAITERS  # each recorded as listed, none shown yet, none lost
    async with world.ctx.sessions() as session:
        tickets = list(await session.scalars(select(Ticket).order_by(Ticket.id)))
    capacity = world.bot.board.bundles.fit(tickets)

    since = await room_returns(world, clock, sim_clock)
    await world.settled(timeout=60)
    assert [e for e in world.sim.transcript if e["status"] == 429] == []
    assert len(desk_calls(world, since)) <= math.ceil(WAITERS / capacity) + 1
    assert shown(world) == {number: 1 for number in numbers}
    assert await waiting_cards(world) == []
    for m in world.desk.bot_messages:
        assert len(m.text or "") <= TEXT_LIMIT and sum(len(row) for row in m.buttons) <= BUTTONS_LIMIT

    bundle = next(m for m in world.desk.bot_messages if (m.text or "").startswith("Laporan baru"))
    number = bundle.buttons[0][0].text
    assert (await world.verifier.taps(bundle, number)).text == f"Kartu {number} ditampilkan."
    card = await world.card(world.desk, number)
    assert card.button("Verifikasi") and card.reply_to is bundle


async def test_a_ticket_recorded_as_waiting_is_shown_after_a_crash(
        world: World, clock: Clock, sim_clock: OffsetClock) -> None:
    await fill_the_minute(world)
    numbers = await flood(world, 3)
    assert len(await waiting_cards(world)) == 3
    await world.bot.stop()  # the process dies: what it remembered of its bundles goes with it
    world.bot.board.bundles = Bundles(world.ctx, world.bot.tg)
    await room_returns(world, clock, sim_clock)
    await world.bot.start()
    await world.settled(timeout=30)
    assert shown(world) == {number: 1 for number in numbers}
    assert await waiting_cards(world) == []
    assert [e for e in world.sim.transcript if e["status"] == 429] == []


async def test_a_ticket_shown_in_an_up_to_date_bundle_costs_no_call(
        world: World, clock: Clock, sim_clock: OffsetClock) -> None:
    await fill_the_minute(world)
    await flood(world, 3)
    since = await room_returns(world, clock, sim_clock)
    await world.settled(timeout=30)
    assert len(desk_calls(world, since)) == 1  # the first row's post shows all three; the others send nothing


async def test_a_bundle_holds_what_one_message_can(world: World) -> None:
    for n in range(1, 121):
        await report(world.ctx, world.cast.reporter, f"Banjir {n}", category="drainase", latitude=None,
                     longitude=None)
    async with world.ctx.sessions() as session:
        tickets = list(await session.scalars(select(Ticket).order_by(Ticket.id)))
        for t in tickets:
            t.desa = "Desa " + "Panjang Sekali " * (4 if t.id % 2 else 1)  # long names: the text decides
    bundles = world.bot.board.bundles
    by_text = bundles.fit(tickets)
    assert rendered_length(bundle_text(world.ctx, tickets[:by_text])) <= TEXT_LIMIT
    assert rendered_length(bundle_text(world.ctx, tickets[:by_text + 1])) > TEXT_LIMIT
    assert bundles.fit(tickets[:1] * 150) <= BUTTONS_LIMIT
