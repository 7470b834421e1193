"""`lapor-camat demo` clicked through in headless Chromium: report, verify, accept, progress, resolve, confirm; the
same in two kecamatan of the sample kabupaten, each report on its own number, desk and ticket prefix; a case the
desk forwards to Dinas PUPR, worked in the agency's group; and the kabupaten-wide number placing a shared camat's
office in its kecamatan."""

from __future__ import annotations

import contextlib
import re
import signal
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from pathlib import Path

from playwright.async_api import Locator, Page, expect

from tests.demo.system import Cli, base_env, running
from tests.sandbox.browser import ARTIFACTS, chromium

SCREENSHOT = ARTIFACTS / "demo-journey.png"
PROGRESS = "Lubang sedang ditambal"
DONE = "Lubang sudah ditambal dan dipadatkan"


@dataclass(frozen=True)
class Kecamatan:
    """A kecamatan of the demo as the test meets it: its number's label, prefix, a desa and its demo staff."""

    name: str
    prefix: str
    desa: str  # the place the citizen shares and the desk picks
    verifier: str
    officer: str
    story: str

    @property
    def short(self) -> str:
        return self.name.removeprefix("Kecamatan ")


PATTALLASSANG = Kecamatan("Kecamatan Pattallassang", "PTL", "Bajeng", "Andi", "Budi",
                          "Jalan berlubang besar di depan SD Inpres Bajeng")
GALESONG = Kecamatan("Kecamatan Galesong", "GLS", "Boddia", "Rahmat", "Nurul", "Jalan amblas di depan Pasar Boddia")
GALESONG_TOWN = replace(GALESONG, desa="Galesong Baru", officer="Syamsul")  # the town's desa: its second field group
POLOMBANGKENG_UTARA = Kecamatan("Kecamatan Polombangkeng Utara", "PBU", "Barugaya", "Haris", "Irma",
                                "Jalan desa di Barugaya rusak parah setelah hujan")
STORY = PATTALLASSANG.story
ROAD = replace(PATTALLASSANG, story="Jalan poros kabupaten di Bajeng retak dan amblas sepanjang 20 meter")
SURVEY = "Tim survei PUPR sudah mengukur kerusakan"
REPAIRED = "Badan jalan sudah dicor ulang"


