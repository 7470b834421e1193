"""The transparency page in Chromium at a phone's width: a confidential case is nowhere, an anonymous one is
there without anything of who sent it (the screenshot is an artifact)."""

from __future__ import annotations

from playwright.async_api import expect
from starlette.applications import Starlette

from core.context import Context
from core.domain.reports import Privacy
from public.pages import public_routes
from tests.conftest import Clock
from tests.core.story import cast, report
from tests.public.conftest import settings, worked
from tests.sandbox.browser import ARTIFACTS, chromium, serve


async def test_a_phone_sees_no_confidential_case_and_no_one_behind_an_anonymous_one(ctx: Context,
                                                                                   clock: Clock) -> None:
    people = await cast(ctx)
    anonymous = await report(ctx, people.reporter, "Daeng Ngalle di sini, WA 081234567890: lampu mati",
                             privacy=Privacy.ANONYMOUS, address="Rumah Daeng Ngalle, Jl. Mawar 12")  # PTL-000001
    await worked(ctx, people, anonymous)
    await report(ctx, people.neighbour, "Pungutan liar di kantor desa", category="pelayanan_publik",
                 privacy=Privacy.CONFIDENTIAL)  # PTL-000002
    async with serve(Starlette(routes=public_routes(ctx, settings(), cache_for=0))) as origin, \
            chromium() as browser:
        page = await browser.new_page(viewport={"width": 390, "height": 844})
        await page.goto(f"{origin}/publik/pattallassang")
        await expect(page.locator("table.figures tr", has_text="Laporan masuk").first.locator("td").first
                     ).to_have_text("1")  # the anonymous case counts; the confidential one does not
        await page.screenshot(path=str(ARTIFACTS / "public-privacy-390.png"), full_page=True)
        for number, found in (("PTL-000002", False), ("PTL-000001", True)):
            await page.get_by_label("Nomor laporan").fill(number)
            await page.get_by_role("button", name="Cek").click()
            if found:
                await expect(page.locator("h2")).to_have_text(number)
                await expect(page.locator("ol.timeline li")).to_have_count(4)
            else:
                await expect(page.locator("p.error")).to_contain_text("tidak ditemukan")
            body = await page.content()
            for word in ("Daeng", "Ngalle", "Tetangga", "Mawar", "0812", "Pungutan"):
                assert word not in body.replace(f"nomor={number}", ""), (number, word)
        await page.goto(f"{origin}/publik")
        assert "PTL-000002" not in await page.content()
