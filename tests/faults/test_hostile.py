"""Hostile input: every case of the corpus gets its clear answer; nothing crashes, nothing is lost.

A validly signed payload is never answered 500 (Meta would retry it for days); every stored update
is processed; every tap is answered; both bots still serve an ordinary citizen and card afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from core.db.models import Base, InboxUpdate, OutboxMessage, SentMessage, Ticket
from core.usecases.desk import verify_ticket
from simulator.telegram import SimChat, SimUser
from tests.core.story import report, ticket
from tests.faults import hostile_cases as corpus
from tests.officer.conftest import World, until
from tests.reporter.conftest import APP_SECRET, Harness, has


@pytest.fixture
def sim_options() -> dict[str, Any]:
    """Telegram's flood limits on real time here, as the bot's one-a-second pacing of private chats is."""
    return {}


SIGNATURES = {
    "good": lambda body: "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest(),
    "wrong": lambda body: "sha256=" + "0" * 64,
    "other_secret": lambda body: "sha256=" + hmac.new(b"another-app-secret", body, hashlib.sha256).hexdigest(),
    "sha1": lambda body: "sha1=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha1).hexdigest(),
}


def fill(value: Any, ids: dict[str, int]) -> Any:
    """The case with `{tid}`, `{vid}` and `{gone}` replaced by real ticket ids."""
    if isinstance(value, str):
        for key, number in ids.items():
            value = value.replace("{" + key + "}", str(number))
        return value
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


async def _tickets(world: World) -> dict[str, int]:
    ctx, people = world.ctx, world.cast
    tid = await report(ctx, people.reporter, "Lampu jalan mati <b>di depan</b> <script>x</script> & 'kantor'")
    vid = await report(ctx, people.reporter, "Sampah menumpuk", category="sampah", latitude=-5.1)
    await verify_ticket(ctx, people.verifier, vid)
    gone = await report(ctx, people.reporter, "Akan dihapus", latitude=-5.0)
    await world.settled()
    async with ctx.sessions.begin() as session:  # an operator removed it by hand: its cards and rows go too
        rows = select(OutboxMessage.id).where(OutboxMessage.ticket_id == gone)
        await session.execute(delete(SentMessage).where(SentMessage.outbox_id.in_(rows)))
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if any(fk.column.table.name == "tickets" for fk in column.foreign_keys):
                    await session.execute(delete(table).where(column == gone))
        await session.execute(delete(Ticket).where(Ticket.id == gone))
    return {"tid": tid, "vid": vid, "gone": gone}


async def test_every_hostile_case_gets_its_clear_answer(world: World, harness: Harness) -> None:
    # Delivery statuses of the bot's own replies would arrive at any moment and be counted as stored
    # updates; the corpus sends the status payloads it wants checked itself.
    harness.sim.status_webhooks = False
    ctx = world.ctx
    ids = await _tickets(world)
    number = (await ticket(ctx, ids["tid"])).number
    card = await world.card(world.desk, number)
    assert "<script>x</script> & 'kantor'" in (card.text or "")  # escaped for Telegram's HTML, shown literally

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://bot") as client:
        for case in corpus.RAW:
            before = await _stored(world)
            headers = {"Content-Type": "application/json"}
            if case.signature != "missing":
                headers["X-Hub-Signature-256"] = SIGNATURES[case.signature](case.body)
            answer = await client.post("/webhook/whatsapp", content=case.body, headers=headers)
            assert answer.status_code == case.status, (case.name, answer.status_code, answer.text)
            await harness.settle()
            assert await _stored(world) - before == int(case.stored), case.name
        challenge = await client.get("/webhook/whatsapp", params={
            "hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "42"})
        assert challenge.status_code == 403

    for index, case in enumerate(corpus.CITIZEN):
        citizen = harness.sim.citizen(f"0819{index:08d}", name=f"Uji {index}")
        await harness.sim.receive_from(citizen, fill(case.message, ids), harness.sim.faults)
        got = await citizen.wait_for(has(case.reply), timeout=10)
        assert got.text, case.name

    users = {"verifier": world.verifier, "officer": world.officer, "stranger": world.stranger,
             "camat": world.camat}
    for tap_case in corpus.TAPS:
        tap = users[tap_case.who].taps_data(card, fill(tap_case.data, ids))
        said = (await tap.answered(timeout=10)).text or ""
        assert said and tap_case.answer in said, (tap_case.name, said)

    chats: dict[str, Any] = {"desk": world.desk, "field": world.field}
    for command in corpus.COMMANDS:
        user: SimUser = users[command.who]
        chat: SimChat = chats.get(command.chat) or user.private_chat
        sent = await user.sends(chat, fill(command.text, ids))
        reply = await chat.wait_for(lambda m, s=sent: (m.from_bot and m.reply_to is s) or (
            m.from_bot and m.chat.is_private and m.message_id > s.message_id), timeout=10)
        assert command.reply in (reply.text or ""), (command.name, reply.text)

    await harness.settle()

    async def nothing_pending() -> bool:  # the officer bot marks an update done just after its reply
        async with ctx.sessions() as session:
            return not await session.scalar(select(func.count()).select_from(InboxUpdate).where(
                InboxUpdate.processed_at.is_(None)))

    await until(ctx, nothing_pending, timeout=10)
    async with ctx.sessions() as session:
        failed = list(await session.execute(select(InboxUpdate.external_id, InboxUpdate.error).where(
            InboxUpdate.error.is_not(None))))
    # Nothing lost; the one update nobody can be answered for is kept with its reason (as is each
    # unreadable body, checked with its reason in tests/reporter/test_unreadable.py).
    assert [key for key, _ in failed if not key.startswith("unreadable:")] == ["wamid.bad-from"], failed

    # Both bots still serve ordinary people.
    citizen = harness.sim.citizen("081300009999", name="Biasa")
    await citizen.sends_text("halo")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    assert (await world.officer.taps(await world.card(world.field, (await ticket(ctx, ids["vid"])).number),
                                     "Ambil")).text.startswith("Anda mengambil")


async def _stored(world: World) -> int:
    async with world.ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(InboxUpdate).where(
            InboxUpdate.platform == "whatsapp")) or 0