def free_demo_port() -> int:
    """A port p with p, p+1, p+2 and p+8 free: the page, both simulators and the system."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port + 8 < 65536 and all(_free(port + offset) for offset in (1, 2, 8)):
            return port
    raise AssertionError("no block of free loopback ports")


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


@contextlib.asynccontextmanager
async def demo_page(tmp_path: Path) -> AsyncIterator[tuple[Cli, Page]]:
    """`lapor-camat demo` started, its page open in Chromium with the event stream connected; stopped by Ctrl-C."""
    port = free_demo_port()
    async with running("demo", "--port", str(port), cwd=tmp_path, env=base_env(tmp_path)) as demo:
        url = (await demo.line("open http://", timeout=60)).split("open ", 1)[1].strip()
        assert url == f"http://127.0.0.1:{port}"
        async with chromium() as browser:
            page = await browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(15_000)
            await page.goto(url)
            await expect(page.locator("#live")).to_have_class("live on")  # the event stream is connected
            yield demo, page
        assert await demo.stop(signal.SIGINT, timeout=10) == 0  # Ctrl-C stops everything


async def test_the_whole_journey_clicked_through_the_demo(tmp_path: Path) -> None:
    async with demo_page(tmp_path) as (demo, page):
        # Empty chats say where to start.
        await expect(page.locator("#wa-messages")).to_have_attribute("data-empty", re.compile("sebagai warga"))
        await expect(page.locator("#tg-0 .tg-messages")).to_have_attribute("data-empty", re.compile("Belum ada"))
        number = await citizen_reports_with_a_photo(page)
        await desk_verifies(page, number)
        await officer_accepts_reports_progress_and_resolves(page, number)
        await citizen_sees_the_proof_and_confirms(page, number)
        await expect(page.locator("#toast")).to_be_hidden()  # the last tap's notice fades, as on a phone
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))
        await the_public_page_shows_the_closed_case(page, demo, number)
    # A quiet terminal: the parts starting and the URL, not every migration step or scheduler tick.
    assert "part started" in demo.output
    for noise in ("Running upgrade", "job done", "Application started"):
        assert noise not in demo.output, noise
    assert (tmp_path / "var" / "demo" / "lapor-camat.db").exists()  # the demo's data stays under ./var/demo


async def test_three_kecamatan_each_handle_the_report_sent_to_their_number(tmp_path: Path) -> None:
    """One citizen writes to Pattallassang's number, then switches to Galesong's and to Polombangkeng Utara's:
    each report is numbered with its kecamatan's prefix, its card shows in that kecamatan's desk and field groups
    only, and each is verified, taken, resolved and confirmed there, by that kecamatan's staff."""
    async with demo_page(tmp_path) as (_demo, page):
        await new_citizen(page, "0812 4000 4004", "Karaeng Bali")
        await chats_with(page, PATTALLASSANG)
        first = await citizen_reports(page, PATTALLASSANG)
        await chats_with(page, GALESONG)
        await expect(page.locator("#wa-messages .wa-row")).to_have_count(0)  # another number: another chat
        second = await citizen_reports(page, GALESONG)

        await only_in_its_own_groups(page, second, first)
        await desk_verifies(page, second, GALESONG)
        await officer_resolves(page, second, GALESONG)
        await citizen_confirms(page, second)

        await chats_with(page, POLOMBANGKENG_UTARA)
        third = await citizen_reports(page, POLOMBANGKENG_UTARA)
        await only_in_its_own_groups(page, third, second)
        await desk_verifies(page, third, POLOMBANGKENG_UTARA)
        await officer_resolves(page, third, POLOMBANGKENG_UTARA)
        await citizen_confirms(page, third)

        await chats_with(page, PATTALLASSANG)
        await expect(page.locator("#wa-messages")).to_contain_text(f"nomor {first}")
        await expect(page.locator("#wa-messages")).not_to_contain_text(second)
        await only_in_its_own_groups(page, first, second)
        await desk_verifies(page, first, PATTALLASSANG)
        await officer_resolves(page, first, PATTALLASSANG)
        await citizen_confirms(page, first)
        await page.screenshot(path=str(ARTIFACTS / "demo-three-kecamatan.png"))


async def test_the_desk_forwards_a_case_to_dinas_pupr_which_works_it_in_its_group(tmp_path: Path) -> None:
    """A broken kabupaten road reported to Pattallassang's number: the desk forwards it to Dinas PUPR; Yusuf, in
    PUPR's group, takes it, posts progress and resolves it with a note; the citizen hears each step and confirms."""
    async with demo_page(tmp_path) as (_demo, page):
        await new_citizen(page, "0812 4000 5005", "Daeng Tika")
        number = await citizen_reports(page, ROAD)
        await desk_forwards_to_pupr(page, number)
        await expect(theirs(page).last).to_contain_text(
            f"Laporan {number} diteruskan ke Dinas PUPR, instansi yang berwenang.")
        await pupr_accepts_reports_progress_and_resolves(page, number)
        await expect(card(page, 0, number)).to_contain_text("Status: Selesai dikerjakan")
        await expect(theirs(page).last).to_contain_text(f"Laporan {number} sudah selesai dikerjakan: {REPAIRED}")
        await tap(page, "Sudah beres")
        await expect(theirs(page).last).to_contain_text("Seberapa puas")
        await expect(card(page, 1, number)).to_contain_text("Status: Ditutup")
        await expect(card(page, 0, number)).to_contain_text("Status: Ditutup")
        citizen_heard = [f"Laporan {number} diteruskan ke Dinas PUPR",
                         f"Laporan {number} sudah diterima oleh Dinas PUPR dan sedang ditindaklanjuti",
                         f"Perkembangan laporan {number}: {SURVEY}", "Apakah masalahnya sudah beres?"]
        for told in citizen_heard:
            await expect(theirs(page).filter(has_text=told)).to_have_count(1)
        await page.screenshot(path=str(ARTIFACTS / "demo-agency.png"))


