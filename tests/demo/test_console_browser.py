"""The web console clicked through in the demo, in headless Chromium: Andi asks the bot for a sign-in link with
/masuk in his private chat, opens it, finds the citizen's new case in the list, opens it and verifies it from the
web; the field group's card appears in the Telegram column; then he downloads the CSV and the XLSX and reads
them back. None of the pages is wider than the phone (a wide table scrolls in its own box). Then the camat of
Pattallassang, from the phone, lists every open case, opens one (also with JavaScript off), downloads the month's
report and approves a newcomer's /daftar on the Petugas page, and the newcomer is told in Telegram.
Screenshots of the list, the case, the statistics and the map at a phone's width are artifacts."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.async_api import Locator, Page, expect

from tests.demo.test_browser_journey import PATTALLASSANG, card, citizen_reports, column, demo_page, new_citizen
from tests.sandbox.browser import ARTIFACTS

LINK = re.compile(r"https?://[^\s\"<]+/konsol/masuk/[A-Za-z0-9_\-.]+")


async def private_chat(page: Page, name: str) -> Locator:
    """The desk column switched to `name`'s private chat with the bot."""
    desk = column(page, 0)
    private = desk.locator(".tg-chat option").filter(has_text=re.compile(rf"^(● )?{name}$"))
    await desk.locator(".tg-chat").select_option(await private.get_attribute("value"))
    return desk


async def in_private_chat(page: Page, name: str, words: str) -> Locator:
    """`name` writes `words` to the bot in their private chat: the chat."""
    desk = await private_chat(page, name)
    await desk.locator(".tg-input").fill(words)
    await desk.locator(".tg-input").press("Enter")
    return desk


async def sign_in_link(page: Page, name: str = "Andi") -> str:
    """Staff (Andi, the verifier, unless named), in their private chat with the bot, send /masuk: the link the
    bot answers with."""
    answer = (await in_private_chat(page, name, "/masuk")).locator(".tg-row.theirs", has_text="/konsol/masuk/").last
    await expect(answer).to_be_visible()
    found = LINK.search(await answer.inner_text())
    assert found, await answer.inner_text()
    return found[0]


async def fits_the_phone(web: Page) -> None:
    """The page is no wider than the phone's 390 px: nothing sideways but inside a table's own box."""
    assert await web.evaluate("document.documentElement.scrollWidth") <= 390, web.url


async def signed_in_phone(page: Page, link: str) -> Page:
    """A phone-sized browser page of its own (its own cookies), signed in with `link`."""
    browser = page.context.browser
    assert browser is not None
    context = await browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    web = await context.new_page()
    await web.goto(link)
    await web.get_by_role("button", name="Masuk").click()
    await expect(web.locator("h1")).to_have_text("Kasus")
    return web


async def newcomer_asks_to_register(page: Page, name: str) -> None:
    """Someone new to the bot (a Telegram user made in the sandbox) sends /daftar for Pattallassang."""
    made = await page.evaluate("""name => fetch("/api/telegram/users", {method: "POST",
        headers: {"Content-Type": "application/json"}, body: JSON.stringify({name})}).then(r => r.json())""", name)
    assert made["name"] == name, made
    await page.reload()  # the sandbox's directory of chats now has theirs
    await expect(page.locator("#live")).to_have_class("live on")
    desk = await in_private_chat(page, name, "/daftar pattallassang")
    await expect(desk.locator(".tg-row.theirs", has_text="Permintaan pendaftaran Anda dikirim")).to_be_visible()


async def test_a_verifier_signs_in_from_the_bot_verifies_on_the_web_and_exports(tmp_path: Path) -> None:
    async with demo_page(tmp_path) as (_demo, page):
        await new_citizen(page, "0812 4000 6006", "Daeng Baji")
        number = await citizen_reports(page, PATTALLASSANG)
        link = await sign_in_link(page)

        web = await signed_in_phone(page, link)
        await web.locator("select[name=status]").select_option("received")
        await web.get_by_role("button", name="Terapkan").click()
        listed = web.locator("ol.cases li", has_text=number)
        await expect(listed).to_contain_text("Jalan berlubang besar")
        await expect(web.locator("body")).not_to_contain_text("Daeng Baji")
        await fits_the_phone(web)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await web.screenshot(path=str(ARTIFACTS / "console-list-390.png"), full_page=True)

        await listed.get_by_role("link", name=number).click()
        await expect(web.locator("h1")).to_contain_text(number)
        await expect(web.locator(".files img").first).to_be_visible()  # the citizen's photo, served to staff only
        await fits_the_phone(web)
        await web.screenshot(path=str(ARTIFACTS / "console-case-390.png"), full_page=True)
        await web.locator("select[name=desa]").select_option("Bajeng")
        await web.locator("form[action$='/verifikasi'] button.primary").click()
        await expect(web.locator("p.note[role=status]")).to_contain_text("Kasus diverifikasi")

        field_card = card(page, 1, number)  # back in the sandbox: the field group has the card
        await expect(field_card).to_contain_text("Status: Diverifikasi")

        await web.goto(re.sub(r"/konsol/.*", "/konsol/statistik", web.url))
        await expect(web.locator("svg").first).to_be_visible()  # the charts, drawn by the server
        await fits_the_phone(web)
        await web.screenshot(path=str(ARTIFACTS / "console-stats-390.png"), full_page=True)
        await web.goto(re.sub(r"/konsol/.*", "/konsol/peta", web.url))
        await expect(web.locator(f'a[href$="/konsol/kasus/{number}"]').first).to_be_visible()  # its point
        await expect(web.locator("image.tile")).to_have_count(0)  # the demo runs offline: no tile server
        await fits_the_phone(web)
        await web.screenshot(path=str(ARTIFACTS / "console-map-390.png"), full_page=True)

        await web.goto(re.sub(r"/konsol/.*", "/konsol/ekspor", web.url))
        async with web.expect_download() as csv_download:
            await web.get_by_role("button", name="Unduh CSV").click()
        rows = list(csv.reader(io.StringIO(Path(await (await csv_download.value).path()).read_text("utf-8-sig"))))
        assert rows[0][0] == "Nomor" and [r[0] for r in rows[1:]] == [number]
        async with web.expect_download() as xlsx_download:
            await web.get_by_role("button", name="Unduh Excel (XLSX)").click()
        saved = Path(await (await xlsx_download.value).path())  # named by Playwright, not .xlsx: read its bytes
        sheet = load_workbook(io.BytesIO(saved.read_bytes()), read_only=True).worksheets[0]
        assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [number]


