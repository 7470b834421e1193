"""Ekspor's Musrenbang list: a year's aspirations of one kecamatan as the CSV the CLI writes (one table), for its
camat and admins and the kabupaten roles; confidential ones left out, nobody named (not even in their own words),
formulas neutralised."""

from __future__ import annotations

import csv
import io
import re

import httpx
import pytest

from console.musrenbang import musrenbang_table
from core.context import Context
from core.domain.errors import InvalidInput
from core.domain.lifecycle import Role
from core.domain.people import Actor
from core.domain.reports import NewReport, Outcome, Privacy
from core.musrenbang import musrenbang_list, planning_years
from core.usecases.citizen import submit_ticket
from core.usecases.desk import record_outcome
from core.usecases.staff import add_staff
from tests.conftest import in_takalar
from tests.console.conftest import browser, sign_in
from tests.core.story import Cast, cast, ticket

VERIFIER, CAMAT, ADMIN, KABUPATEN_ADMIN, GALESONG_DESK = 1001, 3001, 9001, 9101, 5005
CSV_URL = "/konsol/ekspor/musrenbang.csv"


@pytest.fixture
def home(ctx: Context) -> Context:
    return in_takalar(ctx)


async def noted(here: Context, people: Cast, desk: Actor, story: str, desa: str, year: int,
                outcome: Outcome = Outcome.MUSRENBANG_DESA, privacy: Privacy = Privacy.NORMAL, note: str = "") -> str:
    """The reporter's aspiration in `here`, noted by `desk` for a Musrenbang; its number."""
    done = await submit_ticket(here, people.reporter, NewReport(description=story, category="saran", desa=desa,
                                                                privacy=privacy))
    await record_outcome(here, desk, done.ticket_id, outcome, year=year, note=note)
    return done.number


def rows_of(answer: httpx.Response) -> list[list[str]]:
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv") and answer.content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))


async def test_the_camat_downloads_the_years_list_as_the_cli_writes_it(home: Context) -> None:
    people = await cast(home)
    posyandu = await noted(home, people, people.verifier,  # the reporter names themself, as citizens do
                           "=HYPERLINK(\"x\") posyandu, hubungi saya Daeng Ngalle 081234567890", "Pappa", 2027,
                           note="Usul Daeng Ngalle dibahas bersama usul RW 02")
    jembatan = await noted(home, people, people.verifier, "Jembatan antar desa", "Bajeng", 2027,
                           Outcome.MUSRENBANG_KECAMATAN)
    await noted(home, people, people.verifier, "Pasar desa", "Bajeng", 2028)  # another year
    await noted(home, people, people.verifier, "Rahasia", "Bajeng", 2027, privacy=Privacy.CONFIDENTIAL)
    galesong = home.at("galesong")
    desk = await add_staff(galesong, GALESONG_DESK, "Rahmat", frozenset({Role.VERIFIER}), kecamatan="galesong")
    theirs = await noted(galesong, people, Actor.staff(desk.id, desk.name, frozenset({Role.VERIFIER})),
                         "Dermaga baru", "Boddia", 2027)

    async with browser(home) as camat:
        await sign_in(camat, home, CAMAT)
        page = await camat.get("/konsol/ekspor")
        assert f'action="{CSV_URL}"' in page.text and 'name="tahun"' in page.text
        answer = await camat.get(CSV_URL, params={"tahun": "2027"})
        assert 'filename="lapor-camat-pattallassang-musrenbang-2027.csv"' in answer.headers["content-disposition"]
        rows = rows_of(answer)
        assert rows == musrenbang_table(home, await musrenbang_list(home, 2027), "id")  # the CLI's table
        assert rows[0] == ["Musrenbang", "Desa/kelurahan", "Nomor", "Kategori", "Usulan warga", "Masuk", "Dicatat",
                           "Keterangan"]
        assert [r[:3] for r in rows[1:]] == [["Desa", "Pappa", posyandu], ["Kecamatan", "Bajeng", jembatan]]
        assert rows[1][4].startswith("'=HYPERLINK") and "081234567890" not in rows[1][4]
        assert rows[1][4].endswith("hubungi saya *** 0812*****890")  # the reporter's name too, as on the public page
        assert rows[1][7] == "Usul *** dibahas bersama usul RW 02"
        body = answer.content.decode("utf-8-sig")
        assert "Rahasia" not in body and "Daeng Ngalle" not in body and theirs not in body
        assert (await camat.get(CSV_URL, params={"tahun": "2027", "kecamatan": "galesong"})).status_code == 403
        assert (await camat.get(CSV_URL, params={"tahun": "dua ribu"})).status_code == 400
        assert (await camat.get(CSV_URL, params={"tahun": "1999"})).status_code == 400

    async with browser(home) as kabupaten:
        await sign_in(kabupaten, home, KABUPATEN_ADMIN)
        assert 'name="kecamatan" required' in (await kabupaten.get("/konsol/ekspor")).text  # pick one of nine
        rows = rows_of(await kabupaten.get(CSV_URL, params={"tahun": "2027", "kecamatan": "galesong"}))
        assert [r[:3] for r in rows[1:]] == [["Desa", "Boddia", theirs]]

    async with browser(home) as admin:
        await sign_in(admin, home, ADMIN)
        assert len(rows_of(await admin.get(CSV_URL, params={"tahun": "2028"}))) == 2  # the heading and one


