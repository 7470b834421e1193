"""Fuzz: hypothesis makes valid-but-odd WhatsApp messages and Telegram updates; no handler may fail.

Examples are drawn by hypothesis (derandomized, no example database) and then delivered through the
real bots: WhatsApp messages signed by the simulator, Telegram texts, commands and taps from
simulated users. `LAPOR_FUZZ_EXAMPLES` sets how many of each (default 1000). Afterwards: every
webhook answered 200, every update processed without an error, every tap answered, no handler
logged a failure, and both bots still serve an ordinary request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import func, select

from core.db.models import InboxUpdate
from core.usecases.desk import verify_ticket
from simulator.telegram import SimMessage
from tests.conftest import Clock
from tests.core.story import report, ticket
from tests.faults.conftest import delivered, time_warp
from tests.officer.conftest import World
from tests.reporter.conftest import Harness

EXAMPLES = int(os.environ.get("LAPOR_FUZZ_EXAMPLES", "1000"))
# Hypothesis keeps caches under ./.hypothesis even without an example database: not in the repo.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(tempfile.mkdtemp(prefix="lapor-hypothesis-"))
DRAW = settings(max_examples=EXAMPLES, database=None, derandomize=True, deadline=None,
                suppress_health_check=list(HealthCheck))

odd_text = st.one_of(st.text(max_size=300), st.sampled_from([
    "", " ", "menu", "status", "batal", "cek PTL-000001", "status ptl1", "batal PTL-0", "English", "bahasa",
    "Lampu jalan mati", "?", "\u202e", "0" * 500, "PTL-" + "9" * 30]))
number = st.one_of(st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
choice_id = st.one_of(st.text(max_size=40), st.builds(
    lambda kind, a, b: f"{kind}:{a}:{b}" if b is not None else f"{kind}:{a}",
    st.sampled_from(["menu", "grp", "cat", "desa", "photo", "priv", "edit", "sum", "near", "fix", "nofix", "rate",
                     "cancel", "pick"]),
    st.one_of(st.text(max_size=12), st.integers(-5, 10**20).map(str)),
    st.none() | st.one_of(st.text(max_size=6), st.integers(0, 99).map(str))))

whatsapp_message = st.one_of(
    st.builds(lambda body: {"type": "text", "text": {"body": body}}, odd_text),
    st.builds(lambda lat, lon, name: {"type": "location", "location": {"latitude": lat, "longitude": lon,
                                                                      **({"name": name} if name else {})}},
              number, number, st.none() | st.text(max_size=50)),
    st.builds(lambda cid, title, kind: {"type": "interactive", "interactive": {
        "type": kind, kind: {"id": cid, "title": title}}}, choice_id, st.text(max_size=30),
        st.sampled_from(["button_reply", "list_reply"])),
    st.builds(lambda payload: {"type": "button", "button": {"payload": payload, "text": "Lihat"}},
              st.text(max_size=20)),
    st.builds(lambda kind, content: {"type": kind, kind: content},
              st.sampled_from(["reaction", "sticker", "contacts", "order", "system", "unsupported", "unknown",
                               "image", "audio", "video", "document"]),
              st.dictionaries(st.sampled_from(["id", "caption", "mime_type", "emoji", "body", "voice"]),
                              st.one_of(st.text(max_size=20), st.integers(), st.booleans(), st.none()), max_size=4)),
    st.builds(lambda typ, extra: {"type": typ, **extra}, st.text(max_size=10),
              st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3)),
)

telegram_action = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(["desk", "field", "private"]), st.one_of(
        odd_text, st.builds(lambda c, a: f"/{c} {a}", st.sampled_from(["start", "daftar", "ringkasan", "tiket",
                                                                         "help", "x"]), odd_text))),
    st.tuples(st.just("reply"), st.sampled_from(["desk", "field"]), odd_text),
    st.tuples(st.just("tap"), st.sampled_from(["desk", "field"]), st.one_of(st.text(max_size=64), st.builds(
        lambda op, a, b: ":".join([op, *map(str, a), *map(str, b)]),
        st.sampled_from(["v", "vc", "vd", "r", "rr", "rw", "d", "dd", "dw", "f", "fa", "q", "a", "u", "s", "l", "cr",
                         "co", "ce", "cx", "cc", "o", "x", "sa", "sn"]),
        st.lists(st.integers(-3, 2**64), min_size=1, max_size=1), st.lists(st.integers(-3, 2**40), max_size=2)))),
)


@pytest.fixture
def wa_options() -> dict[str, object]:
    """No delivery-status webhooks: they are not what is fuzzed, and they quadruple the traffic."""
    return {"messages_per_second": 1000, "status_webhooks": False}


def drawn(strategy: st.SearchStrategy[Any]) -> list[Any]:
    """`EXAMPLES` values of the strategy, as hypothesis draws them (deterministic)."""
    found: list[Any] = []

    @DRAW
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    collect()
    return found


async def test_odd_whatsapp_messages_never_break_the_reporter(harness: Harness, clock: Clock,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    messages = drawn(whatsapp_message)
    citizens = [harness.sim.citizen(f"0817{i:08d}", name=f"Fuzz {i}") for i in range(40)]

    async def one_citizen(index: int) -> None:
        for message in messages[index::len(citizens)]:
            await harness.sim.receive_from(citizens[index], message, harness.sim.faults)

    with caplog.at_level(logging.ERROR):
        await asyncio.gather(*(one_citizen(i) for i in range(len(citizens))))
        await harness.settle()
    deliveries = [d for d in harness.sim.deliveries if d.kind.startswith("message:")]
    assert len(deliveries) == len(messages) and all(d.attempts == [200] for d in deliveries)
    async with harness.ctx.sessions() as session:
        failed = list(await session.execute(select(InboxUpdate.payload, InboxUpdate.error).where(
            InboxUpdate.error.is_not(None)).limit(3)))
        pending = await session.scalar(select(func.count()).select_from(InboxUpdate).where(
            InboxUpdate.processed_at.is_(None)))
    assert failed == [] and pending == 0, failed
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    async with time_warp(harness.ctx, clock, channels=("whatsapp",)):  # every answer accepted by the platform
        await delivered(harness.ctx, timeout=120, channels=("whatsapp",))
    ordinary = harness.sim.citizen("081300001111")
    await ordinary.sends_text("halo")
    await ordinary.wait_for(lambda m: m.kind == "buttons")
    print(f"\n{len(messages)} odd WhatsApp messages from {len(citizens)} citizens")


async def test_odd_telegram_updates_never_break_the_officer_bot(world: World, caplog: pytest.LogCaptureFixture,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    actions = drawn(telegram_action)
    ctx = world.ctx
    tid = await report(ctx, world.cast.reporter)
    vid = await report(ctx, world.cast.reporter, "Sampah", category="sampah", latitude=-5.2)
    await verify_ticket(ctx, world.cast.verifier, vid)
    cards = {"desk": await world.card(world.desk, (await ticket(ctx, tid)).number),
             "field": await world.card(world.field, (await ticket(ctx, vid)).number)}
    people = [world.verifier, world.officer, world.stranger, world.admin, world.camat]
    chats = {"desk": world.desk, "field": world.field}
    world.sim.limits.enabled = False  # thousands of answers in seconds: Telegram's flood limits are not the subject
    world.bot.pacer.per_group = world.bot.pacer.per_second = 10**6
    monkeypatch.setattr("officer_bot.pacing.PRIVATE_GAP", 0.0)
    taps = []
    with caplog.at_level(logging.ERROR):
        for n, (kind, where, value) in enumerate(actions):
            user = people[n % len(people)]
            if kind == "tap":
                taps.append(user.taps_data(cards[where], value))
            elif kind == "reply":
                await user.replies(chats[where], cards[where], value or ".")
            else:
                await user.sends(chats.get(where) or user.private_chat, value or ".")
        answers = [await tap.answered(timeout=60) for tap in taps]
        await world.settled(timeout=60)
    assert all(a.text for a in answers)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and r.name.startswith(
        ("officer_bot", "telegram"))] == []
    field_card: SimMessage = await world.card(world.field, (await ticket(ctx, vid)).number)
    if field_card.button("Ambil"):
        # behind the fuzz's backlog in the field chat: answered within Telegram's window (about 15 s), as
        # the tap window promises (officer_bot/tap_window.py), not within a test's guess
        assert (await world.officer.taps(field_card, "Ambil", timeout=15)).text
    print(f"\n{len(actions)} odd Telegram updates ({len(taps)} taps)")
