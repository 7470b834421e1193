"""The sandbox page's JSON API and event stream, against the real simulators and two tiny bots."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.applications import Starlette

from core.profile import Profile
from simulator.sandbox import Sandbox
from simulator.web import SandboxControls, build_sandbox_web

from .bots import PHONE_ID, STAFF, CardBot, sandbox_with_echo

PHONE = "0812 4000 2002"
WA_ID = "6281240002002"


@pytest.fixture
async def sandbox(profile: Profile) -> AsyncIterator[Sandbox]:
    async with sandbox_with_echo(profile) as sandbox:
        yield sandbox


@pytest.fixture
def web(sandbox: Sandbox, profile: Profile) -> Starlette:
    return build_sandbox_web(sandbox, profile, SandboxControls(staff=STAFF))


@pytest.fixture
async def page(web: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://sandbox.test") as client:
        yield client


async def test_the_page_and_its_scripts_are_served(page: httpx.AsyncClient) -> None:
    html = await page.get("/")
    assert html.status_code == 200 and "Lapor Camat" in html.text
    for name in ("common.js", "whatsapp.js", "telegram.js", "controls.js", "map.js", "sandbox.css"):
        assert (await page.get(f"/static/{name}")).status_code == 200
    config = (await page.get("/api/config")).json()
    assert config["kecamatan"] == "Kecamatan Pattallassang"
    assert any(p["name"] == "Bajeng" for p in config["map"]["presets"])


async def test_citizen_message_is_echoed_with_buttons_and_a_tap_answers(page: httpx.AsyncClient) -> None:
    added = await page.post("/api/whatsapp/citizens", json={"phone": PHONE, "name": "Sitti"})
    assert added.json()["wa_id"] == WA_ID

    chat = (await page.post(f"/api/whatsapp/citizens/{WA_ID}/text", json={"text": "Lampu jalan mati"})).json()

    mine, echo = chat["messages"]
    assert (mine["mine"], mine["text"], mine["tick"]) == (True, "Lampu jalan mati", "read")
    assert (echo["text"], echo["buttons"], echo["active"]) == ("Echo: Lampu jalan mati", ["Benar", "Ulangi"], True)

    chat = (await page.post(f"/api/whatsapp/citizens/{WA_ID}/tap", json={"title": "Benar"})).json()
    assert [m["text"] for m in chat["messages"][-2:]] == ["Benar", "Anda memilih: Benar"]


async def test_list_rows_photo_voice_and_location(page: httpx.AsyncClient) -> None:
    await page.post("/api/whatsapp/citizens", json={"phone": PHONE})
    await page.post(f"/api/whatsapp/citizens/{WA_ID}/text", json={"text": "daftar"})
    chat = (await page.post(f"/api/whatsapp/citizens/{WA_ID}/choose", json={"title": "Lampu jalan"})).json()
    offer = chat["messages"][1]
    assert offer["kind"] == "list" and offer["rows"][0] == {"title": "Sampah", "description": None,
                                                            "section": "Lingkungan"}
    assert chat["messages"][-1]["text"] == "Anda memilih: Lampu jalan"

    chat = (await page.post(f"/api/whatsapp/citizens/{WA_ID}/image", json={"sample": True, "caption": "Ini"})).json()
    photo = chat["messages"][-2]
    assert photo["kind"] == "image" and photo["text"] == "Ini"
    image = await page.get(photo["media"])
    assert image.headers["content-type"] == "image/jpeg" and image.content[:2] == b"\xff\xd8"

    chat = (await page.post(f"/api/whatsapp/citizens/{WA_ID}/voice", json={})).json()
    voice = chat["messages"][-2]
    assert voice["voice"] is True and (await page.get(voice["media"])).content[:4] == b"OggS"

    chat = (await page.post(f"/api/whatsapp/citizens/{WA_ID}/location",
                            json={"latitude": -5.43, "longitude": 119.6, "name": "Kantor Camat"})).json()
    assert chat["messages"][-2]["name"] == "Kantor Camat" and chat["messages"][-1]["text"] == "Diterima: location"


async def test_bad_input_gets_a_readable_answer(page: httpx.AsyncClient) -> None:
    bad_phone = await page.post("/api/whatsapp/citizens", json={"phone": "halo"})
    assert bad_phone.status_code == 400 and "Nomor HP" in bad_phone.json()["error"]
    await page.post("/api/whatsapp/citizens", json={"phone": PHONE})
    not_offered = await page.post(f"/api/whatsapp/citizens/{WA_ID}/tap", json={"title": "Benar"})
    assert not_offered.status_code == 409
    wrong_type = await page.post(f"/api/whatsapp/citizens/{WA_ID}/image", json={"data": "AAAA", "mime": "image/gif"})
    assert wrong_type.status_code == 400 and "JPEG" in wrong_type.json()["error"]


async def test_staff_tap_a_card_button_and_see_the_answer_and_the_edit(page: httpx.AsyncClient,
                                                                       sandbox: Sandbox, profile: Profile) -> None:
    desk = profile.telegram.desk_chat_id
    users = (await page.get("/api/telegram/users")).json()
    assert {"id": 2001, "name": "Andi", "label": "Andi (verifikator)"} in users
    async with CardBot(sandbox.telegram).running() as bot:
        card = await bot.post_card(desk, "Laporan PTL-0001: lampu jalan mati")
        shown = (await page.get(f"/api/telegram/chats/{desk}")).json()["messages"]
        assert [b["text"] for b in shown[-1]["buttons"][0]] == ["Verifikasi", "Tolak"]

        tapped = await page.post(f"/api/telegram/chats/{desk}/tap",
                                 json={"user_id": 2001, "message_id": card, "button": "Verifikasi"})
        assert tapped.json() == {"answered": True, "text": "Tercatat, Andi", "show_alert": False, "url": None}
        chat = sandbox.telegram.chat(desk)
        edited = await chat.wait_for(lambda m: m.message_id == card and m.edit_date is not None)
        assert edited.text is not None and edited.text.endswith("diverifikasi oleh Andi")

        reply = await page.post(f"/api/telegram/chats/{desk}/photo",
                                json={"user_id": 3001, "sample": True, "caption": "Sudah diperbaiki", "reply_to": card})
        last = reply.json()["messages"][-1]
        assert last["photo"]["url"].startswith("/api/telegram/files/") and last["reply_to"]["id"] == card
        assert last["caption"] == "Sudah diperbaiki" and last["sender"]["name"] == "Budi"


async def test_only_the_owner_writes_in_a_private_chat(page: httpx.AsyncClient, profile: Profile) -> None:
    camat = profile.telegram.camat_user_id
    refused = await page.post(f"/api/telegram/chats/{camat}/text", json={"user_id": 2001, "text": "halo"})
    assert refused.status_code == 409
    sent = await page.post(f"/api/telegram/chats/{camat}/text", json={"user_id": camat, "text": "/start"})
    assert sent.json()["messages"][-1]["text"] == "/start"


async def test_the_event_stream_tells_which_chats_changed(page: httpx.AsyncClient, web: Starlette,
                                                          sandbox: Sandbox, profile: Profile) -> None:
    stream = asyncio.create_task(page.get("/api/events", params={"limit": 3}))
    await asyncio.wait_for(web.state.feed.until_open(), 5)
    await sandbox.telegram.people[2001].sends(sandbox.telegram.chat(profile.telegram.desk_chat_id), "Pagi")
    await sandbox.whatsapp.citizen(PHONE).sends_text("halo")
    body = (await asyncio.wait_for(stream, 5)).text
    assert body.startswith("event: ready\n")
    assert f'event: telegram\ndata: {{"chats":[{profile.telegram.desk_chat_id}]}}' in body
    assert f'event: whatsapp\ndata: {{"wa_id":"{WA_ID}","number":"{PHONE_ID}"}}' in body


async def test_controls_call_the_demo_and_report(profile: Profile, sandbox: Sandbox) -> None:
    calls: list[object] = []

    async def set_speed(factor: float) -> str:
        calls.append(factor)
        return f"x{factor:g}"

    async def flood(n: int = 50) -> None:
        calls.append(("flood", n))

    web = build_sandbox_web(sandbox, profile, SandboxControls(set_speed=set_speed, flood=flood))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://sandbox.test") as client:
        assert (await client.post("/api/controls/speed", json={"fast": True})).json() == {"speed": 60.0, "note": "x60"}
        flooded = (await client.post("/api/controls/flood", json={"n": 50})).json()
        assert flooded == {"n": 50, "note": "Banjir: 50 laporan dikirim."}
        assert (await client.get("/api/config")).json()["speed"] == 60.0
    assert calls == [60.0, ("flood", 50)]