async def test_the_desk_and_strangers_get_no_list(home: Context) -> None:
    people = await cast(home)
    await noted(home, people, people.verifier, "Posyandu baru", "Pappa", 2027)
    async with browser(home) as desk:
        await sign_in(desk, home, VERIFIER)
        page = await desk.get("/konsol/ekspor")
        assert page.status_code == 200 and CSV_URL not in page.text  # the verifier exports cases, not this list
        assert (await desk.get(CSV_URL, params={"tahun": "2027"})).status_code == 403
    async with browser(home) as stranger:
        signed_out = await stranger.get(CSV_URL, params={"tahun": "2027"})
        assert signed_out.status_code == 303 and signed_out.headers["location"] == "/konsol/masuk"


async def test_one_rule_for_the_planning_years_everywhere(home: Context) -> None:
    """An aspiration is noted for this year or one of the next two (the clock says 2026): the use case refuses
    any other, the case page offers exactly those, and the list may be asked for up to the last of them, the
    form's bounds and the refusal's words saying the same."""
    assert list(planning_years(home)) == [2026, 2027, 2028]
    people = await cast(home)
    idea = await submit_ticket(home, people.reporter, NewReport(description="Usul posyandu", category="saran",
                                                                desa="Pappa"))
    for outside in (2025, 2029):
        with pytest.raises(InvalidInput, match="2026 to 2028"):
            await record_outcome(home, people.verifier, idea.ticket_id, Outcome.MUSRENBANG_DESA, year=outside)
    async with browser(home) as desk:
        await sign_in(desk, home, VERIFIER)
        page = await desk.get(f"/konsol/kasus/{idea.number}")
        assert re.findall(r"<option>(\d{4})</option>", page.text) == ["2026", "2027", "2028"]
    await record_outcome(home, people.verifier, idea.ticket_id, Outcome.MUSRENBANG_DESA, year=2028)
    assert (await ticket(home, idea.ticket_id)).state == "closed"

    async with browser(home) as camat:
        await sign_in(camat, home, CAMAT)
        form = (await camat.get("/konsol/ekspor")).text
        assert 'name="tahun" value="2026" min="2000" max="2028" required' in form
        beyond = await camat.get(CSV_URL, params={"tahun": "2029"})
        assert beyond.status_code == 400 and "Tahun perencanaan tidak valid (2000 sampai 2028)." in beyond.text
        assert len(rows_of(await camat.get(CSV_URL, params={"tahun": "2028"}))) == 2
