"""The console in English: `?lang=en` switches every page and its messages, a cookie keeps it for the next
pages, `?lang=id` goes back; Indonesian by default."""

from __future__ import annotations

from core.context import Context
from tests.console.conftest import browser, sign_in
from tests.core.story import cast, report


async def test_english_is_one_tap_away_and_stays(ctx: Context) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter)
    async with browser(ctx) as client:
        first = await client.get("/konsol/masuk")
        assert '<html lang="id">' in first.text and 'href="?lang=en"' in first.text and ">English<" in first.text
        await sign_in(client, ctx, 1001)
        english = await client.get("/konsol/kasus?lang=en")
        assert '<html lang="en">' in english.text and "Bahasa Indonesia" in english.text
        assert "Received" in english.text and "Diterima <b>" not in english.text
        kept = await client.get("/konsol/kasus/PTL-000001")  # no ?lang: the cookie keeps English
        assert '<html lang="en">' in kept.text and "Verify" in kept.text
        missing = await client.get("/konsol/kasus/PTL-999999")
        assert missing.status_code == 404 and "not found" in missing.text.lower()
        back = await client.get("/konsol/kasus?lang=id")
        assert '<html lang="id">' in back.text and "Diterima" in back.text
        assert '<html lang="id">' in (await client.get("/konsol/profil")).text


async def test_categories_are_named_in_english_on_every_page(ctx: Context) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter, "Gelap di depan masjid")  # a street light (lampu_jalan), with a map point
    async with browser(ctx) as client:
        await sign_in(client, ctx, 1001)
        pages = {path: (await client.get(f"{path}?lang=en")).text
                 for path in ("/konsol/kasus", "/konsol/peta", "/konsol/kasus/PTL-000001", "/konsol/profil")}
    cases, map_page, case, profile = pages.values()
    assert '<option value="lampu_jalan">Street light</option>' in cases  # the filter's choices
    assert '<div class="meta">Street light · Bajeng' in cases  # the list's row
    assert "<td>Street light</td>" in map_page
    assert "<dd>Street light</dd>" in case  # the detail line
    assert '<option value="lampu_jalan" selected>Street light</option>' in case  # the verify form
    assert "<strong>Street light</strong>" in profile
    assert "Lampu jalan" not in "".join(pages.values())