async def test_the_kabupaten_number_places_a_camats_office_in_its_kecamatan(tmp_path: Path) -> None:
    """On the kabupaten-wide number the location sheet shows each camat's office: sharing Galesong's places the
    report in the desa whose centroid is nearest (the sample's desa have real centroids), in Galesong, and the
    report is Galesong's, verified, resolved and confirmed there, answered on that number."""
    office_desa = "Galesong Baru"  # the desa around Galesong's office (core/profiles/takalar/galesong.toml)
    async with demo_page(tmp_path) as (_demo, page):
        await new_citizen(page, "0812 4000 6006", "Daeng Sanga")
        option = page.locator("#wa-number option").filter(has_text="(nomor kabupaten)")
        await page.locator("#wa-number").select_option(await option.get_attribute("value"))
        await expect(page.locator("#wa-business")).to_contain_text("Kabupaten Takalar")
        await page.fill("#wa-text", GALESONG.story)
        await page.click("#wa-send")
        await expect(await answer(page, 1)).to_contain_text("pilih kecamatan dari daftar")
        await page.click("#wa-attach")
        await page.click("#wa-location-open")
        await page.locator("#wa-presets").get_by_role("button", name="Kantor Camat Galesong", exact=True).click()
        placed = await answer(page, 2)
        await expect(placed).to_contain_text(f"Lokasi: {office_desa}, Kecamatan Galesong")
        await expect(placed).to_contain_text("kategori apa?")
        await choose(page, "Pilih kategori", "Infrastruktur")
        await expect(await answer(page, 3)).to_contain_text("kategori apa?")
        await choose(page, "Pilih kategori", "Jalan rusak")
        await expect(await answer(page, 4)).to_contain_text("foto")  # the point is known: no location asked
        await tap(page, "Lewati")
        await expect(await answer(page, 5)).to_contain_text("Bagaimana identitas Anda ditampilkan")
        await tap(page, "Biasa")
        summary = await answer(page, 6)
        await expect(summary).to_contain_text(re.compile(f"Lokasi: Kantor Camat Galesong.*{office_desa}"))
        await tap(page, "Kirim")
        received = await answer(page, 7)
        await expect(received).to_contain_text("Laporan Anda diterima dengan nomor GLS-")
        number = next(w for w in (await received.inner_text()).replace(".", " ").split() if w.startswith("GLS-"))
        desk = column(page, 0)  # the columns stay where they were (the number is no kecamatan's): open Galesong's desk
        galesong = desk.locator(".tg-chat option").filter(has_text=re.compile("^(● )?Meja Verifikasi Galesong$"))
        await desk.locator(".tg-chat").select_option(await galesong.get_attribute("value"))
        await expect(card(page, 0, number)).to_contain_text(f"Desa/Kel.: {office_desa}")
        # Galesong handles it to the end: Rahmat verifies (the desa is known), Syamsul, who keeps the town's desa,
        # is named on duty on its card in the town's field group and resolves it there, and the citizen confirms on
        # the kabupaten's number.
        await expect(desk.locator(".tg-user option:checked")).to_contain_text("Rahmat (verifikator)")
        await card(page, 0, number).get_by_role("button", name="Verifikasi", exact=True).click()
        await expect(page.locator("#toast")).to_have_text(f"{number} diverifikasi.")
        await expect(theirs(page).last).to_contain_text(f"Laporan {number} sudah diverifikasi")
        field = column(page, 1)
        town = field.locator(".tg-chat option").filter(has_text=re.compile("^(● )?Petugas Lapangan Galesong 2$"))
        await field.locator(".tg-chat").select_option(await town.get_attribute("value"))
        await expect(card(page, 1, number)).to_contain_text("Bertugas: Syamsul (0)")
        await expect(card(page, 1, number)).to_contain_text("Disarankan: Syamsul")
        await expect(card(page, 1, number)).not_to_contain_text("⚠ Tidak ada")
        await officer_resolves(page, number, GALESONG_TOWN)
        await expect(page.locator("#wa-business")).to_contain_text("Kabupaten Takalar")
        await expect(theirs(page).last).to_contain_text(f"Laporan {number} sudah selesai dikerjakan: {DONE}")
        await tap(page, "Sudah beres")
        await expect(theirs(page).last).to_contain_text("Seberapa puas")
        await expect(card(page, 0, number)).to_contain_text("Status: Ditutup")


