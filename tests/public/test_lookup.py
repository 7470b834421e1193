"""Looking a case up by its number: state, category, desa, public timeline, proof photo; nothing personal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from core.context import Context
from core.db.models import Attachment
from core.domain.reports import NewReport
from core.usecases.citizen import submit_ticket
from tests.conftest import Clock, in_takalar
from tests.core.story import cast
from tests.public.conftest import two_months, visitor
from tests.public.test_pages import no_personal_data


@pytest.fixture
def home(ctx: Context) -> Context:
    return in_takalar(ctx)


async def test_a_number_shows_its_public_story_and_proof(home: Context, clock: Clock, tmp_path: Path) -> None:
    await two_months(home, await cast(home), clock, tmp_path)
    async with visitor(home, tmp_path) as web:
        form = await web.get("/publik/pattallassang/kasus")
        assert form.status_code == 200 and 'name="nomor"' in form.text
        page = await web.get("/publik/pattallassang/kasus?nomor=ptl-000003")
        assert page.status_code == 200 and "<h2>PTL-000003</h2>" in page.text
        assert "Sampah" in page.text and "Salaka" in page.text
        steps = re.findall(r'<li><time datetime="[^"]+">([^<]+)</time> ([^<]+)</li>', page.text)
        assert [step for _, step in steps] == ["Diterima", "Diverifikasi", "Sedang dikerjakan", "Selesai dikerjakan"]
        assert steps[0][0] == "23-11-2026 09:00 WITA"
        assert "Target tahap ini" not in page.text  # resolved: what is left is the citizen's
        photo = re.search(r'<img src="(/publik/pattallassang/kasus/PTL-000003/foto/\d+)"', page.text)
        assert photo, page.text
        served = await web.get(photo[1])
        assert served.status_code == 200 and served.content.startswith(b"\xff\xd8")
        no_personal_data(page)
        waiting = await web.get("/publik/pattallassang/kasus?nomor=PTL-000004")
        assert "Target tahap ini" in waiting.text and "Diterima" in waiting.text
        english = await web.get("/publik/pattallassang/kasus?nomor=PTL-000003&lang=en")
        assert "Timeline" in english.text and "Resolved" in english.text


async def test_confidential_and_other_kecamatans_cases_are_not_found(home: Context, clock: Clock,
                                                                      tmp_path: Path) -> None:
    people = await cast(home)
    await two_months(home, people, clock, tmp_path)
    theirs = await submit_ticket(home.at("galesong"), people.neighbour, NewReport(
        description="Sampah di pantai", category="sampah", desa="Boddia"))
    async with visitor(home, tmp_path) as web:
        for number in ("PTL-000002", "PTL-000005", theirs.number, "PTL-999999", "bukan-nomor!"):
            page = await web.get("/publik/pattallassang/kasus", params={"nomor": number})
            assert page.status_code == 404 and "tidak ditemukan" in page.text, number
            no_personal_data(page, asked=number)
        assert (await web.get("/publik/galesong/kasus", params={"nomor": theirs.number})).status_code == 200
        async with home.sessions() as session:
            secret_photo = await session.scalar(select(Attachment.id).where(Attachment.stored_path == "2.jpg"))
            public_photo = await session.scalar(select(Attachment.id).where(Attachment.stored_path == "rubbish.jpg"))
        assert secret_photo is not None and public_photo is not None
        assert (await web.get(f"/publik/pattallassang/kasus/PTL-000002/foto/{secret_photo}")).status_code == 404
        assert (await web.get(f"/publik/pattallassang/kasus/PTL-000001/foto/{public_photo}")).status_code == 404
        assert (await web.get(f"/publik/galesong/kasus/PTL-000003/foto/{public_photo}")).status_code == 404


async def test_a_case_shows_neither_the_reporters_name_nor_the_address_they_typed(home: Context, clock: Clock) -> None:
    people = await cast(home)
    await submit_ticket(home, people.reporter, NewReport(
        description="Saya Daeng Ngalle, rumah no. 12 Jl. Mawar, WA 081234567890", category="sampah", desa="Salaka",
        address="Jl. Mawar No. 12 (rumah Daeng Ngalle)", latitude=-5.4312, longitude=119.6049))
    async with visitor(home) as web:  # the visitor's own scan: no mobile number on any page
        for path in ("/publik/pattallassang", "/publik", "/publik/pattallassang/kasus?nomor=PTL-000001"):
            page = await web.get(path)
            assert page.status_code == 200, path
            no_personal_data(page, asked="PTL-000001")
            assert "Mawar" not in page.text and "Ngalle" not in page.text, path
