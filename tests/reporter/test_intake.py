"""Intake that loses nothing: signatures, store before 200, redeliveries, order, restarts and crashes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from sqlalchemy import func, select

from core import inbox
from core.db.models import InboxUpdate, OutboxMessage, SentMessage
from simulator.whatsapp import sign
from tests.reporter.conftest import APP_SECRET, PHONE_ID, VERIFY_TOKEN, Harness, has, located_to_kirim


def _text_webhook(wamid: str, wa_id: str, body: str) -> bytes:
    value = {"messaging_product": "whatsapp", "metadata": {"display_phone_number": "1", "phone_number_id": PHONE_ID},
             "contacts": [{"wa_id": wa_id, "user_id": "ID.1", "profile": {"name": "Warga"}}],
             "messages": [{"from": wa_id, "id": wamid, "timestamp": "1", "type": "text", "text": {"body": body}}]}
    return json.dumps({"object": "whatsapp_business_account",
                       "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]}).encode()


async def _inbox_count(harness: Harness) -> int:
    async with harness.ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(InboxUpdate).where(
            ~InboxUpdate.external_id.startswith("status:"))) or 0


async def test_verification_handshake(harness: Harness) -> None:
    assert await harness.sim.verify_webhook(VERIFY_TOKEN)
    assert not await harness.sim.verify_webhook("not-the-token")


async def test_missing_or_wrong_signature_is_refused_and_nothing_stored(harness: Harness, caplog: object) -> None:
    body = _text_webhook("wamid.forged", "6281234567890", "rahasia-isi-pesan")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://bot") as client:
        missing = await client.post("/webhook/whatsapp", content=body)
        wrong = await client.post("/webhook/whatsapp", content=body,
                                  headers={"X-Hub-Signature-256": sign(body, "another-secret")})
        good = await client.post("/webhook/whatsapp", content=body,
                                 headers={"X-Hub-Signature-256": sign(body, APP_SECRET)})
    assert (missing.status_code, wrong.status_code, good.status_code) == (401, 403, 200)
    await harness.settle()
    assert await _inbox_count(harness) == 1  # only the signed one
    text = "\n".join(r.getMessage() for r in caplog.records)  # type: ignore[attr-defined]
    assert "rahasia-isi-pesan" not in text and "refused" in text


async def test_same_message_twice_and_out_of_order_gives_one_ticket_one_answer(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000010")
    await citizen.sends_text("halo", duplicate=True)
    await citizen.wait_for(lambda m: m.kind == "buttons")
    await citizen.sends_text("Pohon tumbang menutup jalan", hold=True)  # arrives after the location
    await citizen.sends_location(-5.44, 119.56, duplicate=True)
    await citizen.wait_for(lambda m: m.kind == "list")  # the location came first: the category is asked
    await citizen.wait_for(lambda m: "Lewati" in m.button_titles)  # then the story, with its category
    await citizen.taps("Lewati", duplicate=True)
    await citizen.wait_for(lambda m: "Biasa" in m.button_titles)
    await citizen.taps("Biasa", duplicate=True)
    await citizen.wait_for(lambda m: "Kirim" in m.button_titles)
    await citizen.taps("Kirim", duplicate=True)
    await citizen.wait_for(has("PTL-"))

    late = [d.body for d in harness.sim.deliveries if d.kind.startswith("message")][:4]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://bot") as client:
        for body in reversed(late):  # WhatsApp redelivers old webhooks, late and in any order
            answer = await client.post("/webhook/whatsapp", content=body,
                                       headers={"X-Hub-Signature-256": sign(body, APP_SECRET)})
            assert answer.status_code == 200
    await harness.settle()
    await harness.sim.idle()
    [ticket] = await harness.tickets()
    assert ticket.category == "pohon" and ticket.latitude == -5.44
    assert sum(1 for m in citizen.received if m.text and "PTL-" in m.text) == 1
    assert len(citizen.received) == 6  # menu, category, photos, privacy, summary, ticket: one answer each
    assert await _inbox_count(harness) == 6


async def test_per_citizen_order_under_concurrency(harness: Harness) -> None:
    citizens = [harness.sim.citizen(f"08130000{n:04d}") for n in range(20, 28)]
    for who in citizens:
        await who.sends_text("halo")
    await asyncio.gather(*(who.wait_for(lambda m: m.kind == "buttons") for who in citizens))

    async def burst(who: Any) -> None:
        await asyncio.gather(who.sends_text("Lampu jalan mati"), who.sends_text("Jl. Melati no. 4"))

    await asyncio.gather(*(burst(who) for who in citizens))
    await harness.settle()
    for who in citizens:
        await who.wait_for(lambda m: m.kind == "location_request")
        desa = await who.wait_for(lambda m: m.kind == "list")  # second message handled second: the place
        assert "desa" in (desa.text or "")
    await harness.sim.idle()
    await harness.settle()
    async with harness.ctx.sessions() as session:
        rows = list(await session.scalars(select(InboxUpdate).order_by(InboxUpdate.id)))
    assert [(r.external_id, r.error) for r in rows if r.processed_at is None or r.error] == []


async def test_restart_in_the_middle_of_a_report_continues(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000030")
    await citizen.sends_text("halo")
    await citizen.wait_for(lambda m: m.kind == "buttons")
    await citizen.sends_text("Saluran tersumbat, air meluap ke jalan")
    await citizen.wait_for(lambda m: m.kind == "list")
    await harness.stop()

    await harness.start()  # a new bot on the same database
    await citizen.chooses("Lingkungan")
    await citizen.wait_for(lambda m: "Drainase / banjir" in m.row_titles)
    await citizen.chooses("Drainase / banjir")
    await located_to_kirim(citizen, -5.41, 119.52)
    await citizen.wait_for(has("PTL-000001"))
    [ticket] = await harness.tickets()
    assert ticket.description == "Saluran tersumbat, air meluap ke jalan" and ticket.category == "drainase"


async def test_update_stored_before_a_crash_is_processed_on_start(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000040")
    await harness.stop()
    stored = await inbox.store(harness.ctx, "whatsapp", "wamid.crashed", citizen.wa_id,
                               _text_webhook("wamid.crashed", citizen.wa_id, "menu").decode())
    assert stored is not None
    citizen.last_inbound_at = harness.clock()  # it did write, before the crash

    await harness.start()
    menu = await citizen.wait_for(lambda m: m.kind == "buttons")
    assert "Lapor masalah" in menu.button_titles
    await harness.sim.idle()
    await harness.settle()
    assert await inbox.pending(harness.ctx, "whatsapp") == []


async def test_status_webhooks_update_delivery_state(harness: Harness) -> None:
    citizen = harness.sim.citizen("081300000050")
    await citizen.sends_text("menu")
    menu = await citizen.wait_for(lambda m: m.kind == "buttons")
    await harness.sim.idle()
    await harness.settle()
    async with harness.ctx.sessions() as session:
        row = await session.scalar(select(SentMessage).where(SentMessage.external_id == menu.wamid))
        outbox_id = await session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "wa.reply"))
    assert row is not None and row.status == "read" and row.outbox_id == outbox_id
