"""Replicas posting as one bot keep Telegram's limits between them (officer_bot/shared_pacing.py): 20 posts a
minute per group, a second between two messages to a person, 30 calls a second for the bot."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta
from types import SimpleNamespace

import pytest

from core.context import Context
from officer_bot.pacing import GROUP_PER_MINUTE, PRIVATE_GAP, RESERVE, Busy, Pacer
from officer_bot.shared_pacing import SharedPacing
from tests.conftest import Clock

GROUP, OTHER, PERSON = -100_111, -100_222, 5001


def replicas(ctx: Context, clock: Clock, n: int = 3) -> list[Pacer]:
    return [Pacer(clock, shared=SharedPacing(ctx)) for _ in range(n)]


async def test_three_replicas_post_twenty_a_minute_to_a_group_between_them(ctx: Context, clock: Clock) -> None:
    pacers = replicas(ctx, clock)

    async def post(pacer: Pacer) -> bool:
        try:
            await pacer.before_post(GROUP)
        except Busy as busy:
            assert timedelta(0) < busy.after <= timedelta(minutes=1)
            return False
        return True

    posted = await asyncio.gather(*(post(pacers[i % 3]) for i in range(30)))  # each tries ten, all at once
    assert sum(posted) == GROUP_PER_MINUTE  # alone, each would have taken its ten
    await pacers[0].before_post(OTHER)  # another group has a minute of its own
    for pacer in pacers:  # what the others posted counts in each one's room (the flood's bundles)
        with pytest.raises(Busy):
            await pacer.before_post(GROUP)
        assert pacer.room(GROUP) == -RESERVE
    clock.advance(seconds=63)  # a minute, and the slack for the wire (shared_pacing.SLACK)
    await pacers[2].before_post(GROUP)  # a minute later the window has room again
    assert pacers[2].room(GROUP) == GROUP_PER_MINUTE - RESERVE - 1


async def test_a_private_chat_and_a_lone_pacer_never_touch_the_table(ctx: Context, clock: Clock) -> None:
    shared, alone = Pacer(clock, shared=SharedPacing(ctx)), Pacer(clock)
    for _ in range(GROUP_PER_MINUTE):
        await alone.before_post(GROUP)
    await shared.before_post(GROUP)  # the lone pacer's posts are its own: the shared minute is empty
    await shared.before_post(PERSON)
    assert shared.room(GROUP) == GROUP_PER_MINUTE - RESERVE - 1 and alone.room(GROUP) == -RESERVE


async def test_two_replicas_messaging_one_person_keep_a_second_apart(ctx: Context, clock: Clock) -> None:
    """A command's answer from one replica and an outbox row from another, to the same person at once: the
    second starts a gap after the first, though neither process knows the other's answer."""
    pacers = replicas(ctx, clock, 2)
    loop = asyncio.get_running_loop()
    starts: list[float] = []

    async def send(pacer: Pacer) -> None:
        async with pacer.private_turn(PERSON):
            starts.append(loop.time())

    await asyncio.gather(*(send(p) for p in pacers), *(send(p) for p in pacers))
    assert all(b - a >= PRIVATE_GAP - 0.01 for a, b in itertools.pairwise(sorted(starts)))


async def test_three_replicas_share_the_bots_calls_a_second(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot's 30 a second (edits included) counts every replica's calls: taken at once from three, exactly
    the limit goes, the rest are told how long until the oldest call leaves the second."""
    wall = [1_000_000.0]
    monkeypatch.setattr("officer_bot.shared_pacing.time", SimpleNamespace(time=lambda: wall[0]))
    shared = [SharedPacing(ctx) for _ in range(3)]
    waits = await asyncio.gather(*(shared[i % 3].second(1, 5) for i in range(15)))
    assert waits.count(0.0) == 5 and all(w == pytest.approx(1.0) for w in waits if w)
    wall[0] += 0.4
    assert await shared[1].second(1, 5) == pytest.approx(0.6)  # nothing taken while it waits
    wall[0] += 0.61
    assert [await s.second(2, 5) for s in shared] == [0.0, 0.0, pytest.approx(1.0)]  # the earlier five left
    assert await SharedPacing(ctx, "other-bot").second(5, 5) == 0.0  # a kecamatan's own bot has its own second


async def test_a_shared_pacer_waits_for_the_others_calls(ctx: Context, clock: Clock,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    wall = [1_000_000.0]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        wall[0] += seconds

    monkeypatch.setattr("officer_bot.shared_pacing.time", SimpleNamespace(time=lambda: wall[0]))
    monkeypatch.setattr("officer_bot.pacing.asyncio.sleep", sleep)
    first, second = (Pacer(clock, per_second=3, shared=SharedPacing(ctx)) for _ in range(2))
    await first.before_any(3)
    await second.before_any()  # the first's three fill the second: this one waits for them to leave it
    assert slept == [pytest.approx(1.0)]
