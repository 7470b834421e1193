"""The transparency pages: figures, per desa, the poster's QR codes, English, 404, weight, no personal data."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from core.context import Context
from public.pages import Cache
from tests.conftest import Clock, in_takalar
from tests.core.story import cast, report
from tests.public.conftest import two_months, visitor

# What the story's citizens are: their names and numbers, in the ways a page could print them.
PERSONAL = ("Daeng Ngalle", "Tetangga", "081234567890", "6281234567890", "81234567890", "813 0000 1111",
            "81300001111", "+62 813")
SECRETS = ("Pungutan liar", "pencurian", "PTL-000002", "PTL-000005")  # the confidential cases
LIMIT = 150_000


def no_personal_data(page: httpx.Response, asked: str = "") -> None:
    """No citizen's name or number, nothing of a confidential case (but the number the visitor typed)."""
    shown = page.text.replace(asked, "") if asked else page.text
    for word in (*PERSONAL, *SECRETS):
        assert word not in shown, word


def cells(page: str, label: str) -> list[str]:
    """The cells of the table row headed `label`."""
    found = re.search(rf"<tr><th>{re.escape(label)}</th>(.*?)</tr>", page)
    assert found, label
    return re.findall(r"<td>(.*?)</td>", found[1])


@pytest.fixture
def home(ctx: Context) -> Context:
    return in_takalar(ctx)


async def test_the_kecamatan_page_shows_its_figures_and_nothing_personal(home: Context, clock: Clock,
                                                                          tmp_path: Path) -> None:
    await two_months(home, await cast(home), clock, tmp_path)
    async with visitor(home, tmp_path) as web:
        page = await web.get("/publik/pattallassang")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "Kecamatan Pattallassang" in page.text and 'lang="id"' in page.text
        assert cells(page.text, "Laporan masuk") == ["2", "1"]  # November, October
        assert cells(page.text, "Diselesaikan petugas") == ["1", "1"]
        assert cells(page.text, "Ditutup") == ["0", "1"]
        assert cells(page.text, "Diterima petugas tepat waktu") == ["0%", "100%"]
        assert cells(page.text, "Waktu penyelesaian (median)") == ["2 jam", "4 jam"]
        assert cells(page.text, "Penilaian warga (1–5)") == ["–", "4,0"]
        assert cells(page.text, "Salaka") == ["1", "1", "0", "0"] and cells(page.text, "Pappa") == ["0"] * 4
        assert cells(page.text, "Lampu jalan")[2:] == ["1", "1"]
        assert "November 2026" in page.text and "Oktober 2026" in page.text
        assert page.text.count("<svg") >= 2 and 'class="segno"' in page.text  # the page's QR, the map
        assert "https://lapor.test/publik/pattallassang" in page.text
        assert '<svg class="map"' in page.text
        assert "/publik/pattallassang/kasus/PTL-000003/foto/" in page.text  # the rubbish case's proof
        assert page.headers["cache-control"] == "public, max-age=60"
        assert "default-src 'none'" in page.headers["content-security-policy"]
        no_personal_data(page)


async def test_the_kabupaten_index_links_every_kecamatan(home: Context, clock: Clock) -> None:
    await two_months(home, await cast(home), clock)
    async with visitor(home) as web:
        page = await web.get("/publik")
        assert page.status_code == 200 and "Kabupaten Takalar" in page.text
        assert (await web.get("/publik/")).status_code == 200
        assert page.text.count('href="/publik/') >= 9 + 1  # each kecamatan, and the stylesheet's path aside
        for code in ("pattallassang", "galesong", "sanrobone"):
            assert f'href="/publik/{code}"' in page.text
        assert cells(page.text, "Laporan masuk") == ["2", "1"]
        no_personal_data(page)


async def test_the_kabupaten_page_has_the_map_recent_proof_and_a_lookup_routed_by_the_number(
        home: Context, clock: Clock, tmp_path: Path) -> None:
    people = await cast(home)
    await two_months(home, people, clock, tmp_path)
    async with visitor(home, tmp_path) as web:
        page = await web.get("/publik")
        assert '<svg class="map"' in page.text and "Galesong" in page.text
        # the two done cases and the open one (the confidential two are left out)
        assert page.text.count('<circle class="done"') == 2 and page.text.count('<circle class="open"') == 1
        proof = re.findall(r'<img src="(/publik/pattallassang/kasus/PTL-00000\d/foto/\d+)"', page.text)
        assert [p.split("/")[4] for p in proof] == ["PTL-000003", "PTL-000001"]  # newest first, no confidential one
        assert [(await web.get(p)).status_code for p in proof] == [200, 200]
        assert 'action="/publik/kasus"' in page.text and 'name="nomor"' in page.text
        found = await web.get("/publik/kasus", params={"nomor": "ptl-000003", "lang": "en"})
        assert found.status_code == 303
        assert found.headers["location"] == "/publik/pattallassang/kasus?nomor=PTL-000003&lang=en"
        assert "<h2>PTL-000003</h2>" in (await web.get(found.headers["location"])).text
        for number in ("XYZ-000001", "bukan!"):
            missing = await web.get("/publik/kasus", params={"nomor": number})
            assert missing.status_code == 404 and "tidak ditemukan" in missing.text, number
        secret = await web.get("/publik/kasus", params={"nomor": "PTL-000002"})  # routed, then not found there
        assert (await web.get(secret.headers["location"])).status_code == 404
        no_personal_data(page)


