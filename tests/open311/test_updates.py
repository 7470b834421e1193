"""GET servicerequestupdates: each public step of each public case, in FixMyStreet's fields, nothing of who did it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.context import Context
from core.db.models import TicketEvent
from core.domain.reports import Privacy
from core.usecases.citizen import confirm_fixed
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket, resolve_ticket
from tests.conftest import Clock
from tests.core.story import cast, report
from tests.open311.conftest import api, children, data, error_of, xml
from tests.public.conftest import proof

FIELDS = ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url"]
# Staff names and their free text: none of it is a public update's.
STAFF_WORDS = ("Andi Verifikator", "Baso Petugas", "Sudah diperbaiki di depan rumah Daeng")


async def test_every_public_step_is_an_update_in_both_formats(ctx: Context, clock: Clock, tmp_path: Path) -> None:
    people = await cast(ctx)
    lamp = await report(ctx, people.reporter, "Lampu mati, telepon 081234567890")  # 23 Nov 09.00 WITA
    clock.advance(hours=1)
    await verify_ticket(ctx, people.verifier, lamp)
    await accept_ticket(ctx, people.officer, lamp)
    clock.advance(hours=2)
    await resolve_ticket(ctx, people.officer, lamp, STAFF_WORDS[2], (proof(tmp_path, "lamp.jpg"),))
    await confirm_fixed(ctx, people.reporter, lamp)
    secret = await report(ctx, people.neighbour, "Pungutan liar", privacy=Privacy.CONFIDENTIAL)
    await verify_ticket(ctx, people.verifier, secret)
    async with ctx.sessions() as session:
        events = {e.to_state: e.id for e in await session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == lamp).order_by(TicketEvent.id))}
    async with api(ctx, tmp_path) as client:
        root = xml(await client.get("/servicerequestupdates.xml"))
        assert root.tag == "service_request_updates" and set(children(root)) == {"request_update"}
        assert all(children(update) == FIELDS for update in root)
        rows = data(await client.get("/servicerequestupdates.json"))
        assert all(list(row) == FIELDS for row in rows)
        assert [(r["service_request_id"], r["status"], r["update_id"]) for r in rows] == [
            ("PTL-000001", "open", str(events["received"])), ("PTL-000001", "open", str(events["verified"])),
            ("PTL-000001", "open", str(events["in_progress"])), ("PTL-000001", "open", str(events["resolved"])),
            ("PTL-000001", "closed", str(events["closed"]))]  # the confidential case's steps are not there
        assert [r["updated_datetime"] for r in rows[:3]] == [
            "2026-11-23T09:00:00+08:00", "2026-11-23T10:00:00+08:00", "2026-11-23T10:00:00+08:00"]
        assert rows[0]["description"] == "Laporan diterima oleh meja kecamatan." and rows[0]["media_url"] is None
        assert rows[3]["media_url"].startswith("https://lapor.test/open311/v2/media/PTL-000001/")
        assert (await client.get(rows[3]["media_url"].removeprefix("https://lapor.test/open311/v2"))).status_code == 200
        english = data(await client.get("/servicerequestupdates.json?locale=en"))
        assert english[4]["description"] == "The case is closed."
        assert data(await client.get("/servicerequestupdates.json")) == rows  # update ids are stable
        for answer in (await client.get("/servicerequestupdates.xml"), await client.get("/servicerequestupdates.json")):
            for word in (*STAFF_WORDS, "Pungutan", "PTL-000002", "Lampu mati"):
                assert word not in answer.text


async def test_updates_since_a_date_the_90_day_limit_and_paging(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    first = await report(ctx, people.reporter)  # 23 Nov
    clock.advance(days=2)
    await verify_ticket(ctx, people.verifier, first)  # 25 Nov
    await report(ctx, people.neighbour, category="sampah")  # 25 Nov, PTL-000002
    async with api(ctx) as client:
        async def steps(query: str = "") -> list[tuple[str, str]]:
            answer = await client.get(f"/servicerequestupdates.json{query}")
            assert answer.status_code == 200, answer.text
            return [(r["service_request_id"], r["description"]) for r in data(answer)]
        assert len(await steps()) == 3
        since = await steps("?start_date=2026-11-24T00:00:00%2B08:00")
        assert since == [("PTL-000001", "Laporan sudah diperiksa dan diteruskan untuk ditindaklanjuti."),
                         ("PTL-000002", "Laporan diterima oleh meja kecamatan.")]
        received = ("PTL-000001", "Laporan diterima oleh meja kecamatan.")
        assert await steps("?end_date=2026-11-24T00:00:00Z") == [received]
        assert await steps("?page_size=2&page=2") == since[1:]
        assert "90" in error_of(await client.get(
            "/servicerequestupdates.xml?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z"), 400)
        assert "start_date" in error_of(await client.get("/servicerequestupdates.json?start_date=kemarin"), 400)
        error_of(await client.get("/servicerequestupdates.json?page_size=1001"), 400)
        error_of(await client.get("/servicerequestupdates.xml?jurisdiction_id=mars"), 404)
        assert len(await steps("?jurisdiction_id=pattallassang")) == 3
        clock.advance(days=89)  # 23 Nov is now more than 90 days ago
        assert len(await steps()) == 2


async def test_a_case_without_a_service_has_no_updates_as_it_has_no_request(ctx: Context) -> None:
    people = await cast(ctx)
    pending = await report(ctx, people.reporter, category=None)  # PTL-000001: before the desk gives it a category
    listed = await report(ctx, people.neighbour)  # PTL-000002
    async with api(ctx) as client:
        error_of(await client.get("/requests/PTL-000001.json"), 404)
        assert [r["service_request_id"] for r in data(await client.get("/servicerequestupdates.json"))] == [
            "PTL-000002"]
        await verify_ticket(ctx, people.verifier, pending, category="sampah", desa="Bajeng")  # now it is a request
        assert data(await client.get("/requests/PTL-000001.json"))
        steps = [r["service_request_id"] for r in data(await client.get("/servicerequestupdates.json"))]
    assert sorted(steps) == ["PTL-000001", "PTL-000001", "PTL-000002"] and listed == 2
