"""The demo shows proof from the wrong place: the officer resolves with a location shared (📎 → Lokasi, as a reply
to the bot's prompt) kilometres from the report; the card flags it and the desk is told."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.async_api import expect

from tests.demo.test_browser_journey import (
    DONE,
    PATTALLASSANG,
    card,
    citizen_reports,
    column,
    demo_page,
    desk_verifies,
    new_citizen,
    reply_with_sample_photo,
)
from tests.sandbox.browser import ARTIFACTS

FAR_AWAY = ("-5.4546", "119.42903")  # Pallantikang's centre, some 6 km from the report in Bajeng


async def test_proof_from_the_wrong_place_is_flagged_on_the_card_and_to_the_desk(tmp_path: Path) -> None:
    async with demo_page(tmp_path) as (_demo, page):
        await new_citizen(page, "0812 4000 7007", "Daeng Rannu")
        number = await citizen_reports(page, PATTALLASSANG)
        await desk_verifies(page, number)
        field, field_card = column(page, 1), card(page, 1, number)
        await field_card.get_by_role("button", name="Ambil", exact=True).click()
        await expect(field_card).to_contain_text("Dikerjakan oleh Budi")
        await field_card.get_by_role("button", name="Selesaikan", exact=True).click()
        prompt = field.locator(".tg-row.theirs", has_text=f"{number}: balas pesan ini dengan foto sesudah").last

        await prompt.hover()
        await prompt.locator(".tg-reply-button").click()
        await field.locator(".tg-location-open").click()
        await field.locator(".tg-lat").fill(FAR_AWAY[0])
        await field.locator(".tg-lon").fill(FAR_AWAY[1])
        await field.locator(".tg-send-location").click()
        shared = field.locator(".tg-row.mine").last
        await expect(shared.locator("svg.map")).to_be_visible()
        await expect(shared.locator(".tg-quote")).to_contain_text(number)  # a reply to the prompt

        asked = field.locator(".tg-row.theirs", has_text="Untuk menyelesaikan").last
        await reply_with_sample_photo(page, 1, asked, DONE)
        await expect(field_card).to_contain_text("Status: Selesai dikerjakan")
        await expect(field_card).to_contain_text(re.compile(r"⚠ Bukti \d+(,\d)? km dari lokasi laporan"))
        await expect(card(page, 0, number)).to_contain_text("⚠ Bukti")
        await expect(column(page, 0).locator(".tg-row.theirs", has_text=f"⚠ {number}: bukti penyelesaian dikirim")
                     ).to_contain_text("oleh Budi")
        await page.screenshot(path=str(ARTIFACTS / "demo-far-proof.png"))
