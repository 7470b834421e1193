"""What a citizen's message and an officer's tap cost in write transactions, counted on the engine.

A write transaction is a COMMIT after at least one INSERT, UPDATE or DELETE on its connection; each
is recorded as the set of `verb:table` it wrote, so a failure shows which commit is the extra one.
Before the unit of work a message cost about four (store, start of turn, the use case, end of turn,
plus a commit per status webhook and per sent mark); a tap cost four (store, claim, use case, mark),
now three: the attempt's claim stays a commit of its own, so that an update that takes the process
down is not retried without end (tests/officer/test_exactly_once.py).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from core.context import Context
from core.db.models import Conversation, InboxUpdate, Ticket
from reporter_bot import store
from simulator.whatsapp import sign
from tests.core.story import report
from tests.officer.conftest import World, sim_options, world  # noqa: F401  (fixtures)
from tests.reporter.conftest import (  # noqa: F401  (fixtures)
    APP_SECRET,
    PHONE_ID,
    Harness,
    harness,
    has,
    settings,
)

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\s+(?:INTO\s+|FROM\s+)?\"?(\w+)", re.IGNORECASE)
_WROTE = "lapor_test_wrote"
Commit = frozenset[str]
# What may commit beside the one transaction of the turn or tap: storing webhooks (with the statuses
# among them recorded and marked handled at once), and the dispatchers' sent marks with their records.
ACK = frozenset({"insert:inbox", "update:inbox", "insert:sent_messages"})
DISPATCH = frozenset({"update:outbox", "insert:sent_messages", "update:sent_messages", "insert:telegram_cards",
                      "update:telegram_cards"})


class Recorder:
    """Engine listeners added before the bots start and removed after they stop: SQLAlchemy's
    listener lists must not change while another task's connection is running them."""

    def __init__(self) -> None:
        self.commits: list[Commit] | None = None  # a list while `counting` runs

    def began(self, conn: Any) -> None:
        if self.commits is not None:
            conn.info[_WROTE] = set()  # a transaction begun before the block is not counted

    def executed(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if (found := _WRITE.match(statement)) is not None and _WROTE in conn.info:
            conn.info[_WROTE].add(f"{found.group(1).lower()}:{found.group(2).lower()}")

    def committed(self, conn: Any) -> None:
        wrote = conn.info.pop(_WROTE, None)
        if wrote and self.commits is not None:
            self.commits.append(frozenset(wrote))

    def rolled_back(self, conn: Any) -> None:
        conn.info.pop(_WROTE, None)


@pytest.fixture(autouse=True)
def recorder(ctx: Context) -> Iterator[Recorder]:
    """Set up before the bots (autouse fixtures come first), torn down after them."""
    engine: AsyncEngine = ctx.sessions.kw["bind"]
    found = Recorder()
    listeners: list[tuple[str, Callable[..., None]]] = [
        ("begin", found.began), ("after_cursor_execute", found.executed), ("commit", found.committed),
        ("rollback", found.rolled_back)]
    for name, listener in listeners:
        event.listen(engine.sync_engine, name, listener)
    yield found
    for name, listener in listeners:
        event.remove(engine.sync_engine, name, listener)


@contextmanager
def counting(recorder: Recorder) -> Iterator[list[Commit]]:
    """The write transactions committed on the context's engine while the block runs."""
    recorder.commits = commits = []
    try:
        yield commits
    finally:
        recorder.commits = None


def _work(commits: list[Commit]) -> list[Commit]:
    """The commits that are neither a webhook's acknowledgement nor a dispatcher's sent mark."""
    return [c for c in commits if not (c <= ACK and "insert:inbox" in c) and not c <= DISPATCH]


async def _at_kirim(bot: Harness, wa_id: str) -> Any:
    citizen = bot.sim.citizen(wa_id, name="Daeng Ngalle")
    await citizen.sends_text("Lampu jalan mati di depan masjid")
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_location(-5.45, 119.54)
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles)
    await citizen.taps("Lewati")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await bot.settle()
    bot.clock.advance(seconds=5)  # a real message moves the citizen's last_inbound_at
    return citizen


