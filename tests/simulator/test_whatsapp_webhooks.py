"""Simulated citizens' webhooks reach a real pywa handler, signed, retried and faulted like Meta's."""

from __future__ import annotations

import json

import httpx
import pytest
from pywa_async import WhatsApp
from pywa_async.types import (
    Button,
    CallbackButton,
    CallbackSelection,
    Message,
    MessageStatus,
    MessageStatusType,
    MessageType,
    Section,
    SectionList,
    SectionRow,
)

from simulator.whatsapp import NotOfferedError, WhatsAppSimulator, sign
from tests.simulator import whatsapp_fixtures
from tests.simulator.whatsapp_fixtures import APP_SECRET, VERIFY_TOKEN, TestBot

# pytest fixtures, shared explicitly (no conftest): bot, clock, sim, wa
bot = whatsapp_fixtures.bot
clock = whatsapp_fixtures.clock
sim = whatsapp_fixtures.sim
wa = whatsapp_fixtures.wa


def is_message(kind: MessageType):
    return lambda u: type(u) is Message and u.type == kind


async def test_text_parses_into_pywa_message(sim: WhatsAppSimulator, bot: TestBot) -> None:
    citizen = sim.citizen("081234567890", name="Daeng Ngalle")
    wamid = await citizen.sends_text("Lampu jalan mati")
    msg = await bot.wait_for(is_message(MessageType.TEXT))
    assert msg.id == wamid and msg.text == "Lampu jalan mati"
    assert msg.from_user.wa_id == "6281234567890" and msg.from_user.name == "Daeng Ngalle"
    assert msg.from_user.bsuid.startswith("ID.") and msg.waba_id == sim.waba_id
    assert msg.metadata.phone_number_id == sim.phone_id


async def test_image_parses_and_downloads(sim: WhatsAppSimulator, bot: TestBot) -> None:
    photo = b"\xff\xd8\xff" + b"sampah" * 100
    await sim.citizen("081234567890").sends_image(photo, caption="Sampah menumpuk")
    msg = await bot.wait_for(is_message(MessageType.IMAGE))
    assert msg.image is not None and msg.caption == "Sampah menumpuk" and msg.image.mime_type == "image/jpeg"
    assert await msg.image.get_bytes() == photo


async def test_voice_note_parses_as_voice(sim: WhatsAppSimulator, bot: TestBot) -> None:
    await sim.citizen("081234567890").sends_voice(b"OggS\x00voice")
    msg = await bot.wait_for(is_message(MessageType.AUDIO))
    assert msg.voice is not None and msg.audio is not None and msg.audio.voice is True
    assert await msg.audio.get_bytes() == b"OggS\x00voice"


async def test_location_parses(sim: WhatsAppSimulator, bot: TestBot) -> None:
    await sim.citizen("081234567890").sends_location(-5.4312, 119.5301, name="Pasar", address="Jl. Poros")
    msg = await bot.wait_for(is_message(MessageType.LOCATION))
    assert msg.location is not None
    assert (msg.location.latitude, msg.location.longitude) == (-5.4312, 119.5301)
    assert msg.location.name == "Pasar" and msg.location.address == "Jl. Poros"


