"""`lapor-camat demo` clicked through in headless Chromium: report, verify, accept, progress, resolve, confirm."""

from __future__ import annotations

import re
import signal
import socket
from pathlib import Path

from playwright.async_api import Locator, Page, expect

from tests.demo.system import base_env, running
from tests.sandbox.browser import ARTIFACTS, chromium

SCREENSHOT = ARTIFACTS / "demo-journey.png"
STORY = "Jalan berlubang besar di depan SD Inpres Bajeng"
PROGRESS = "Lubang sedang ditambal"
DONE = "Lubang sudah ditambal dan dipadatkan"


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


async def test_the_whole_journey_clicked_through_the_demo(tmp_path: Path) -> None:
    port = free_demo_port()
    async with running("demo", "--port", str(port), cwd=tmp_path, env=base_env(tmp_path)) as demo:
        url = (await demo.line("open http://", timeout=60)).split("open ", 1)[1].strip()
        assert url == f"http://127.0.0.1:{port}"
        async with chromium() as browser:
            page = await browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(15_000)
            await page.goto(url)
            await expect(page.locator("#live")).to_have_class("live on")  # the event stream is connected
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
        assert await demo.stop(signal.SIGINT, timeout=10) == 0  # Ctrl-C stops everything
    # A quiet terminal: the parts starting and the URL, not every migration step or scheduler tick.
    assert "part started" in demo.output
    for noise in ("Running upgrade", "job done", "Application started"):
        assert noise not in demo.output, noise
    assert (tmp_path / "var" / "demo" / "lapor-camat.db").exists()  # the demo's data stays under ./var/demo


def theirs(page: Page) -> Locator:
    return page.locator("#wa-messages .wa-row.theirs")


async def answer(page: Page, n: int) -> Locator:
    """The bot's `n`-th message in the citizen's chat, once it is there (and nothing after it yet)."""
    await expect(theirs(page)).to_have_count(n)
    return theirs(page).nth(n - 1)


async def citizen_reports_with_a_photo(page: Page) -> str:
    """A new citizen sends the sample photo with the story, then answers what the bot asks; the ticket number."""
    await page.click("#wa-add")
    await page.fill("#wa-new-phone", "0812 4000 3003")
    await page.fill("#wa-new-name", "Daeng Ngai")
    await page.click("#wa-new button[type=submit]")
    await expect(page.locator("#wa-me")).to_have_text("Daeng Ngai")

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
    await theirs(page).last.get_by_role("button", name=title, exact=True).click()


def column(page: Page, index: int) -> Locator:
    return page.locator(f"#tg-{index}")


def card(page: Page, index: int, number: str) -> Locator:
    """The bot's case card for `number` in a Telegram column (the desk is column 0, the field group column 1)."""
    return column(page, index).locator(".tg-row.theirs", has_text=f"{number} ·").first


async def desk_verifies(page: Page, number: str) -> None:
    """Andi, a verifier, taps Verifikasi on the desk card and picks the desa the citizen did not name."""
    desk = column(page, 0)
    await expect(desk.locator(".tg-chat option:checked")).to_contain_text("Meja Verifikasi")
    await expect(desk.locator(".tg-user option:checked")).to_contain_text("Andi (verifikator)")
    desk_card = card(page, 0, number)
    for line in ("Kategori: Jalan rusak", STORY, "Lampiran: 1 foto", "Status: Diterima"):
        await expect(desk_card).to_contain_text(line)
    await expect(desk_card).not_to_contain_text("6281240003003")  # officers see a masked number
    await desk_card.get_by_role("button", name="Verifikasi", exact=True).click()
    await expect(page.locator("#toast")).to_contain_text("pilih desa/kelurahan")
    await desk_card.get_by_role("button", name="Bajeng", exact=True).click()
    await expect(page.locator("#toast")).to_have_text(f"{number} diverifikasi.")
    await expect(desk_card).to_contain_text("Status: Diverifikasi")
    await expect(desk_card).to_contain_text("Desa/Kel.: Bajeng")
    await expect(desk_card).to_contain_text("Diverifikasi oleh Andi")
    await expect(theirs(page).last).to_contain_text(f"Laporan {number} sudah diverifikasi")


async def officer_accepts_reports_progress_and_resolves(page: Page, number: str) -> None:
    """Budi takes the case in the field group, replies to its card with a photo, then resolves with proof."""
    field = column(page, 1)
    await expect(field.locator(".tg-chat option:checked")).to_contain_text("Petugas Lapangan")
    await expect(field.locator(".tg-user option:checked")).to_contain_text("Budi (petugas lapangan)")
    field_card = card(page, 1, number)
    await expect(field_card).to_contain_text("Status: Diverifikasi")
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
    proof = theirs(page).last
    await expect(proof).to_contain_text(f"Laporan {number} sudah selesai dikerjakan: {DONE}")
    await expect(proof.locator("img.wa-image")).to_be_visible()  # the officer's after-photo
    await tap(page, "Sudah beres")
    await expect(page.locator("#wa-messages .wa-row.mine").last).to_contain_text("Sudah beres")
    await expect(theirs(page).last).to_contain_text("Seberapa puas")
    await expect(card(page, 1, number)).to_contain_text("Status: Ditutup")
    await expect(card(page, 0, number)).to_contain_text("Status: Ditutup")