async def test_english_with_lang_en_and_links_stay_english(home: Context, clock: Clock) -> None:
    await two_months(home, await cast(home), clock)
    async with visitor(home) as web:
        page = await web.get("/publik/pattallassang?lang=en")
        assert 'lang="en"' in page.text and "Reports received" in page.text and "Laporan masuk" not in page.text
        assert cells(page.text, "Time to resolve (median)") == ["2 h", "4 h"]
        assert "November 2026" in page.text and "October 2026" in page.text
        assert 'href="/publik/pattallassang"' in page.text and "Bahasa Indonesia" in page.text
        index = await web.get("/publik?lang=en")
        assert 'href="/publik/galesong?lang=en"' in index.text
        no_personal_data(page)


async def test_unknown_places_are_a_404_page(home: Context) -> None:
    async with visitor(home) as web:
        for path in ("/publik/atlantis", "/publik/atlantis/kasus?nomor=PTL-000001", "/publik/atlantis?lang=en"):
            page = await web.get(path)
            assert page.status_code == 404 and "<h1>" in page.text, path
            assert page.headers["cache-control"] == "no-store"
        assert "Not found" in (await web.get("/publik/atlantis?lang=en")).text


async def test_the_first_load_is_light(home: Context, clock: Clock, tmp_path: Path) -> None:
    await two_months(home, await cast(home), clock, tmp_path)
    async with visitor(home, tmp_path) as web:
        for path in ("/publik", "/publik/pattallassang", "/publik/pattallassang/kasus?nomor=PTL-000003"):
            page = await web.get(path)
            styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
            images = re.findall(r'<img src="([^"]+)"', page.text)
            assert styles and "<script" not in page.text
            loaded = [await web.get(url) for url in (*styles, *images)]
            assert all(r.status_code == 200 for r in loaded)
            weight = len(page.content) + sum(len(r.content) for r in loaded)
            assert weight < LIMIT, (path, weight)
        css = await web.get(styles[0])
        assert css.headers["cache-control"] == "public, max-age=86400"


async def test_the_poster_has_a_whatsapp_qr_when_the_profile_gives_the_number(home: Context) -> None:
    async with visitor(home) as web:  # the sample profile gives Pattallassang's number as citizens dial it
        page = await web.get("/publik/pattallassang")
        assert "https://wa.me/6241100000001" in page.text and page.text.count('class="segno"') == 2
    profile = home.profile.model_copy(update={"whatsapp_number": None})
    here = Context(sessions=home.sessions, profile=profile, clock=home.clock, outbox=home.outbox,
                   kabupaten=home.kabupaten)
    async with visitor(here) as web:
        assert "wa.me" not in (await web.get("/publik/pattallassang")).text


async def test_a_kabupaten_of_one_has_an_index_too(ctx: Context, clock: Clock) -> None:
    await two_months(ctx, await cast(ctx), clock)
    async with visitor(ctx) as web:
        page = await web.get("/publik")
        assert page.status_code == 200 and 'href="/publik/pattallassang"' in page.text
        assert cells(page.text, "Laporan masuk") == ["2", "1"]


async def test_figures_are_kept_a_while_then_counted_again() -> None:
    made: list[int] = []

    async def count() -> int:
        made.append(1)
        return len(made)

    held = Cache(60)
    assert [await held.get("k", count), await held.get("k", count)] == [1, 1]
    assert await Cache(0).get("k", count) == 2 and await Cache(0).get("k", count) == 3


async def test_an_old_value_is_answered_at_once_and_counted_again_behind_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its time the cache answers with what it has and recounts in the background: no visitor waits."""
    clock = [1000.0]
    monkeypatch.setattr("public.pages.time.monotonic", lambda: clock[0])
    made: list[int] = []

    async def count() -> int:
        made.append(1)
        if len(made) == 3:
            raise RuntimeError("database away")
        return len(made)

    held = Cache(60)
    assert await held.get("k", count) == 1
    clock[0] += 61
    assert await held.get("k", count) == 1  # the old figures, at once
    await held.settled()
    assert await held.get("k", count) == 2  # the recount's
    clock[0] += 61
    assert await held.get("k", count) == 2
    await held.settled()  # this recount fails: logged, the last figures stay
    assert len(made) == 3 and await held.get("k", count) == 2
    await held.settled()  # and the next visitor's brings it back
    assert await held.get("k", count) == 4


async def test_the_page_counts_complaints_aspirations_and_questions_apart(home: Context) -> None:
    people = await cast(home)
    await report(home, people.reporter)
    await report(home, people.reporter, "Usul posyandu", category="saran", desa="Bajeng")
    await report(home, people.neighbour, "Kapan KTP keliling?", category="informasi", desa="Bajeng")
    async with visitor(home) as web:
        page = (await web.get("/publik/pattallassang")).text
        index = (await web.get("/publik")).text
    for body in (page, index):
        assert "Per jenis laporan" in body
        assert cells(body, "Pengaduan")[:2] == ["1", "0"] and cells(body, "Aspirasi")[:2] == ["1", "0"]
        assert cells(body, "Informasi")[:2] == ["1", "0"]