async def desk_forwards_to_pupr(page: Page, number: str) -> None:
    """Andi taps Teruskan on the desk card, picks Dinas PUPR and replies "-" (no reference from the agency)."""
    desk = column(page, 0)
    desk_card = card(page, 0, number)
    await expect(desk_card).to_contain_text("Status: Diterima")
    await desk_card.get_by_role("button", name="Teruskan", exact=True).click()
    await expect(page.locator("#toast")).to_have_text(f"{number}: pilih instansi tujuan.")
    await desk_card.get_by_role("button", name="Dinas PUPR", exact=True).click()
    prompt = desk.locator(".tg-row.theirs", has_text=f"{number} akan diteruskan ke Dinas PUPR").last
    await reply_with_text(page, 0, prompt, "-")
    await expect(desk_card).to_contain_text("Status: Diteruskan")  # the card says it all: no reply under it
    await expect(desk_card).to_contain_text("Diteruskan ke Dinas PUPR oleh Andi")
    await expect(desk_card).to_contain_text("Belum diterima: ketuk Terima")


async def pupr_accepts_reports_progress_and_resolves(page: Page, number: str) -> None:
    """The second column opens PUPR's group (marked: news there), as Yusuf; he takes the case, posts progress with
    a photo and resolves it with a note alone."""
    agency = column(page, 1)
    pupr = agency.locator(".tg-chat option").filter(has_text=re.compile(r"^● Dinas PUPR$"))
    await agency.locator(".tg-chat").select_option(await pupr.get_attribute("value"))
    await expect(agency.locator(".tg-sub")).to_have_text("grup instansi")
    await expect(agency.locator(".tg-user option:checked")).to_have_text("Sebagai: Yusuf (petugas Dinas PUPR)")
    agency_card = card(page, 1, number)
    await expect(agency_card).to_contain_text("Laporan diteruskan dari Kecamatan Pattallassang")
    await expect(agency_card).not_to_contain_text("Daeng Tika")  # never who reported it
    await agency_card.get_by_role("button", name="Terima", exact=True).click()
    await expect(page.locator("#toast")).to_have_text(f"Anda menerima {number} untuk instansi Anda.")
    await expect(agency_card).to_contain_text("Diterima oleh Yusuf (Dinas PUPR)")
    await expect(agency_card.get_by_role("button", name="Terima", exact=True)).to_have_count(0)
    await expect(theirs(page).last).to_contain_text(f"Laporan {number} sudah diterima oleh Dinas PUPR")

    await agency_card.get_by_role("button", name="Update progres", exact=True).click()
    await expect(page.locator("#toast")).to_have_text("Balas pesan yang muncul di bawah kartu.")
    prompt = agency.locator(".tg-row.theirs", has_text=f"{number}: balas pesan ini dengan catatan dan/atau foto").last
    await reply_with_sample_photo(page, 1, prompt, SURVEY)
    await expect(agency_card).to_contain_text(f"Progres terakhir: {SURVEY}")
    await expect(card(page, 0, number)).to_contain_text(f"Progres terakhir: {SURVEY}")
    progress = theirs(page).last
    await expect(progress).to_contain_text(f"Perkembangan laporan {number}: {SURVEY}")
    await expect(progress.locator("img.wa-image")).to_be_visible()

    await agency_card.get_by_role("button", name="Selesaikan", exact=True).click()
    prompt = agency.locator(".tg-row.theirs", has_text=f"{number}: balas pesan ini dengan catatan hasil").last
    await reply_with_text(page, 1, prompt, REPAIRED)
    await expect(agency_card).to_contain_text("Status: Selesai dikerjakan")