async def test_a_citizen_message_costs_one_write_transaction(harness: Harness, recorder: Recorder) -> None:  # noqa: F811
    citizen = await _at_kirim(harness, "081234567890")
    with counting(recorder) as commits:
        await citizen.taps("Kirim")
        await citizen.wait_for(has("PTL-"))
        await harness.settle()
        harness.clock.advance(seconds=5)
        await citizen.sends_text("halo")
        await citizen.wait_for(lambda m: m.kind == "buttons")
        await harness.settle()
    kirim, halo = _work(commits)  # the submit with its turn, then a plain turn; nothing else
    assert {"update:citizens", "insert:tickets", "insert:ticket_events", "insert:outbox",
            "update:inbox"} <= kirim, commits
    assert {"update:citizens", "insert:outbox", "update:inbox"} <= halo, commits
    for turn in (kirim, halo):  # the conversation is written in the same commit (an upsert: INSERT ... ON CONFLICT)
        assert turn & {"insert:conversations", "update:conversations"}, commits


async def test_a_new_citizens_first_message_costs_one_write_transaction(harness: Harness,  # noqa: F811
                                                                        recorder: Recorder) -> None:
    citizen = harness.sim.citizen("081234567891", name="Daeng Baru")
    with counting(recorder) as commits:
        await citizen.sends_text("halo")
        await citizen.wait_for(lambda m: m.kind == "buttons")
        await harness.settle()
    [first] = _work(commits)  # the citizen's row comes with the turn that answers them
    assert {"insert:citizens", "update:citizens", "insert:outbox", "update:inbox"} <= first, commits
    assert first & {"insert:conversations", "update:conversations"}, commits


async def test_an_officer_tap_costs_one_write_transaction(world: World, recorder: Recorder) -> None:  # noqa: F811
    await report(world.ctx, world.cast.reporter)
    card = await world.card(world.desk, "PTL-000001", "Lampu jalan")
    await world.settled()
    with counting(recorder) as commits:
        await world.verifier.taps(card, "Verifikasi")
        await world.card(world.field, "PTL-000001", "Diverifikasi")
        await world.settled()
    claim, tap = _work(commits)
    assert claim == {"update:inbox"}, commits  # the attempt counted before it starts (a crash is not retried forever)
    # then the update's mark, the verification and its notices: one commit
    assert {"update:inbox", "update:tickets", "insert:ticket_events", "insert:outbox"} <= tap, commits


async def test_a_turn_that_fails_after_its_use_case_leaves_nothing_half_done(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    citizen = await _at_kirim(harness, "081300000318")

    async def broken(*_args: Any) -> None:  # the end of the turn fails after the ticket was filed
        raise RuntimeError("disk full")
    monkeypatch.setattr(store, "save_conversation", broken)
    await citizen.taps("Kirim")
    await citizen.wait_for(has("akan diperiksa petugas"))  # told it failed
    await harness.settle()
    async with harness.ctx.sessions() as session:
        tickets = await session.scalar(select(func.count()).select_from(Ticket))
        citizen_id = (await harness.citizen_row(citizen.wa_id)).id
        conversation = await session.get(Conversation, (citizen_id, harness.ctx.kecamatan))
        failed = await session.scalar(select(func.count()).select_from(InboxUpdate).where(
            InboxUpdate.error.like("RuntimeError%")))
    assert tickets == 0 and failed == 1  # no ticket without the conversation that filed it
    assert conversation is not None and "Kirim" not in conversation.step and conversation.draft


def _text_webhook(wamid: str, wa_id: str, body: str) -> bytes:
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": PHONE_ID},
             "contacts": [{"wa_id": wa_id, "user_id": f"ID.{wa_id}", "profile": {"name": "Warga"}}],
             "messages": [{"from": wa_id, "id": wamid, "timestamp": "1", "type": "text", "text": {"body": body}}]}
    return json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}).encode()


async def test_webhooks_arriving_together_are_stored_together_each_answered_once_durable(
        harness: Harness, recorder: Recorder) -> None:  # noqa: F811
    async def stored(wamid: str) -> bool:
        async with harness.ctx.sessions() as session:
            return await session.scalar(select(InboxUpdate.id).where(InboxUpdate.external_id == wamid)) is not None

    async def post(client: httpx.AsyncClient, i: int) -> bool:
        body = _text_webhook(f"wamid.group{i}", f"62813000004{i:02d}", "halo")
        answer = await client.post("/webhook/whatsapp", content=body,
                                   headers={"X-Hub-Signature-256": sign(body, APP_SECRET)})
        return answer.status_code == 200 and await stored(f"wamid.group{i}")  # durable by its 200

    with counting(recorder) as commits:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://bot") as client:
            answered = await asyncio.gather(*(post(client, i) for i in range(20)))
        stores = [c for c in commits if "insert:inbox" in c]
    assert all(answered)
    assert len(stores) < 20, stores  # several deliveries per transaction
    await harness.settle()
