"""The Kasus list: the viewer's kecamatan only, filters, search, sorting, pages, counts, no reporter's number."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import update

from console import cases as cases_module
from core.context import Context
from core.db.models import Ticket
from core.domain.lifecycle import Role
from core.domain.reports import NewReport
from core.usecases import citizen
from core.usecases.desk import forward_ticket, reject_ticket, verify_ticket
from core.usecases.field import accept_ticket
from core.usecases.staff import add_staff, remove_staff
from tests.conftest import Clock, in_takalar
from tests.console.conftest import browser, sign_in
from tests.core.story import cast, report

VERIFIER, OFFICER, KABUPATEN_ADMIN = 1001, 2001, 9101
NUMBER = re.compile(r"/konsol/kasus/([A-Z]+-\d+)")


def numbers(page: str) -> list[str]:
    return NUMBER.findall(page)


@pytest.fixture
def home(ctx: Context) -> Context:
    return in_takalar(ctx)


async def test_the_list_shows_only_the_viewers_kecamatan(home: Context) -> None:
    people = await cast(home)
    await report(home, people.reporter)
    galesong = home.at("galesong")
    theirs = await citizen.submit_ticket(galesong, people.neighbour, NewReport(
        description="Sampah menumpuk di pasar", category="sampah", desa="Boddia"))
    async with browser(home) as verifier, browser(home) as kabupaten:
        await sign_in(verifier, home, VERIFIER)
        own = await verifier.get("/konsol/kasus")
        assert numbers(own.text) == ["PTL-000001"] and "Sampah menumpuk" not in own.text
        assert 'name="kecamatan"' not in own.text  # one kecamatan: no picker
        assert (await verifier.get("/konsol/kasus?kecamatan=galesong")).status_code == 403
        assert (await verifier.get(f"/konsol/kasus/{theirs.number}")).status_code == 404
        assert (await verifier.get("/konsol/kasus/PTL-000001")).status_code == 200

        await sign_in(kabupaten, home, KABUPATEN_ADMIN)
        every = await kabupaten.get("/konsol/kasus")
        assert sorted(numbers(every.text)) == sorted(["PTL-000001", theirs.number])
        assert 'name="kecamatan"' in every.text and "Galesong" in every.text
        picked = await kabupaten.get("/konsol/kasus?kecamatan=galesong")
        assert numbers(picked.text) == [theirs.number]
        assert (await kabupaten.get(f"/konsol/kasus/{theirs.number}")).status_code == 200


async def test_staff_of_two_kecamatan_pick_between_theirs_and_lose_one_at_once(home: Context) -> None:
    people = await cast(home)
    await report(home, people.reporter)
    await add_staff(home, 4242, "Siti", frozenset({Role.OFFICER}))
    await add_staff(home, 4242, "Siti", frozenset({Role.OFFICER}), kecamatan="galesong")
    async with browser(home) as phone:
        await sign_in(phone, home, 4242)
        both = await phone.get("/konsol/kasus")
        assert 'value="galesong"' in both.text and 'value="pattallassang"' in both.text
        assert 'value="mangarabombang"' not in both.text and numbers(both.text) == ["PTL-000001"]
        await remove_staff(home, 4242, kecamatan="pattallassang")
        left = await phone.get("/konsol/kasus")
        assert left.status_code == 200 and numbers(left.text) == [] and 'name="kecamatan"' not in left.text
        assert (await phone.get("/konsol/kasus?kecamatan=pattallassang")).status_code == 403


async def test_filters_search_and_counts(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    lamp = await report(ctx, people.reporter, "Lampu jalan mati di depan masjid", address="Jl. Poros Takalar 7")
    clock.advance(days=3)
    rubbish = await report(ctx, people.neighbour, "Sampah menumpuk di pasar", category="sampah", desa="Salaka")
    drain = await report(ctx, people.reporter, "Got tersumbat dekat sekolah", category="drainase", desa="Pappa")
    await verify_ticket(ctx, people.verifier, rubbish)
    await reject_ticket(ctx, people.verifier, drain, "Spam / bukan laporan")
    async with ctx.sessions.begin() as session:  # the lamp's verification is long overdue
        await session.execute(update(Ticket).where(Ticket.id == lamp).values(
            stage_deadline_at=clock.now.replace(year=2026, month=11, day=20)))
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, VERIFIER)

        async def listed(query: str) -> list[str]:
            page = await phone.get(f"/konsol/kasus?{query}")
            assert page.status_code == 200, page.text
            return numbers(page.text)

        everything = await phone.get("/konsol/kasus")
        assert numbers(everything.text) == ["PTL-000003", "PTL-000002", "PTL-000001"]  # newest first
        assert re.search(r"Diterima <b>1</b>", everything.text) and re.search(r"Ditolak <b>1</b>", everything.text)
        assert "3 kasus" in everything.text
        assert await listed("status=verified") == ["PTL-000002"]
        assert await listed("kategori=sampah") == ["PTL-000002"]
        assert await listed("desa=Pappa") == ["PTL-000003"]
        assert await listed("terlambat=1") == ["PTL-000001"]
        assert await listed("dari=2026-11-25") == ["PTL-000003", "PTL-000002"]
        assert await listed("sampai=2026-11-23") == ["PTL-000001"]
        assert await listed("q=pasar") == ["PTL-000002"]
        assert await listed("q=ptl-000003") == ["PTL-000003"]
        assert await listed("q=POROS") == ["PTL-000001"]  # the address
        assert await listed("q=100%25") == []
        assert await listed("urut=lama") == ["PTL-000001", "PTL-000002", "PTL-000003"]
        assert (await listed("urut=tenggat"))[0] == "PTL-000001"
        assert await listed("status=nonsense&kategori=x&dari=kemarin&hal=abc") == [
            "PTL-000003", "PTL-000002", "PTL-000001"]  # nonsense is ignored, not an error
        only_rejected = await phone.get("/konsol/kasus?status=rejected")
        assert re.search(r"Diterima <b>1</b>", only_rejected.text)  # counts ignore the state filter


        still_open = await phone.get("/konsol/kasus?status=terbuka")  # every open state: the camat's desk
        assert numbers(still_open.text) == ["PTL-000002", "PTL-000001"] and "2 kasus" in still_open.text
        assert re.search(r'class="on">Semua yang masih terbuka <b>2</b>', still_open.text)
        assert '<option value="terbuka" selected>' in still_open.text
        exported = await phone.get("/konsol/ekspor.csv?status=terbuka")  # the export and the map share it
        assert [row[0] for row in csv.reader(io.StringIO(exported.content.decode("utf-8-sig")))][1:] == [
            "PTL-000001", "PTL-000002"]
        mapped = await phone.get("/konsol/peta?status=terbuka")
        assert sorted(set(NUMBER.findall(mapped.text))) == ["PTL-000001", "PTL-000002"]
        assert "PTL-000003" in (await phone.get("/konsol/peta")).text  # rejected this week: on the map without it


async def test_pages(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cases_module, "PAGE_SIZE", 2)
    people = await cast(ctx)
    for n in range(5):
        await report(ctx, people.reporter, f"Lampu mati nomor {n}")
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, VERIFIER)
        first = await phone.get("/konsol/kasus?urut=lama")
        assert numbers(first.text) == ["PTL-000001", "PTL-000002"] and "Halaman 1 dari 3" in first.text
        assert 'href="/konsol/kasus?urut=lama&amp;hal=2"' in first.text
        third = await phone.get("/konsol/kasus?urut=lama&hal=3")
        assert numbers(third.text) == ["PTL-000005"]
        assert numbers((await phone.get("/konsol/kasus?urut=lama&hal=99")).text) == ["PTL-000005"]


async def test_no_page_shows_the_reporters_number_or_name(ctx: Context) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter, "Lampu mati, hubungi saya di 081234567890 atau 0813-0000-1111",
                 address="Rumah Daeng, telp 081234567890")
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, VERIFIER)
        bodies = [(await phone.get(path)).text for path in
                  ("/konsol/kasus", "/konsol/kasus?q=lampu", "/konsol/kasus/PTL-000001")]
    for body in bodies:
        for secret in ("081234567890", "6281234567890", "1234567890", "0813-0000-1111", "Daeng Ngalle"):
            assert secret not in body
    assert "0812*****890" in bodies[0]  # the number in the story, masked


async def test_the_pages_are_for_a_phone_and_escape_what_citizens_wrote(ctx: Context) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter, "<script>alert(1)</script> lampu mati")
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, VERIFIER)
        page = await phone.get("/konsol/kasus")
        css = await phone.get("/konsol/static/konsol.css")
        again = await phone.get("/konsol/kasus")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page.text
    assert "<script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert page.headers["x-frame-options"] == "DENY" and "default-src 'self'" in page.headers["content-security-policy"]
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert again.headers["cache-control"] == "no-store"


async def test_filter_by_kind_officer_and_agency(ctx: Context) -> None:
    people = await cast(ctx)
    lamp = await report(ctx, people.reporter, "Lampu jalan mati")
    await report(ctx, people.reporter, "Usul posyandu", category="saran")
    wire = await report(ctx, people.neighbour, "Kabel listrik putus", desa="Salaka")
    await verify_ticket(ctx, people.verifier, lamp)
    await accept_ticket(ctx, people.officer, lamp)
    await forward_ticket(ctx, people.verifier, wire, "pln", "")
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, VERIFIER)
        page = await phone.get("/konsol/kasus")
        assert 'name="jenis"' in page.text and "Baso Petugas" in page.text and 'value="pln"' in page.text
        assert numbers((await phone.get("/konsol/kasus?jenis=aspiration")).text) == ["PTL-000002"]
        assert numbers((await phone.get(f"/konsol/kasus?petugas={people.officer.id}")).text) == ["PTL-000001"]
        assert numbers((await phone.get("/konsol/kasus?instansi=pln")).text) == ["PTL-000003"]
        assert len(numbers((await phone.get("/konsol/kasus?jenis=nonsense&instansi=nope")).text)) == 3  # ignored


async def test_an_officer_sees_their_own_cases_first(ctx: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cases_module, "PAGE_SIZE", 2)
    people = await cast(ctx)
    for n in range(1, 6):
        ticket_id = await report(ctx, people.reporter, f"Lampu mati nomor {n}")
        if n % 2:  # PTL-000001, 3 and 5 are Baso's
            await verify_ticket(ctx, people.verifier, ticket_id)
            await accept_ticket(ctx, people.officer, ticket_id)
    async with browser(ctx) as field, browser(ctx) as desk:
        await sign_in(field, ctx, OFFICER)

        async def listed(query: str = "") -> list[str]:
            return numbers((await field.get(f"/konsol/kasus{query}")).text)

        assert await listed() == ["PTL-000005", "PTL-000003"]  # their own, newest first
        assert await listed("?hal=2") == ["PTL-000001", "PTL-000004"]  # the last of theirs, then the rest
        assert await listed("?hal=3") == ["PTL-000002"]
        assert await listed("?urut=lama") == ["PTL-000001", "PTL-000003"]
        assert await listed("?urut=lama&hal=3") == ["PTL-000004"]
        assert await listed("?status=received") == ["PTL-000004", "PTL-000002"]  # none of theirs: as ever
        assert "Halaman 1 dari 3" in (await field.get("/konsol/kasus")).text
        await sign_in(desk, ctx, VERIFIER)  # anyone else: the list's own order
        assert numbers((await desk.get("/konsol/kasus")).text) == ["PTL-000005", "PTL-000004"]