async def reply_with_text(page: Page, index: int, message: Locator, words: str) -> None:
    """Reply to `message` with text, as in Telegram (swipe to reply, type, send)."""
    chat = column(page, index)
    await message.hover()
    await message.locator(".tg-reply-button").click()
    await expect(chat.locator(".tg-reply")).to_be_visible()
    await chat.locator(".tg-input").fill(words)
    await chat.locator(".tg-input").press("Enter")
    sent = chat.locator(".tg-row.mine", has_text=words).last
    await expect(sent.locator(".tg-quote")).to_be_visible()


async def new_citizen(page: Page, phone: str, name: str) -> None:
    await page.click("#wa-add")
    await page.fill("#wa-new-phone", phone)
    await page.fill("#wa-new-name", name)
    await page.click("#wa-new button[type=submit]")
    await expect(page.locator("#wa-me")).to_have_text(name)


async def chats_with(page: Page, kecamatan: Kecamatan) -> None:
    """The citizen switches to the kecamatan's number; the Telegram columns follow to its desk and field group."""
    option = page.locator("#wa-number option").filter(has_text=re.compile(f"^(● )?{kecamatan.name} · "))
    await page.locator("#wa-number").select_option(await option.get_attribute("value"))
    await expect(page.locator("#wa-business")).to_contain_text(kecamatan.name)
    await expect(column(page, 0).locator(".tg-chat option:checked")).to_have_text(
        f"Meja Verifikasi {kecamatan.short}")
    await expect(column(page, 1).locator(".tg-chat option:checked")).to_have_text(
        f"Petugas Lapangan {kecamatan.short}")


async def only_in_its_own_groups(page: Page, number: str, other: str) -> None:
    """The columns show the kecamatan of `number`: its card is there, the other kecamatan's card is not."""
    await expect(card(page, 0, number)).to_contain_text("Status: Diterima")
    await expect(column(page, 0).locator(".tg-row", has_text=other)).to_have_count(0)
    await expect(column(page, 1).locator(".tg-row", has_text=other)).to_have_count(0)


async def citizen_reports(page: Page, kecamatan: Kecamatan) -> str:
    """The citizen sends the sample photo with the story and answers the bot; the ticket number."""
    await page.fill("#wa-text", kecamatan.story)
    await page.click("#wa-attach")
    await page.click("#wa-photo-sample")
    await expect(page.locator("#wa-messages .wa-row.mine").last).to_contain_text(kecamatan.story)
    await expect(await answer(page, 1)).to_contain_text("kategori apa?")
    await choose(page, "Pilih kategori", "Infrastruktur")
    await expect(await answer(page, 2)).to_contain_text("kategori apa?")
    await choose(page, "Pilih kategori", "Jalan rusak")
    await expect(await answer(page, 3)).to_contain_text("Di mana lokasinya?")
    await theirs(page).last.get_by_role("button", name="Kirim lokasi").click()
    await page.locator("#wa-presets").get_by_role("button", name=kecamatan.desa, exact=True).click()
    await expect(await answer(page, 4)).to_contain_text("Bagaimana identitas Anda ditampilkan")
    await tap(page, "Biasa")
    await expect(await answer(page, 5)).to_contain_text(f"Lokasi: {kecamatan.desa}")
    await tap(page, "Kirim")
    received = await answer(page, 6)
    await expect(received).to_contain_text(f"Laporan Anda diterima dengan nomor {kecamatan.prefix}-")
    words = (await received.inner_text()).replace(".", " ").split()
    return next(w for w in words if w.startswith(f"{kecamatan.prefix}-"))


