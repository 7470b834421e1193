"""The sandbox of a kabupaten: a citizen picks which kecamatan's number to write to; staff see every kecamatan's
desk and field groups, the agencies' groups and the kabupaten's chat, grouped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Page, expect
from starlette.applications import Starlette

from core.domain.places import nearest_office
from simulator.sandbox import Sandbox
from simulator.web import SandboxControls, build_sandbox_web
from simulator.web.places import kabupaten_map
from tests.conftest import TAKALAR

from .bots import STAFF, sandbox_with_echo
from .browser import ARTIFACTS, chromium, serve

GALESONG = TAKALAR.profile("galesong")
PATTALLASSANG = TAKALAR.profile("pattallassang")
WA_ID = "6281240005005"


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with sandbox_with_echo(TAKALAR) as sandbox:
        yield sandbox


@pytest.fixture
async def web(sandbox: Sandbox) -> AsyncIterator[Starlette]:
    app = build_sandbox_web(sandbox, TAKALAR, SandboxControls(staff=STAFF))
    yield app
    app.state.feed.close()


@pytest.fixture
async def page(web: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=web), base_url="http://sandbox.test") as client:
        yield client


def chat_url(number: str | None, path: str = "") -> str:
    return f"/api/whatsapp/numbers/{number}/citizens/{WA_ID}{path}"


async def test_every_kecamatan_number_is_offered_by_name(page: httpx.AsyncClient, sandbox: Sandbox) -> None:
    config = (await page.get("/api/config")).json()
    numbers, kecamatan = config["numbers"], config["numbers"][:len(TAKALAR)]
    assert [n["label"] for n in kecamatan] == [p.name for p in TAKALAR]
    assert [n["id"] for n in kecamatan] == [p.whatsapp_phone_id for p in TAKALAR]
    for line in numbers[len(TAKALAR):]:  # the kabupaten-wide number, when the file declares one
        assert line["id"] in TAKALAR.phone_ids() and line["label"] == "Kabupaten Takalar (nomor kabupaten)"
        assert [p["name"] for p in line["map"]["presets"][1:3]] == ["Kantor Camat Pattallassang",
                                                                    "Kantor Camat Galesong"]
    assert config["default_number"] == PATTALLASSANG.whatsapp_phone_id
    assert len({n["display"] for n in numbers}) == len(numbers)
    galesong = next(n for n in numbers if n["kecamatan"] == "galesong")
    assert any(p["name"] == GALESONG.desa[0].name for p in galesong["map"]["presets"])  # its own desa to share
    assert config["title"] == "Kabupaten Takalar · 9 kecamatan"

    sandbox.whatsapp.add_number("106540352249999", "6241100000999")  # whatever the simulator has is listed
    later = (await page.get("/api/whatsapp/numbers")).json()[-1]
    assert later == {"id": "106540352249999", "label": "Nomor lain (tidak dilayani)", "display": "+6241100000999",
                     "kecamatan": None}


def test_each_camats_office_on_the_kabupaten_numbers_map_is_placed_in_its_kecamatan() -> None:
    """The sample's desa have no boundaries: the kabupaten number goes by the nearest office, and each preset is one."""
    assert TAKALAR.whatsapp is not None
    offices = [p for p in kabupaten_map(TAKALAR)["presets"] if p["name"].startswith("Kantor Camat ")]
    assert len(offices) == len(TAKALAR)
    for office in offices:
        code = nearest_office(TAKALAR.offices, office["latitude"], office["longitude"], TAKALAR.whatsapp.nearest_within)
        assert code is not None and TAKALAR.profile(code).name == office["address"]


async def test_a_citizen_writes_to_two_numbers_and_each_chat_is_its_own(page: httpx.AsyncClient) -> None:
    home, there = PATTALLASSANG.whatsapp_phone_id, GALESONG.whatsapp_phone_id
    await page.post("/api/whatsapp/citizens", json={"phone": "0812 4000 5005", "name": "Daeng Sikki",
                                                    "number": there})
    untouched = (await page.get(chat_url(home))).json()
    assert untouched == {"citizen": {"wa_id": WA_ID, "name": "Daeng Sikki", "number": home, "messages": 0},
                         "messages": []}  # reading a chat not started yet starts nothing

    chat = (await page.post(chat_url(there, "/text"), json={"text": "Sampah menumpuk di pasar"})).json()
    assert chat["citizen"]["number"] == there
    assert [m["text"] for m in chat["messages"]] == ["Sampah menumpuk di pasar", "Echo: Sampah menumpuk di pasar"]
    chat = (await page.post(chat_url(home, "/text"), json={"text": "Lampu mati"})).json()
    assert [m["text"] for m in chat["messages"]] == ["Lampu mati", "Echo: Lampu mati"]  # the first message here

    people = (await page.get("/api/whatsapp/citizens")).json()
    assert people == [{"wa_id": WA_ID, "name": "Daeng Sikki", "chats": {there: 2, home: 2}}]
    unknown = await page.get(chat_url("999"))
    assert unknown.status_code == 400 and "tidak ada" in unknown.json()["error"]