async def test_other_citizen_messages_parse(sim: WhatsAppSimulator, bot: TestBot, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    first = await citizen.sends_text("halo")
    await citizen.sends_document(b"%PDF-1.4", "ktp.pdf", caption="dokumen")
    await citizen.sends_video(b"\x00\x00\x00\x18ftypmp42", caption="video")
    await citizen.sends_sticker(b"RIFF....WEBP")
    await citizen.sends_contacts(("Pak RT", "081200001111"))
    await citizen.sends_reaction(first, "👍")
    reply = await citizen.replies_to(first, "tambahan")
    types = [u.type for u in bot.updates]
    assert types == [
        MessageType.TEXT,
        MessageType.DOCUMENT,
        MessageType.VIDEO,
        MessageType.STICKER,
        MessageType.CONTACTS,
        MessageType.REACTION,
        MessageType.TEXT,
    ]
    assert bot.updates[1].document.filename == "ktp.pdf"
    assert bot.updates[4].contacts[0].phones[0].wa_id == "6281200001111"
    assert bot.updates[5].reaction.emoji == "👍" and bot.updates[5].reaction.message_id == first
    assert bot.updates[6].id == reply and bot.updates[6].reply_to_message.id == first


async def test_button_reply_parses_into_callback_button(sim: WhatsAppSimulator, bot: TestBot, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    await citizen.sends_text("lapor")
    sent = await wa.send_message(
        to=citizen.wa_id, text="Benar?", buttons=[Button("Ya", "confirm:yes"), Button("Tidak", "confirm:no")]
    )
    await citizen.taps("Tidak")
    tap = await bot.wait_for(lambda u: isinstance(u, CallbackButton))
    assert tap.data == "confirm:no" and tap.title == "Tidak"
    assert tap.reply_to_message is not None and tap.reply_to_message.id == sent.id


async def test_list_reply_parses_into_callback_selection(sim: WhatsAppSimulator, bot: TestBot, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    await citizen.sends_text("lapor")
    rows = [
        SectionRow("Sampah", "cat:sampah", description="Sampah menumpuk"),
        SectionRow("Jalan", "cat:jalan"),
    ]
    sent = await wa.send_message(
        to=citizen.wa_id,
        text="Kategori?",
        buttons=SectionList("Pilih", sections=[Section("Kategori", rows=rows)]),
    )
    await citizen.chooses("Sampah")
    choice = await bot.wait_for(lambda u: isinstance(u, CallbackSelection))
    assert choice.data == "cat:sampah" and choice.title == "Sampah" and choice.description == "Sampah menumpuk"
    assert choice.reply_to_message.id == sent.id


async def test_statuses_parse_into_message_status(sim: WhatsAppSimulator, bot: TestBot, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    await citizen.sends_text("halo")
    sent = await wa.send_message(to=citizen.wa_id, text="diterima")
    statuses = [await bot.wait_for(lambda u: isinstance(u, MessageStatus) and u.id == sent.id) for _ in range(3)]
    assert [s.status for s in statuses] == [
        MessageStatusType.SENT,
        MessageStatusType.DELIVERED,
        MessageStatusType.READ,
    ]
    assert statuses[0].from_user.wa_id == citizen.wa_id


async def test_status_webhooks_can_be_switched_off(sim: WhatsAppSimulator, bot: TestBot, wa: WhatsApp) -> None:
    sim.status_webhooks = False
    citizen = sim.citizen("081234567890")
    await citizen.sends_text("halo")
    await wa.send_message(to=citizen.wa_id, text="diterima")
    await sim.idle()
    assert not [u for u in bot.updates if isinstance(u, MessageStatus)]


async def test_tapping_a_button_never_offered_raises(sim: WhatsAppSimulator, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    with pytest.raises(NotOfferedError):
        await citizen.taps("Ya")
    await citizen.sends_text("lapor")
    await wa.send_message(to=citizen.wa_id, text="Benar?", buttons=[Button("Ya", "y")])
    with pytest.raises(NotOfferedError):
        await citizen.taps("Mungkin")
    with pytest.raises(NotOfferedError):
        await citizen.chooses("Ya")  # the latest interactive message is buttons, not a list
    rows = [SectionRow("Sampah", "s")]
    await wa.send_message(to=citizen.wa_id, text="x", buttons=SectionList("Pilih", [Section("K", rows=rows)]))
    with pytest.raises(NotOfferedError):
        await citizen.taps("Ya")  # no longer the latest interactive message


async def test_webhook_is_signed_with_app_secret(sim: WhatsAppSimulator, bot: TestBot) -> None:
    await sim.citizen("081234567890").sends_text("halo")
    delivery = sim.deliveries[-1]
    assert sign(delivery.body, APP_SECRET).startswith("sha256=")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=bot.app)) as client:
        forged = await client.post(
            sim.webhook_url,
            content=delivery.body,
            headers={"X-Hub-Signature-256": sign(delivery.body, "wrong-secret")},
        )
        unsigned = await client.post(sim.webhook_url, content=delivery.body)
    assert (forged.status_code, unsigned.status_code) == (403, 401)


async def test_retried_while_bot_answers_500(sim: WhatsAppSimulator, bot: TestBot) -> None:
    bot.answer_statuses = [500, 503]
    wamid = await sim.citizen("081234567890").sends_text("halo")
    delivery = sim.deliveries[-1]
    assert delivery.attempts == [500, 503, 200] and delivery.delivered
    assert [json.loads(b)["entry"][0]["changes"][0]["value"]["messages"][0]["id"] for b in bot.bodies] == [wamid]


async def test_retries_are_bounded(sim: WhatsAppSimulator, bot: TestBot) -> None:
    bot.answer_statuses = [500] * 10
    await sim.citizen("081234567890").sends_text("halo")
    delivery = sim.deliveries[-1]
    assert not delivery.delivered and len(delivery.attempts) == 6 and not bot.bodies


async def test_deliver_twice_sends_same_wamid_twice(sim: WhatsAppSimulator, bot: TestBot) -> None:
    wamid = await sim.citizen("081234567890").sends_text("halo", duplicate=True)
    ids = [json.loads(b)["entry"][0]["changes"][0]["value"]["messages"][0]["id"] for b in bot.bodies]
    assert ids == [wamid, wamid] and bot.bodies[0] == bot.bodies[1]


async def test_out_of_order_and_delay(sim: WhatsAppSimulator, bot: TestBot) -> None:
    citizen = sim.citizen("081234567890")
    first = await citizen.sends_text("satu", hold=True)
    second = await citizen.sends_text("dua")
    assert [u.id for u in bot.updates] == [second, first]
    third = await citizen.sends_text("tiga", delay=0.01)
    assert third not in [u.id for u in bot.updates]
    assert (await bot.wait_for(lambda u: u.id == third)).text == "tiga"


async def test_sim_wide_fault_config(sim: WhatsAppSimulator, bot: TestBot) -> None:
    sim.faults = sim.faults.merged(duplicate=True)
    await sim.citizen("081234567890").sends_text("halo")
    assert len(bot.bodies) == 2


async def test_verify_handshake(sim: WhatsAppSimulator) -> None:
    assert await sim.verify_webhook(VERIFY_TOKEN) is True
    assert await sim.verify_webhook("wrong") is False