async def officer_resolves(page: Page, number: str, kecamatan: Kecamatan) -> None:
    """The kecamatan's officer takes the case in its field group and resolves it with an after-photo."""
    field = column(page, 1)
    await expect(field.locator(".tg-user option:checked")).to_contain_text(f"{kecamatan.officer} (petugas lapangan)")
    field_card = card(page, 1, number)
    await field_card.get_by_role("button", name="Ambil", exact=True).click()
    await expect(page.locator("#toast")).to_have_text(f"Anda mengambil {number}.")
    await expect(field_card).to_contain_text(f"Dikerjakan oleh {kecamatan.officer}")
    await expect(theirs(page).last).to_contain_text(f"sedang dikerjakan oleh petugas {kecamatan.officer}")
    await field_card.get_by_role("button", name="Selesaikan", exact=True).click()
    prompt = field.locator(".tg-row.theirs", has_text=f"{number}: balas pesan ini dengan foto sesudah").last
    await reply_with_sample_photo(page, 1, prompt, DONE)
    await expect(field_card).to_contain_text("Status: Selesai dikerjakan")
    await expect(card(page, 0, number)).to_contain_text("Status: Selesai dikerjakan")


async def citizen_confirms(page: Page, number: str) -> None:
    await expect(theirs(page).filter(has_text=f"Laporan {number} sudah selesai dikerjakan: {DONE}")).to_have_count(1)
    await expect(theirs(page).last).to_contain_text(f"Sebelum dan sesudah · {number}")  # the pair follows
    await tap(page, "Sudah beres")
    await expect(theirs(page).last).to_contain_text("Seberapa puas")
    await expect(card(page, 1, number)).to_contain_text("Status: Ditutup")
    await expect(card(page, 0, number)).to_contain_text("Status: Ditutup")


async def the_public_page_shows_the_closed_case(page: Page, demo: Cli, number: str) -> None:
    """Anyone may look the case up on Pattallassang's public page (the URL the demo prints): its steps and the
    officer's proof photo, and nothing of the citizen."""
    public = (await demo.line("the public page: ")).split("the public page: ", 1)[1].split(" ")[0]
    await page.set_viewport_size({"width": 390, "height": 844})  # a phone
    await page.goto(f"{public}/pattallassang")
    await expect(page.locator("h1")).to_contain_text("Pattallassang")
    figures = page.locator("table.figures tr", has_text="Laporan masuk").first
    await expect(figures.locator("td").first).to_have_text("1")  # this month: the one report of this demo
    await expect(page.locator("table.figures tr", has_text="Ditutup").first.locator("td").first).to_have_text("1")
    await page.screenshot(path=str(ARTIFACTS / "public-page-390.png"), full_page=True)
    await page.get_by_label("Nomor laporan").fill(number)
    await page.get_by_role("button", name="Cek").click()
    await expect(page.locator("h2")).to_have_text(number)
    await expect(page.locator("dl.case")).to_contain_text("Ditutup")
    await expect(page.locator("ol.timeline li")).to_have_count(5)
    await expect(page.locator(f'img[alt*="{number}"]')).to_be_visible()  # the proof photo loads
    body = await page.content()
    assert "Daeng Ngai" not in body and "81240003003" not in body


def theirs(page: Page) -> Locator:
    return page.locator("#wa-messages .wa-row.theirs")


async def answer(page: Page, n: int) -> Locator:
    """The bot's `n`-th message in the citizen's chat, once it is there (and nothing after it yet)."""
    await expect(theirs(page)).to_have_count(n)
    return theirs(page).nth(n - 1)


