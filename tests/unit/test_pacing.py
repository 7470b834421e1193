"""The officer bot's own pacing: messages to one person keep Telegram's one-a-second, however they race."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from officer_bot.pacing import PRIVATE_GAP, Pacer

PERSON = 5001


async def test_two_senders_to_one_person_are_a_gap_apart_counted_from_the_answer() -> None:
    """A command's reply and an outbox row at once, the first one slow on the wire: the second
    starts PRIVATE_GAP after the first was answered (Telegram counts from arrival, not from our start)."""
    pacer = Pacer(lambda: datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    loop = asyncio.get_running_loop()
    spans: list[tuple[float, float]] = []

    async def send(wire: float) -> None:
        async with pacer.private_turn(PERSON):
            started = loop.time()
            await asyncio.sleep(wire)  # the request on its way and back
            spans.append((started, loop.time()))

    await asyncio.gather(send(0.3), send(0.0))
    (_, first_answered), (second_started, _) = sorted(spans)
    assert second_started - first_answered >= PRIVATE_GAP - 0.01


async def test_groups_are_not_held_a_second() -> None:
    pacer = Pacer(lambda: datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    loop = asyncio.get_running_loop()
    started = loop.time()
    for _ in range(3):
        async with pacer.private_turn(-1001):
            pass
    assert loop.time() - started < PRIVATE_GAP
