"""What cannot be read or handled: answered, kept with its reason, counted, told; no queue ever blocked.

Signed bodies of any size, shape or depth are answered 200 (Meta retries anything else for days) and
kept with the reason; text that cannot be encoded is cleaned where it comes in; a message whose
processing fails is apologised for to the citizen and shown to the desk, once.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from core.context import Context
from core.db.models import InboxUpdate, OutboxMessage
from lapor_camat.web import health_routes
from reporter_bot import router
from reporter_bot.webhook_body import Incoming, parse
from simulator.whatsapp import webhooks as wire
from tests.faults import hostile_cases as corpus
from tests.officer.conftest import World, sim_options, world  # noqa: F401  (fixtures)
from tests.reporter.conftest import PHONE_ID, Harness, has, report
from tests.reporter.test_batches import batch, post_signed, settled, written

CASES = [case for case in corpus.RAW if case.reason]
LONE = "\ud83d"  # half an emoji: legal in JSON as the escape \ud83d, not encodable as UTF-8


async def _unreadable(ctx: Context) -> list[InboxUpdate]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(InboxUpdate).where(
            InboxUpdate.external_id.startswith("unreadable:")).order_by(InboxUpdate.id)))


async def _metrics(ctx: Context) -> str:
    app = Starlette(routes=health_routes(ctx, lambda: {"reporter": True}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
        return (await client.get("/metrics")).text


async def test_every_unreadable_body_is_answered_kept_with_its_reason_and_counted(
        harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        for case in CASES:
            answer = await post_signed(harness, case.body)
            assert answer.status_code == 200, (case.name, answer.status_code)
            rows = await _unreadable(harness.ctx)
            assert rows and case.reason in (rows[-1].error or ""), (case.name, rows[-1].error if rows else None)
            assert rows[-1].processed_at is not None and len(rows[-1].payload) <= 4096, case.name
        assert len(await _unreadable(harness.ctx)) == len(CASES)
        assert (await post_signed(harness, CASES[0].body)).status_code == 200  # Meta's retry: kept once
        assert len(await _unreadable(harness.ctx)) == len(CASES)
    assert f'lapor_inbox_unreadable{{platform="whatsapp"}} {len(CASES)}' in await _metrics(harness.ctx)
    # Reasons are logged, bodies never (SQLAlchemy's statement echo, an operator's opt-in, is not ours).
    logged = [r.getMessage() + repr(vars(r)) for r in caplog.records
              if not r.name.startswith(("sqlalchemy", "aiosqlite"))]
    assert not [line for line in logged if corpus.SECRET_TEXT in line]

    citizen = harness.sim.citizen("081300000310")  # the worker is still there for the next citizen
    await citizen.sends_text("halo")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    await settled(harness)
    async with harness.ctx.sessions() as session:
        assert not await session.scalar(select(func.count()).select_from(InboxUpdate).where(
            InboxUpdate.processed_at.is_(None)))


async def test_the_readable_messages_of_a_partly_unreadable_body_are_answered(harness: Harness) -> None:
    sim = harness.sim
    ani = sim.citizen("081300000311", name="Ani")
    good = written(sim, ani, "halo")
    body = json.loads(batch(sim, good))
    body["entry"][0]["changes"][0]["value"]["messages"].append({"from": ani.wa_id, "type": "text", "text": {}})
    assert (await post_signed(harness, json.dumps(body).encode())).status_code == 200
    await ani.wait_for(lambda m: m.kind == "buttons")
    [row] = await _unreadable(harness.ctx)
    assert "message 2" in (row.error or "") and "id" in (row.error or "")


async def test_odd_but_readable_parts_never_fail_the_message(harness: Harness) -> None:
    sim = harness.sim
    ani, budi = sim.citizen("081300000312", name="Ani"), sim.citizen("081300000313", name="Budi")
    for who, odd in ((ani, {"contacts": "Ani"}), (budi, {"contacts": [{"wa_id": budi.wa_id, "profile": ["B"]}, 7]})):
        body = json.loads(batch(sim, written(sim, who, "halo", timestamp={"at": [1]})))
        body["entry"][0]["changes"][0]["value"].update(odd)
        assert (await post_signed(harness, json.dumps(body).encode())).status_code == 200
        await who.wait_for(lambda m: m.kind == "buttons")
    await settled(harness)
    async with harness.ctx.sessions() as session:
        assert list(await session.scalars(select(InboxUpdate.error).where(InboxUpdate.error.is_not(None)))) == []


def _has_lone_surrogate(value: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in value)


def _strings(message: Incoming) -> list[str]:
    found = [v for v in vars(message).values() if isinstance(v, str)]
    return found + ([v for v in vars(message.media).values() if isinstance(v, str)] if message.media else [])


@pytest.mark.parametrize("message", [
    {"type": "text", "text": {"body": f"Lampu {LONE} mati"}},
    {"type": "image", "image": {"id": f"77{LONE}", "mime_type": f"image/jpeg{LONE}", "caption": f"Foto {LONE}"}},
    {"type": "document", "document": {"id": "1", "mime_type": "application/pdf", "filename": f"surat{LONE}.pdf",
                                      "caption": LONE}},
    {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": f"menu:{LONE}",
                                                                                     "title": f"Lapor {LONE}"}}},
    {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "cat:x", "title": LONE}}},
    {"type": "button", "button": {"payload": LONE, "text": f"Lihat {LONE}"}},
    {"type": "location", "location": {"latitude": -5.4, "longitude": 119.5, "name": LONE, "address": f"Jl {LONE}"}},
    {"type": f"hologram{LONE}"},
], ids=["text", "image", "document", "button", "list", "template button", "location", "type"])
def test_every_text_of_a_message_is_cleaned_of_lone_surrogates(message: dict[str, Any]) -> None:
    item = {"from": "6281300000314", "id": "wamid.lone", "timestamp": "1790000000", **message}
    body = json.dumps(wire.envelope(wire.Account("1", PHONE_ID, "1"), {
        "contacts": [{"wa_id": "6281300000314", "profile": {"name": f"Budi {LONE}"}}], "messages": [item]}))
    [parsed], _ = parse(body, PHONE_ID)
    assert parsed.name == "Budi \ufffd"
    assert not [s for s in _strings(parsed) if _has_lone_surrogate(s)], parsed


async def test_a_lone_surrogate_is_replaced_where_it_comes_in_and_blocks_nobody(harness: Harness) -> None:
    sim = harness.sim
    citizen = sim.citizen("081300000315", name="Budi")
    body = json.loads(batch(sim, written(sim, citizen, f"Lampu jalan mati {LONE} di depan masjid")))
    body["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] = f"Budi {LONE}"
    assert (await post_signed(harness, json.dumps(body).encode())).status_code == 200
    await citizen.wait_for(lambda m: m.kind == "location_request")
    await citizen.sends_location(-5.45, 119.54)
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles)
    await citizen.taps("Lewati")
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa")
    summary = await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    assert "Lampu jalan mati \ufffd di depan masjid" in (summary.text or "")
    await citizen.taps("Kirim")
    await citizen.wait_for(has("PTL-"))
    await citizen.sends_text("menu")  # and the next message is not stuck behind anything
    await citizen.wait_for(lambda m: m.kind == "buttons" and "Lapor masalah" in m.button_titles)
    [ticket] = await harness.tickets()
    assert ticket.description == "Lampu jalan mati \ufffd di depan masjid"
    assert (await harness.citizen_row(citizen.wa_id)).name == "Budi \ufffd"
    await settled(harness)
    async with harness.ctx.sessions() as session:
        stuck = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == "whatsapp", OutboxMessage.sent_at.is_(None)))
    assert stuck == 0


def _failing_on(word: str) -> Callable[..., Any]:
    handle = router.handle

    async def failing(turn: Any, msg: Incoming) -> None:
        if msg.text == word:
            raise RuntimeError("simulated failure while handling a message")
        await handle(turn, msg)

    return failing


def _desk_notice(message: Any) -> bool:
    return bool(message.from_bot and "gagal diproses" in (message.text or ""))


async def test_failed_processing_is_shown_to_the_desk_once_with_the_ticket(
        world: World, harness: Harness, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        caplog: pytest.LogCaptureFixture) -> None:
    citizen = harness.sim.citizen("081300000316", name="Ani")
    number = await report(citizen)
    monkeypatch.setattr(router, "handle", _failing_on("foto sudah saya kirim"))
    with caplog.at_level(logging.ERROR):
        await citizen.sends_text("foto sudah saya kirim")
        await citizen.wait_for(has("akan diperiksa petugas"))
        notice = await world.desk.wait_for(_desk_notice, timeout=10)
    assert number in (notice.text or "") and "foto sudah saya kirim" in (notice.text or "")
    assert citizen.wa_id[2:] not in (notice.text or "") and "0813" not in (notice.text or "")  # no number with it
    assert any(r.levelno >= logging.ERROR and r.name.startswith("reporter_bot") for r in caplog.records)
    await settled(harness)
    await world.settled()
    assert sum(1 for m in world.desk.messages if _desk_notice(m)) == 1


async def test_failed_processing_without_a_ticket_shows_the_masked_number(
        world: World, harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    citizen = harness.sim.citizen("081300000317", name="Budi")
    monkeypatch.setattr(router, "handle", _failing_on("Jalan rusak parah"))
    await citizen.sends_text("Jalan rusak parah")
    await citizen.wait_for(has("akan diperiksa petugas"))
    notice = await world.desk.wait_for(_desk_notice, timeout=10)
    assert "0813*****317" in (notice.text or "") and "081300000317" not in (notice.text or "")
    assert not re.search(r"PTL-\d", notice.text or "")
    async with harness.ctx.sessions() as session:
        [row] = list(await session.scalars(select(InboxUpdate).where(InboxUpdate.error.is_not(None))))
    assert "RuntimeError" in (row.error or "")
    assert 'lapor_inbox_failed{platform="whatsapp"} 1' in await _metrics(harness.ctx)