async def citizen_reports_with_a_photo(page: Page) -> str:
    """A new citizen sends the sample photo with the story, then answers what the bot asks; the ticket number."""
    await new_citizen(page, "0812 4000 3003", "Daeng Ngai")

    await page.fill("#wa-text", STORY)
    await page.click("#wa-attach")
    await page.click("#wa-photo-sample")
    mine = page.locator("#wa-messages .wa-row.mine").last
    await expect(mine.locator("img.wa-image")).to_be_visible()
    await expect(mine).to_contain_text(STORY)

    question = await answer(page, 1)
    await expect(question).to_contain_text("Halo Daeng Ngai")
    await expect(question).to_contain_text("kategori apa?")
    await choose(page, "Pilih kategori", "Infrastruktur")
    await expect(await answer(page, 2)).to_contain_text("kategori apa?")  # now the categories of that group
    await choose(page, "Pilih kategori", "Jalan rusak")

    await expect(await answer(page, 3)).to_contain_text("Di mana lokasinya?")
    await theirs(page).last.get_by_role("button", name="Kirim lokasi").click()
    await page.locator("#wa-presets").get_by_role("button", name="Bajeng").click()
    await expect(page.locator("#wa-messages .wa-row.mine .wa-place").last).to_contain_text("Bajeng")

    await expect(await answer(page, 4)).to_contain_text("Bagaimana identitas Anda ditampilkan")
    await tap(page, "Biasa")
    summary = await answer(page, 5)
    await expect(summary).to_contain_text("Periksa laporan Anda")
    for line in ("Kategori: Jalan rusak", f"Uraian: {STORY}", "Lokasi: Bajeng", "Foto: 1", "Identitas: Biasa"):
        await expect(summary).to_contain_text(line)
    await tap(page, "Kirim")

    received = await answer(page, 6)
    await expect(received).to_contain_text("Laporan Anda diterima dengan nomor PTL-")
    words = (await received.inner_text()).replace(".", " ").split()
    return next(w for w in words if w.startswith("PTL-"))


async def choose(page: Page, button: str, row: str) -> None:
    await theirs(page).last.get_by_role("button", name=button).click()
    await page.locator("#wa-list-sheet").get_by_role("button", name=row).click()


async def tap(page: Page, title: str) -> None:
    """Tap `title` on the bot's latest message that offers it (an image may have followed that message)."""
    offering = theirs(page).filter(has=page.get_by_role("button", name=title, exact=True)).last
    await offering.get_by_role("button", name=title, exact=True).click()


def column(page: Page, index: int) -> Locator:
    return page.locator(f"#tg-{index}")


def card(page: Page, index: int, number: str) -> Locator:
    """The bot's case card for `number` in a Telegram column (the desk is column 0, the field group column 1)."""
    return column(page, index).locator(".tg-row.theirs", has_text=f"{number} ·").first


async def desk_verifies(page: Page, number: str, kecamatan: Kecamatan = PATTALLASSANG) -> None:
    """The kecamatan's verifier taps Verifikasi on the desk card and picks the desa the citizen did not name."""
    desk = column(page, 0)
    await expect(desk.locator(".tg-chat option:checked")).to_contain_text(f"Meja Verifikasi {kecamatan.short}")
    await expect(desk.locator(".tg-user option:checked")).to_contain_text(f"{kecamatan.verifier} (verifikator)")
    desk_card = card(page, 0, number)
    for line in ("Kategori: Jalan rusak", kecamatan.story, "Lampiran: 1 foto", "Status: Diterima"):
        await expect(desk_card).to_contain_text(line)
    await expect(desk_card).not_to_contain_text(re.compile(r"6281240\d{6}"))  # officers see a masked number
    await desk_card.get_by_role("button", name="Verifikasi", exact=True).click()
    await expect(page.locator("#toast")).to_contain_text("pilih desa/kelurahan")
    await desk_card.get_by_role("button", name=kecamatan.desa, exact=True).click()
    await expect(page.locator("#toast")).to_have_text(f"{number} diverifikasi.")
    await expect(desk_card).to_contain_text("Status: Diverifikasi")
    await expect(desk_card).to_contain_text(f"Desa/Kel.: {kecamatan.desa}")
    await expect(desk_card).to_contain_text(f"Diverifikasi oleh {kecamatan.verifier}")
    await expect(theirs(page).last).to_contain_text(f"Laporan {number} sudah diverifikasi")


