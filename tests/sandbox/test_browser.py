"""The sandbox page in headless Chromium: a citizen chats with an echo bot, a verifier taps a card."""

from __future__ import annotations

from playwright.async_api import Page, expect

from core.profile import Profile
from simulator.web import SandboxControls, build_sandbox_web

from .bots import STAFF, CardBot, sandbox_with_echo
from .browser import ARTIFACTS, chromium, serve


async def test_a_citizen_and_a_verifier_use_the_page(profile: Profile) -> None:
    async with sandbox_with_echo(profile) as sandbox, CardBot(sandbox.telegram).running() as bot:
        web = build_sandbox_web(sandbox, profile, SandboxControls(staff=STAFF))
        try:
            async with serve(web) as url, chromium() as browser:
                page = await browser.new_page(viewport={"width": 1440, "height": 900})
                page.set_default_timeout(5000)
                await page.goto(url)
                await a_citizen_reports(page)
                await a_verifier_taps_a_card(page, bot, profile.telegram.desk_chat_id)
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                await page.screenshot(path=str(ARTIFACTS / "sandbox.png"))
        finally:
            web.state.feed.close()


async def a_citizen_reports(page: Page) -> None:
    await page.click("#wa-add")
    await page.fill("#wa-new-phone", "0812 4000 3003")
    await page.fill("#wa-new-name", "Daeng Ngai")
    await page.click("#wa-new button[type=submit]")
    await expect(page.locator("#wa-me")).to_have_text("Daeng Ngai")

    await page.fill("#wa-text", "Lampu jalan di depan masjid mati")
    await page.press("#wa-text", "Enter")
    chat = page.locator("#wa-messages")
    await expect(chat.locator(".wa-row.theirs").last).to_contain_text("Echo: Lampu jalan di depan masjid mati")
    await chat.get_by_role("button", name="Benar").click()
    await expect(chat.locator(".wa-row.theirs").last).to_contain_text("Anda memilih: Benar")

    await page.fill("#wa-text", "daftar")
    await page.press("#wa-text", "Enter")
    await chat.get_by_role("button", name="Kategori").click()
    await page.locator("#wa-list-sheet").get_by_role("button", name="Lampu jalan").click()
    await expect(chat.locator(".wa-row.theirs").last).to_contain_text("Anda memilih: Lampu jalan")

    await page.fill("#wa-text", "Fotonya")
    await page.click("#wa-attach")
    await page.click("#wa-photo-sample")
    await expect(chat.locator(".wa-row.mine img.wa-image")).to_be_visible()
    await page.click("#wa-attach")
    await page.click("#wa-location-open")
    await page.locator("#wa-presets").get_by_role("button", name="Bajeng").click()
    await expect(chat.locator(".wa-row.mine .wa-place").last).to_contain_text("Bajeng")
    await expect(chat.locator(".wa-row.theirs").last).to_contain_text("Diterima: location")


async def a_verifier_taps_a_card(page: Page, bot: CardBot, desk: int) -> None:
    column = page.locator(f".tg[data-chat='{desk}']")
    await expect(column.locator(".tg-user")).to_have_value("2001")  # Andi (verifikator) on the desk
    await bot.post_card(desk, "Laporan PTL-0001: lampu jalan mati")  # arrives live, through the event stream
    card = column.locator(".tg-row", has_text="PTL-0001")
    await card.get_by_role("button", name="Verifikasi").click()
    await expect(page.locator("#toast")).to_have_text("Tercatat, Andi")
    await expect(card).to_contain_text("diverifikasi oleh Andi")  # the bot's edit, shown live

    await card.hover()
    await card.locator(".tg-reply-button").click()
    await column.locator(".tg-input").fill("Sudah dicek di lokasi")
    await column.locator(".tg-sample").click()
    proof = column.locator(".tg-row.mine").last
    await expect(proof.locator(".tg-quote")).to_contain_text("PTL-0001")
    await expect(proof.locator(".tg-photos img")).to_be_visible()
    await expect(proof).to_contain_text("Sudah dicek di lokasi")