async def test_staff_chats_are_listed_by_kecamatan_then_agencies_and_kabupaten(page: httpx.AsyncClient) -> None:
    chats = (await page.get("/api/telegram/chats")).json()
    groups = [c for c in chats if c["type"] != "private"]
    expected: list[tuple[str, str, int | None]] = [(p.name, kind, chat_id) for p in TAKALAR for kind, chat_id in
                (("desk", p.telegram.desk_chat_id), *(("field", c) for c in p.telegram.field_chat_ids))]
    expected.append(("Kabupaten", "kabupaten", TAKALAR.telegram.chat_id))
    expected += [("Dinas & instansi", "agency", a.telegram_chat_id) for a in TAKALAR.agencies if a.telegram_chat_id]
    assert [(c["section"], c["kind"], c["id"]) for c in groups] == expected
    titles = {c["id"]: c["label"] for c in groups}
    assert titles[GALESONG.telegram.desk_chat_id] == "Meja Verifikasi Galesong"
    assert titles[GALESONG.telegram.field_chat_ids[0]] == "Petugas Lapangan Galesong"
    assert titles[GALESONG.telegram.field_chat_ids[1]] == "Petugas Lapangan Galesong 2"  # the town's desa
    assert titles[-1001000000901] == "Dinas PUPR"
    camat = next(c for c in chats if c["owner"] == GALESONG.telegram.camat_user_id)
    assert (camat["kind"], camat["kecamatan"], camat["label"]) == ("camat", "galesong", "Camat Galesong")


async def test_the_event_stream_names_the_number(page: httpx.AsyncClient, web: Starlette, sandbox: Sandbox) -> None:
    stream = asyncio.create_task(page.get("/api/events", params={"limit": 2}))
    await asyncio.wait_for(web.state.feed.until_open(), 5)
    await sandbox.whatsapp.citizen("0812 4000 5005", business=GALESONG.whatsapp_phone_id).sends_text("halo")
    body = (await asyncio.wait_for(stream, 5)).text
    assert f'event: whatsapp\ndata: {{"wa_id":"{WA_ID}","number":"{GALESONG.whatsapp_phone_id}"}}' in body


async def test_the_citizen_switches_number_and_the_columns_follow(sandbox: Sandbox, web: Starlette) -> None:
    async with serve(web) as url, chromium() as browser:
        page = await browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(5000)
        await page.goto(url)
        await expect(page.locator("#live")).to_have_class("live on")
        await expect(page.locator("#wa-number option:checked")).to_have_text(
            "Kecamatan Pattallassang · +6241100000001")
        desk = page.locator("#tg-0")
        await expect(desk.locator(".tg-chat option:checked")).to_have_text("Meja Verifikasi Pattallassang")
        sections = await desk.locator(".tg-chat optgroup").evaluate_all("gs => gs.map(g => g.label)")
        assert sections == [*(p.name for p in TAKALAR), "Kabupaten", "Dinas & instansi", "Obrolan pribadi dengan bot"]

        await says(page, "Halo Pattallassang")
        await page.select_option("#wa-number", label=f"{GALESONG.name} · +6241100000002")
        await expect(page.locator("#wa-business")).to_have_text(f"{GALESONG.name} · +6241100000002")
        await expect(page.locator("#wa-messages .wa-row")).to_have_count(0)  # a chat of its own, not started
        await expect(desk.locator(".tg-chat option:checked")).to_have_text("Meja Verifikasi Galesong")
        await expect(page.locator("#tg-1 .tg-chat option:checked")).to_have_text("Petugas Lapangan Galesong")
        await says(page, "Halo Galesong")
        await expect(page.locator("#wa-messages .wa-row")).to_have_count(2)
        await page.click("#wa-attach")
        await page.click("#wa-location-open")
        await expect(page.locator("#wa-presets")).to_contain_text(GALESONG.desa[0].name)  # Galesong's own desa

        await page.select_option("#wa-number", label=f"{PATTALLASSANG.name} · +6241100000001")
        await expect(page.locator("#wa-messages .wa-row.theirs .wa-text")).to_have_text(["Echo: Halo Pattallassang"])
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "sandbox-kabupaten.png"))


async def test_the_page_fits_a_phone(sandbox: Sandbox, web: Starlette) -> None:
    async with serve(web) as url, chromium() as browser:
        page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        page.set_default_timeout(5000)
        await page.goto(url)
        await expect(page.locator("#tg-1 .tg-chat option:checked")).to_have_text("Petugas Lapangan Pattallassang")
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390  # nothing to scroll sideways: the panes stack
        await says(page, "Halo dari HP")
        await page.screenshot(path=str(ARTIFACTS / "sandbox-phone.png"), full_page=True)


async def says(page: Page, text: str) -> None:
    await page.fill("#wa-text", text)
    await page.press("#wa-text", "Enter")
    await expect(page.locator("#wa-messages .wa-row.theirs .wa-text").last).to_have_text(f"Echo: {text}")
