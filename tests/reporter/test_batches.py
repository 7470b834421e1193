"""One webhook body, many messages: each message (and status) is stored, deduplicated and answered on its own.

Meta batches updates (up to 1,000 in one body, from several citizens) and may later deliver any of them
again, alone or in another grouping: the WhatsApp message id (`wamid`) is what makes a message the same.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from sqlalchemy import select

from core.db.models import InboxUpdate
from reporter_bot.webhook_body import parse
from simulator.whatsapp import Citizen, WhatsAppSimulator, sign
from simulator.whatsapp import webhooks as wire
from tests.reporter.conftest import APP_SECRET, PHONE_ID, Harness

MENU = "Lapor masalah"


def written(sim: WhatsAppSimulator, citizen: Citizen, body: str, **content: Any) -> dict[str, Any]:
    """A text the citizen writes, known to the simulator (it opens the 24-hour window), not yet delivered."""
    now = sim.clock()
    item = {"from": citizen.wa_id, "id": sim.new_wamid(citizen.wa_id), "timestamp": wire.timestamp(now),
            "type": "text", "text": {"body": body}, **content}
    citizen.last_inbound_at = now
    citizen.sent.append(item["id"])
    citizen.sent_items[item["id"]] = item
    sim.incoming[item["id"]] = citizen
    return item


def batch(sim: WhatsAppSimulator, *items: dict[str, Any], statuses: list[dict[str, Any]] | None = None) -> bytes:
    """One webhook body holding several messages (and statuses), as Meta batches them; ASCII JSON, so a
    lone surrogate in a string stays the escape Meta sends."""
    senders = dict.fromkeys(str(item["from"]) for item in items)
    contacts = [sim.contact_of(sim.citizens[wa_id]) for wa_id in senders if wa_id in sim.citizens]
    value: dict[str, Any] = {"contacts": contacts, "messages": list(items)}
    if statuses:
        value["statuses"] = statuses
    return json.dumps(wire.envelope(sim.account, value)).encode()


async def post_signed(harness: Harness, body: bytes) -> httpx.Response:
    """POST a body to the webhook route, signed with the app secret, as Meta does."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://bot") as client:
        return await client.post("/webhook/whatsapp", content=body, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": sign(body, APP_SECRET)})


async def settled(harness: Harness) -> None:
    await harness.settle()
    await harness.sim.idle()
    await harness.settle()


def menus(citizen: Citizen) -> int:
    return sum(1 for m in citizen.received if MENU in m.button_titles)


async def test_a_message_seen_in_a_batch_and_then_alone_is_answered_once(harness: Harness) -> None:
    sim = harness.sim
    ani, budi = sim.citizen("081300000301", name="Ani"), sim.citizen("081300000302", name="Budi")
    first, second = written(sim, ani, "halo"), written(sim, budi, "halo")
    assert (await post_signed(harness, batch(sim, first, second))).status_code == 200
    await ani.wait_for(lambda m: MENU in m.button_titles)
    await budi.wait_for(lambda m: MENU in m.button_titles)

    for wamid in (second["id"], first["id"]):  # later, each one again on its own
        assert (await sim.redeliver(wamid)).attempts == [200]
    assert (await post_signed(harness, batch(sim, second, first))).status_code == 200  # and regrouped
    await settled(harness)
    assert (menus(ani), menus(budi)) == (1, 1)


async def test_a_message_seen_alone_and_then_in_a_batch_with_new_ones_is_answered_once(harness: Harness) -> None:
    sim = harness.sim
    ani, budi = sim.citizen("081300000303", name="Ani"), sim.citizen("081300000304", name="Budi")
    await ani.sends_text("halo")
    await ani.wait_for(lambda m: MENU in m.button_titles)
    old = ani.sent_items[ani.sent[-1]]
    new = written(sim, budi, "halo")
    assert (await post_signed(harness, batch(sim, old, new))).status_code == 200  # the known one goes first
    await budi.wait_for(lambda m: MENU in m.button_titles)  # the new one is not dropped with it
    await settled(harness)
    assert (menus(ani), menus(budi)) == (1, 1)


async def test_each_message_and_status_of_a_batch_is_its_own_row_in_citizen_order(harness: Harness) -> None:
    harness.sim.status_webhooks = False  # only the statuses of this body
    sim = harness.sim
    ani, budi = sim.citizen("081300000305", name="Ani"), sim.citizen("081300000306", name="Budi")
    for who in (ani, budi):
        await who.sends_text("halo")
        await who.wait_for(lambda m: MENU in m.button_titles)
    items = [written(sim, ani, "Lampu jalan mati"), written(sim, budi, "Sampah menumpuk di pasar"),
             written(sim, ani, "Jl. Melati no. 4"), written(sim, budi, "Dekat masjid")]
    status = {"id": "wamid.ours-1", "status": "delivered", "timestamp": "1790000000", "recipient_id": budi.wa_id}
    assert (await post_signed(harness, batch(sim, *items, statuses=[status]))).status_code == 200
    for who in (ani, budi):  # each citizen's second message is handled after their first: it is the place
        await who.wait_for(lambda m: m.kind == "location_request")
        assert "desa" in ((await who.wait_for(lambda m: m.kind == "list")).text or "")
    await settled(harness)

    async with harness.ctx.sessions() as session:
        rows = {r.external_id: r for r in await session.scalars(select(InboxUpdate))}
    for item in items:
        row = rows[item["id"]]
        assert row.sender == item["from"] and row.processed_at is not None and row.error is None
        [message], statuses = parse(row.payload, PHONE_ID)  # the stored payload holds that one message
        assert (message.wamid, message.wa_id, message.text, statuses) == (
            item["id"], item["from"], item["text"]["body"], [])
        assert message.name == ("Ani" if item["from"] == ani.wa_id else "Budi")
    row = rows["status:wamid.ours-1:delivered"]
    assert row.sender == budi.wa_id and parse(row.payload, PHONE_ID)[0] == []