async def test_the_camat_signs_in_from_the_phone_reads_exports_and_approves_a_newcomer(tmp_path: Path) -> None:
    """The issue's "done when": the camat, from a phone, signs in with the bot's link, sees every open case,
    opens one with its photo, downloads the month's XLSX and approves a newcomer, who is told in Telegram."""
    async with demo_page(tmp_path) as (_demo, page):
        await new_citizen(page, "0812 4000 7007", "Daeng Sikki")
        number = await citizen_reports(page, PATTALLASSANG)
        await newcomer_asks_to_register(page, "Rina")
        web = await signed_in_phone(page, await sign_in_link(page, "Camat Pattallassang"))
        await web.locator("select[name=status]").select_option("terbuka")
        await web.get_by_role("button", name="Terapkan").click()
        await expect(web.locator("ul.counts a.on")).to_contain_text("Semua yang masih terbuka")
        listed = web.locator("ol.cases li", has_text=number)
        await expect(listed).to_contain_text("Diterima")
        created = re.search(r"(\d\d)-(\d\d)-(\d{4})", await listed.inner_text())  # the demo clock's month
        assert created, await listed.inner_text()
        await listed.get_by_role("link", name=number).click()
        await expect(web.locator(".files img").first).to_be_visible()
        await expect(web.locator(f'.place svg.map a[href$="/konsol/kasus/{number}"]')).to_have_count(1)

        await without_javascript(web, number)

        await web.goto(re.sub(r"/konsol/.*", "/konsol/ekspor", web.url))
        await web.locator("input[name=bulan]").fill(f"{created[3]}-{created[2]}")
        async with web.expect_download() as monthly:
            await web.get_by_role("button", name="Unduh laporan bulanan").click()
        book = load_workbook(io.BytesIO(Path(await (await monthly.value).path()).read_bytes()), read_only=True)
        summary, cases = ([row for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets)
        assert str(summary[0][0]).startswith("Laporan bulanan Kecamatan Pattallassang")
        assert number in [row[0] for row in cases[1:]]

        await web.goto(re.sub(r"/konsol/.*", "/konsol/petugas", web.url))
        request = web.locator("ul.cases li", has=web.locator("strong", has_text=re.compile("^Rina$")))
        await request.locator("select[name=role]").select_option("officer")
        await request.get_by_role("button", name="Setujui").click()
        await expect(web.locator("p.note")).to_contain_text("Pendaftaran disetujui")
        await expect(web.locator("ul.cases li", has_text="Rina")).to_contain_text("Peran: petugas")
        await fits_the_phone(web)
        await web.screenshot(path=str(ARTIFACTS / "console-staff-390.png"), full_page=True)

        told = (await private_chat(page, "Rina")).locator(".tg-row.theirs", has_text="Pendaftaran Anda disetujui")
        await expect(told).to_contain_text("Kecamatan Pattallassang")
        await expect(told).to_contain_text("oleh Camat Pattallassang")


async def without_javascript(web: Page, number: str) -> None:
    """The list and the case read the same with JavaScript off (the console ships none): the same session's
    cookies in a browser context that runs no script."""
    browser = web.context.browser
    assert browser is not None
    context = await browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    try:
        await context.add_cookies(await web.context.cookies())
        bare = await context.new_page()
        await bare.goto(re.sub(r"/konsol/.*", "/konsol/kasus", web.url))
        await expect(bare.locator("ol.cases li", has_text=number)).to_be_visible()
        await bare.locator("ol.cases li", has_text=number).get_by_role("link", name=number).click()
        await expect(bare.locator("h1")).to_contain_text(number)
        await expect(bare.locator(".files img").first).to_be_visible()
    finally:
        await context.close()
