"""Several business numbers of one WABA: one webhook URL, a chat (and 24-hour window) per number."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from pywa_async import WhatsApp
from pywa_async.errors import ReEngagementMessage
from pywa_async.types.templates import BodyText, TemplateLanguage

from simulator.whatsapp import WhatsAppSimulator
from tests.simulator import whatsapp_fixtures
from tests.simulator.whatsapp_fixtures import API_URL, TOKEN, FakeClock, TestBot

# pytest fixtures, shared explicitly (no conftest): bot, clock, sim, wa
bot = whatsapp_fixtures.bot
clock = whatsapp_fixtures.clock
sim = whatsapp_fixtures.sim
wa = whatsapp_fixtures.wa

SECOND = "2222222222"
SECOND_DISPLAY = "6241100000002"
JPEG = b"\xff\xd8\xff\xe0" + b"galesong" * 50


def value_of(body: bytes) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(body)["entry"][0]["changes"][0]["value"]
    return value


def graph(sim: WhatsAppSimulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=sim.app), base_url=API_URL, headers={"Authorization": f"Bearer {TOKEN}"}
    )


def text_to(wa_id: str, body: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": wa_id, "type": "text", "text": {"body": body}}


@pytest.fixture
def second(sim: WhatsAppSimulator) -> str:
    sim.add_number(SECOND, SECOND_DISPLAY)
    return SECOND


async def test_add_number_refuses_a_duplicate(sim: WhatsAppSimulator, second: str) -> None:
    with pytest.raises(ValueError):
        sim.add_number(second, "6241100000003")
    with pytest.raises(ValueError):
        sim.add_number(sim.phone_id, "6241100000004")
    with pytest.raises(ValueError):
        sim.citizen("081234567890", business="3333333333")  # never registered


async def test_chats_with_two_numbers_are_separate(sim: WhatsAppSimulator, second: str) -> None:
    home = sim.citizen("081234567890", name="Daeng Ngalle")
    there = sim.citizen("081234567890", business=second)
    assert there is not home and there.wa_id == home.wa_id and there.user_id == home.user_id
    assert sim.citizen("+62 812-3456-7890", business=second) is there
    assert sim.citizen("081234567890") is home and sim.citizens == {home.wa_id: home}
    assert sim.chats[(second, there.wa_id)] is there and there.business == second


async def test_citizen_writes_to_second_number_metadata_names_it(
    sim: WhatsAppSimulator, bot: TestBot, second: str
) -> None:
    citizen = sim.citizen("081234567890", name="Daeng Ngalle", business=second)
    wamid = await citizen.sends_text("Lampu jalan mati di Galesong")
    await citizen.sends_location(-5.3, 119.4, name="Galesong")

    values = [value_of(body) for body in bot.bodies]
    assert [v["messages"][0]["id"] for v in values][:1] == [wamid]
    for value in values:
        assert value["metadata"] == {"display_phone_number": SECOND_DISPLAY, "phone_number_id": second}
        assert value["contacts"][0]["wa_id"] == "6281234567890"
    assert json.loads(bot.bodies[0])["entry"][0]["id"] == sim.waba_id

    await sim.citizen("081234567890").sends_text("ke nomor utama")
    assert value_of(bot.bodies[-1])["metadata"]["phone_number_id"] == sim.phone_id


async def test_media_sent_to_second_number_belongs_to_it(sim: WhatsAppSimulator, bot: TestBot, second: str) -> None:
    await sim.citizen("081234567890", business=second).sends_image(JPEG, caption="Sampah")
    media_id = value_of(bot.bodies[-1])["messages"][0]["image"]["id"]
    assert sim.media.get(media_id) is not None and sim.media.get(media_id).phone_id == second  # type: ignore[union-attr]
    async with graph(sim) as client:
        wrong = await client.get(f"/v23.0/{media_id}", params={"phone_number_id": sim.phone_id})
        right = await client.get(f"/v23.0/{media_id}", params={"phone_number_id": second})
        refused = await client.delete(f"/v23.0/{media_id}", params={"phone_number_id": sim.phone_id})
        assert (await client.get(f"/v23.0/{media_id}")).status_code == 200
    assert wrong.status_code == 400 and wrong.json()["error"]["error_subcode"] == 33
    assert right.status_code == 200 and right.json()["id"] == media_id
    assert refused.status_code == 400 and media_id in sim.media


async def test_reply_from_second_number_lands_in_that_chat(
    sim: WhatsAppSimulator, wa: WhatsApp, bot: TestBot, second: str
) -> None:
    home = sim.citizen("081234567890", name="Daeng Ngalle")
    await home.sends_text("halo nomor utama")
    there = sim.citizen("081234567890", business=second)
    await there.sends_text("halo Galesong")

    sent = await wa.send_message(to=there.wa_id, text="Laporan diterima: GLS-0001", sender=second)

    got = await there.wait_for(lambda m: m.kind == "text")
    assert got.text == "Laporan diterima: GLS-0001" and got.wamid == sent.id
    assert home.received == []
    await sim.idle()
    statuses = [value_of(d.body) for d in sim.deliveries if d.item_id == sent.id]
    assert [v["statuses"][0]["status"] for v in statuses] == ["sent", "delivered", "read"]
    assert all(v["metadata"] == {"display_phone_number": SECOND_DISPLAY, "phone_number_id": second} for v in statuses)

    reply = await there.replies_to(sent.id, "terima kasih")
    assert value_of(bot.bodies[-1])["messages"][0]["context"] == {"from": SECOND_DISPLAY, "id": sent.id}
    assert reply in there.sent and reply not in home.sent


async def test_media_upload_and_send_from_second_number(sim: WhatsAppSimulator, wa: WhatsApp, second: str) -> None:
    there = sim.citizen("081234567890", business=second)
    await there.sends_text("foto?")
    async with graph(sim) as client:
        files = {"file": ("foto.jpg", JPEG, "image/jpeg")}
        form = {"messaging_product": "whatsapp", "type": "image/jpeg"}
        upload = await client.post(f"/v23.0/{second}/media", data=form, files=files)
        media_id = upload.json()["id"]
        image = {"messaging_product": "whatsapp", "to": there.wa_id, "type": "image", "image": {"id": media_id}}
        sent = await client.post(f"/v23.0/{second}/messages", json=image)
        sim.citizen("081234567890").last_inbound_at = there.last_inbound_at  # window open with the default too
        other = await client.post(f"/v23.0/{sim.phone_id}/messages", json=image)
    assert upload.status_code == 200 and sim.media.get(media_id).phone_id == second  # type: ignore[union-attr]
    assert sent.status_code == 200 and (await there.wait_for(lambda m: m.kind == "image")).media_id == media_id
    assert other.status_code == 400 and other.json()["error"]["code"] == 131053  # media of another number


async def test_default_number_outside_its_window_is_refused(
    sim: WhatsAppSimulator, wa: WhatsApp, second: str, clock: FakeClock
) -> None:
    there = sim.citizen("081234567890", business=second)
    await there.sends_text("saya hanya menulis ke nomor kedua")

    with pytest.raises(ReEngagementMessage) as caught:
        await wa.send_message(to=there.wa_id, text="dari nomor utama")
    assert caught.value.code == 131047
    assert sim.citizens[there.wa_id].received == [] and there.received == []

    sim.approve_template("laporan_diterima", "id", params=1)
    await wa.send_template(
        to=there.wa_id,
        name="laporan_diterima",
        language=TemplateLanguage.INDONESIAN,
        params=[BodyText.params("PTL-0001")],
    )
    assert [m.kind for m in sim.citizens[there.wa_id].received] == ["template"]

    await wa.send_message(to=there.wa_id, text="dari nomor kedua", sender=second)  # its own window is open
    clock.advance(hours=24)
    with pytest.raises(ReEngagementMessage):
        await wa.send_message(to=there.wa_id, text="sudah lewat 24 jam", sender=second)


async def test_business_first_message_from_second_number_needs_a_template(
    sim: WhatsAppSimulator, second: str
) -> None:
    async with graph(sim) as client:
        refused = await client.post(f"/v23.0/{second}/messages", json=text_to("6281299990000", "halo"))
    assert refused.status_code == 400 and refused.json()["error"]["code"] == 131047
    assert (second, "6281299990000") in sim.chats and "6281299990000" not in sim.citizens


async def test_mark_read_only_from_the_number_that_received_it(sim: WhatsAppSimulator, second: str) -> None:
    there = sim.citizen("081234567890", business=second)
    wamid = await there.sends_text("halo")
    read = {"messaging_product": "whatsapp", "status": "read", "message_id": wamid}
    async with graph(sim) as client:
        wrong = await client.post(f"/v23.0/{sim.phone_id}/messages", json=read)
        right = await client.post(f"/v23.0/{second}/messages", json=read)
    assert wrong.status_code == 400 and wamid not in sim.citizen("081234567890").read_by_business
    assert right.status_code == 200 and wamid in there.read_by_business


async def test_unknown_number_is_refused_and_each_number_answers(sim: WhatsAppSimulator, second: str) -> None:
    citizen = sim.citizen("081234567890", business=second)
    await citizen.sends_text("halo")
    async with graph(sim) as client:
        unknown = await client.post("/v23.0/3333333333/messages", json=text_to(citizen.wa_id, "x"))
        upload = await client.post("/v23.0/3333333333/media", files={"file": ("a.jpg", JPEG, "image/jpeg")})
        numbers = [(await client.get(f"/v23.0/{phone_id}")).json() for phone_id in (sim.phone_id, second)]
    for answer in (unknown, upload):
        error = answer.json()["error"]
        assert answer.status_code == 400 and error["code"] == 100 and error["error_subcode"] == 33
        assert "3333333333" in error["message"] and "does not exist" in error["message"]
    assert [(n["id"], n["display_phone_number"]) for n in numbers] == [
        (sim.phone_id, "+" + sim.account.display_phone_number),
        (second, "+" + SECOND_DISPLAY),
    ]
