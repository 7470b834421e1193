"""The real pywa client talks to the simulator's Graph API; the simulated citizen sees the messages."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest
from pywa_async import WhatsApp
from pywa_async.types import Button, Section, SectionList, SectionRow
from pywa_async.types.templates import BodyText, TemplateLanguage

from reporter_bot.graph_transport import GraphAPITransport
from simulator.whatsapp import Received, WhatsAppSimulator
from tests.simulator import whatsapp_fixtures
from tests.simulator.whatsapp_fixtures import API_URL, TOKEN, TestBot

# pytest fixtures, shared explicitly (no conftest): bot, clock, sim, wa
bot = whatsapp_fixtures.bot
clock = whatsapp_fixtures.clock
sim = whatsapp_fixtures.sim
wa = whatsapp_fixtures.wa

JPEG = b"\xff\xd8\xff\xe0" + b"kecamatan" * 50


async def test_text_reaches_citizen_with_meta_send_answer(sim: WhatsAppSimulator, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890", name="Daeng Ngalle")
    await citizen.sends_text("Lampu jalan mati di Jl. Poros")

    sent = await wa.send_message(to=citizen.wa_id, text="Laporan diterima: PTL-0001")

    got = await citizen.wait_for(lambda m: m.kind == "text")
    assert got.text == "Laporan diterima: PTL-0001"
    assert got.wamid == sent.id and sent.id.startswith("wamid.")
    assert sent.input == "6281234567890" and sent.chat.id == "6281234567890"


async def test_send_answer_shape_is_metas(sim: WhatsAppSimulator) -> None:
    citizen = sim.citizen("081234567890")
    await citizen.sends_text("halo")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app), base_url=API_URL) as client:
        response = await client.post(
            f"/v23.0/{sim.phone_id}/messages",
            headers={"Authorization": f"Bearer {TOKEN}"},
            json={
                "messaging_product": "whatsapp",
                "to": "+62 812-3456-7890",
                "type": "text",
                "text": {"body": "ok"},
            },
        )
    body = response.json()
    assert response.status_code == 200
    assert body["messaging_product"] == "whatsapp"
    assert body["contacts"] == [{"input": "+62 812-3456-7890", "wa_id": "6281234567890"}]
    assert list(body["messages"][0]) == ["id"] and body["messages"][0]["id"].startswith("wamid.")


async def test_reply_buttons_and_list_are_shown_to_citizen(sim: WhatsAppSimulator, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    await citizen.sends_text("lapor")

    await wa.send_message(
        to=citizen.wa_id,
        text="Benar lokasinya?",
        header="Konfirmasi",
        footer="Lapor Camat",
        buttons=[Button("Ya, benar", "loc:yes"), Button("Bukan", "loc:no")],
    )
    buttons = await citizen.wait_for(lambda m: m.kind == "buttons")
    assert buttons.text == "Benar lokasinya?" and buttons.header == "Konfirmasi" and buttons.footer == "Lapor Camat"
    assert [(b.id, b.title) for b in buttons.buttons] == [("loc:yes", "Ya, benar"), ("loc:no", "Bukan")]

    sections = [
        Section(
            "Kategori",
            rows=[
                SectionRow("Sampah", "cat:sampah", description="Sampah menumpuk"),
                SectionRow("Drainase", "cat:drain"),
            ],
        )
    ]
    await wa.send_message(to=citizen.wa_id, text="Pilih kategori", buttons=SectionList("Pilih", sections=sections))
    listed = await citizen.wait_for(lambda m: m.kind == "list")
    assert listed.list_button == "Pilih"
    assert listed.row_titles == ["Sampah", "Drainase"]
    assert listed.rows[0].description == "Sampah menumpuk" and listed.rows[0].section == "Kategori"


async def test_image_upload_then_send_gives_citizen_the_bytes(sim: WhatsAppSimulator, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    await citizen.sends_text("foto?")

    await wa.send_image(to=citizen.wa_id, image=JPEG, caption="Sudah diperbaiki", mime_type="image/jpeg")

    got = await citizen.wait_for(lambda m: m.kind == "image")
    assert got.media == JPEG and got.mime_type == "image/jpeg" and got.text == "Sudah diperbaiki"
    assert [e.path for e in sim.transcript if e.direction == "api"][:2] == [
        f"/v26.0/{sim.phone_id}/media",
        f"/v26.0/{sim.phone_id}/messages",
    ]


async def test_approved_template_reaches_citizen_outside_window(sim: WhatsAppSimulator, wa: WhatsApp) -> None:
    sim.approve_template("status_laporan", language="id", params=2)
    citizen = sim.citizen("081234567890")  # never wrote: no service window

    sent = await wa.send_template(
        to=citizen.wa_id,
        name="status_laporan",
        language=TemplateLanguage.INDONESIAN,
        params=[BodyText.params("PTL-0001", "selesai")],
    )

    got = await citizen.wait_for(lambda m: m.kind == "template")
    assert got.template_name == "status_laporan" and got.template_language == "id"
    assert got.template_params == ["PTL-0001", "selesai"] and got.wamid == sent.id


async def test_other_message_kinds(sim: WhatsAppSimulator, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    own = await citizen.sends_text("jalan rusak")

    await wa.request_location(to=citizen.wa_id, text="Kirim lokasi")
    await wa.send_location(to=citizen.wa_id, latitude=-5.4, longitude=119.5, name="Kantor Camat")
    await wa.send_reaction(to=citizen.wa_id, emoji="👍", message_id=own)
    await wa.send_document(to=citizen.wa_id, document=b"%PDF-1.4 x", filename="bukti.pdf", mime_type="application/pdf")
    await wa.send_voice(to=citizen.wa_id, voice=b"OggS....", mime_type="audio/ogg")
    await wa.send_message(to=citizen.wa_id, text="balasan", reply_to_message_id=own)

    kinds = [m.kind for m in citizen.received]
    assert kinds == ["location_request", "location", "reaction", "document", "audio", "text"]
    assert citizen.received[1].latitude == -5.4 and citizen.received[1].name == "Kantor Camat"
    assert citizen.received[2].emoji == "👍" and citizen.received[2].reacted_to == own
    assert citizen.received[3].media == b"%PDF-1.4 x" and citizen.received[3].filename == "bukti.pdf"
    assert citizen.received[4].voice is True
    assert citizen.received[5].reply_to == own


async def test_mark_as_read_and_typing(sim: WhatsAppSimulator, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    own = await citizen.sends_text("halo")
    assert (await wa.mark_message_as_read(message_id=own)).success
    assert (await wa.indicate_typing(message_id=own)).success
    assert own in citizen.read_by_business and citizen.typing_indicators == 1


async def test_incoming_media_lookup_download_and_delete(sim: WhatsAppSimulator, wa: WhatsApp) -> None:
    citizen = sim.citizen("081234567890")
    await citizen.sends_image(JPEG, caption="sampah")
    media_id = citizen_media_id(sim)

    url = await wa.get_media_url(media_id)
    assert url.url.startswith(API_URL + "/") and url.mime_type == "image/jpeg"
    assert url.sha256 == hashlib.sha256(JPEG).hexdigest() and url.file_size == len(JPEG)
    assert await wa.get_media_bytes(url.url) == JPEG

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim.app)) as anonymous:
        assert (await anonymous.get(url.url)).status_code in (400, 401)  # like Meta: the token is required

    assert (await wa.delete_media(media_id)).success
    assert media_id not in sim.media


def citizen_media_id(sim: WhatsAppSimulator) -> str:
    """The media id of the latest image a citizen sent, from the webhook the bot got."""
    payload = next(d.payload for d in reversed(sim.deliveries) if d.kind == "message:image")
    return str(payload["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["id"])


async def test_graph_transport_rewrites_only_graph_host() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    transport = GraphAPITransport("http://127.0.0.1:8081/prefix", inner=httpx.MockTransport(handler))
    async with httpx.AsyncClient(transport=transport) as client:
        await client.get("https://graph.facebook.com/v23.0/123/messages?fields=a,b")
        await client.get("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1")
    assert seen == [
        "http://127.0.0.1:8081/prefix/v23.0/123/messages?fields=a,b",
        "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1",
    ]
    with pytest.raises(ValueError):
        GraphAPITransport("127.0.0.1:8081")


async def test_transcript_and_received_are_readable(sim: WhatsAppSimulator, wa: WhatsApp, bot: TestBot) -> None:
    citizen = sim.citizen("081234567890")
    await citizen.sends_text("halo")
    await wa.send_message(to=citizen.wa_id, text="Pilih", buttons=[Button("A", "a")])
    assert "buttons=['A']" in str(citizen.received[0])
    assert isinstance(citizen.received[0], Received)
    assert any("messages -> 200" in str(e) for e in sim.transcript)
    assert bot.bodies  # the bot got the webhook


async def test_served_by_uvicorn_on_a_real_socket(sim: WhatsAppSimulator) -> None:
    import socket

    import uvicorn

    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on accepted sockets whose proto is TCP,
    # and Nagle + delayed ACK would cost 40 ms per request
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)  # connections queue here until uvicorn accepts them: no start-up wait needed
    sim.base_url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    config = uvicorn.Config(sim.app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        citizen = sim.citizen("081234567890")
        await citizen.sends_image(JPEG)
        async with httpx.AsyncClient(transport=GraphAPITransport(sim.base_url)) as session:
            client = WhatsApp(phone_id=sim.phone_id, token=TOKEN, session=session)
            await client.send_message(to=citizen.wa_id, text="lewat socket")
            url = await client.get_media_url(citizen_media_id(sim))
            assert url.url.startswith(sim.base_url)
            assert await client.get_media_bytes(url.url) == JPEG
        assert (await citizen.wait_for(lambda m: m.kind == "text")).text == "lewat socket"
    finally:
        server.should_exit = True
        await serving
        listener.close()