async def officer_accepts_reports_progress_and_resolves(page: Page, number: str) -> None:
    """Budi takes the case in the field group, replies to its card with a photo, then resolves with proof."""
    field = column(page, 1)
    await expect(field.locator(".tg-chat option:checked")).to_contain_text("Petugas Lapangan")
    await expect(field.locator(".tg-user option:checked")).to_contain_text("Budi (petugas lapangan)")
    field_card = card(page, 1, number)
    await expect(field_card).to_contain_text("Status: Diverifikasi")
    # Pattallassang's three officers keep no desa and are on duty: all named, the least loaded suggested.
    await expect(field_card).to_contain_text("Bertugas: Budi (0), Cakra (0), Dewi (0)")
    await expect(field_card).to_contain_text("Disarankan: Budi")
    await expect(field_card).not_to_contain_text("⚠ Tidak ada")
    await field_card.get_by_role("button", name="Ambil", exact=True).click()
    await expect(page.locator("#toast")).to_have_text(f"Anda mengambil {number}.")
    await expect(field_card).to_contain_text("Dikerjakan oleh Budi")
    await expect(theirs(page).last).to_contain_text(f"Laporan {number} sedang dikerjakan oleh petugas Budi")

    await reply_with_sample_photo(page, 1, field_card, PROGRESS)
    await expect(field_card).to_contain_text(f"Progres terakhir: {PROGRESS}")
    progress = theirs(page).last
    await expect(progress).to_contain_text(f"Perkembangan laporan {number}: {PROGRESS}")
    await expect(progress.locator("img.wa-image")).to_be_visible()

    await field_card.get_by_role("button", name="Selesaikan", exact=True).click()
    prompt = field.locator(".tg-row.theirs", has_text=f"{number}: balas pesan ini dengan foto sesudah").last
    await expect(prompt).to_be_visible()
    await reply_with_sample_photo(page, 1, prompt, DONE)
    await expect(field_card).to_contain_text("Status: Selesai dikerjakan")
    await expect(card(page, 0, number)).to_contain_text("Status: Selesai dikerjakan")


async def reply_with_sample_photo(page: Page, index: int, message: Locator, caption: str) -> None:
    """Reply to `message` with the sample photo and a caption, as in Telegram (swipe to reply, attach)."""
    chat = column(page, index)
    await message.hover()
    await message.locator(".tg-reply-button").click()
    await expect(chat.locator(".tg-reply")).to_be_visible()
    await chat.locator(".tg-input").fill(caption)
    await chat.locator(".tg-sample").click()
    sent = chat.locator(".tg-row.mine", has_text=caption).last
    await expect(sent.locator(".tg-photos img")).to_be_visible()
    await expect(sent.locator(".tg-quote")).to_be_visible()


async def citizen_sees_the_proof_and_confirms(page: Page, number: str) -> None:
    proof = theirs(page).filter(has_text=f"Laporan {number} sudah selesai dikerjakan: {DONE}")
    await expect(proof.locator("img.wa-image")).to_be_visible()  # the officer's after-photo
    pair = theirs(page).last
    await expect(pair).to_contain_text(f"Sebelum dan sesudah · {number}")  # then before and after, side by side
    await expect(pair.locator("img.wa-image")).to_be_visible()
    await tap(page, "Sudah beres")
    await expect(page.locator("#wa-messages .wa-row.mine").last).to_contain_text("Sudah beres")
    await expect(theirs(page).last).to_contain_text("Seberapa puas")
    await expect(card(page, 1, number)).to_contain_text("Status: Ditutup")
    await expect(card(page, 0, number)).to_contain_text("Status: Ditutup")
