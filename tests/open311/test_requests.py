"""GET requests and requests/{id}: the public cases only, their fields, filters and limits, nothing personal."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import update

from core.context import Context
from core.db.models import Attachment, Ticket
from core.domain.lifecycle import TicketState
from core.domain.reports import Privacy
from core.usecases.citizen import confirm_fixed, rate_ticket
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket, resolve_ticket
from public.view import public_case, public_cases, public_photo, round_position
from tests.conftest import Clock
from tests.core.story import PHOTO, cast, force_state, report, ticket
from tests.open311.conftest import api, children, data, error_of, xml
from tests.public.conftest import small_jpeg

FIELDS = ["service_request_id", "status", "status_notes", "service_name", "service_code", "description",
          "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "address", "zipcode",
          "lat", "long", "media_url"]


async def numbers(client: httpx.AsyncClient, query: str = "") -> list[str]:
    answer = await client.get(f"/requests.json{query}")
    assert answer.status_code == 200, answer.text
    return [r["service_request_id"] for r in data(answer)]


async def privacy(ctx: Context, ticket_id: int, value: Privacy) -> None:
    async with ctx.sessions.begin() as session:
        await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(privacy=value.value))


async def test_a_request_has_the_specifications_fields_in_both_formats(ctx: Context) -> None:
    people = await cast(ctx)
    lamp = await report(ctx, people.reporter, "Lampu mati, hubungi saya 081234567890", latitude=-5.412345,
                 longitude=119.587654, address="Jl. Poros 7")
    async with api(ctx) as client:
        root = xml(await client.get("/requests.xml"))
        assert root.tag == "service_requests" and children(root) == ["request"]
        row = root[0]
        assert children(row) == FIELDS
        assert row.findtext("service_request_id") == "PTL-000001" and row.findtext("status") == "open"
        assert row.findtext("status_notes") == "Diterima" and row.findtext("service_code") == "lampu_jalan"
        assert (row.findtext("lat"), row.findtext("long")) == ("-5.412", "119.588")
        assert row.findtext("requested_datetime") == "2026-11-23T09:00:00+08:00"
        assert row.findtext("expected_datetime") == ""  # received: when it will be solved is not known yet
        assert row.findtext("description") == "Menunggu verifikasi meja kecamatan."  # the desk has not read it yet
        assert row.findtext("address") == "Bajeng, Kecamatan Pattallassang"  # never the address typed
        assert row.findtext("media_url") == ""
        (one,) = data(await client.get("/requests.json"))
        assert list(one) == FIELDS and one["lat"] == -5.412 and one["long"] == 119.588 and one["zipcode"] is None
        assert data(await client.get("/requests/PTL-000001.json")) == [one]
        assert children(xml(await client.get("/requests/ptl-000001.xml"))[0]) == FIELDS
        await verify_ticket(ctx, people.verifier, lamp)
        assert "0812*****890" in xml(await client.get("/requests.xml"))[0].findtext("description", "")
        assert "PTL-000009" in error_of(await client.get("/requests/PTL-000009.json"), 404)


async def test_confidential_cases_are_never_listed_nor_found_and_anonymous_ones_name_no_one(ctx: Context,
                                                                                            tmp_path: Path) -> None:
    people = await cast(ctx)
    secret = await report(ctx, people.reporter, "Pungutan liar oleh oknum", category="sampah")
    await privacy(ctx, secret, Privacy.CONFIDENTIAL)
    hidden = await report(ctx, people.neighbour, "Anonim: got tersumbat", category="drainase")
    await privacy(ctx, hidden, Privacy.ANONYMOUS)
    rejected = await report(ctx, people.reporter, "Iseng")
    await force_state(ctx, rejected, TicketState.REJECTED)
    (tmp_path / "bukti.jpg").write_bytes(b"\xff\xd8proof")
    await proof(ctx, secret, "bukti.jpg")
    async with api(ctx, tmp_path) as client:
        assert await numbers(client) == ["PTL-000002"]
        assert await numbers(client, "?service_request_id=PTL-000001,PTL-000002,PTL-000003") == ["PTL-000002"]
        error_of(await client.get("/requests/PTL-000001.xml"), 404)
        error_of(await client.get("/requests/PTL-000003.json"), 404)
        assert (await client.get("/media/PTL-000001/1")).status_code == 404
    assert await public_case(ctx, "PTL-000001") is None and await public_photo(ctx, "PTL-000001", 1, tmp_path) is None
    assert [c.number for c in await public_cases(ctx, None)] == ["PTL-000002"]


async def test_expected_datetime_is_the_resolve_deadline_once_an_officer_has_the_case(ctx: Context) -> None:
    people = await cast(ctx)
    case = await report(ctx, people.reporter)
    async with api(ctx) as client:
        assert data(await client.get("/requests/PTL-000001.json"))[0]["expected_datetime"] is None
        await verify_ticket(ctx, people.verifier, case)
        assert data(await client.get("/requests/PTL-000001.json"))[0]["expected_datetime"] is None
        await accept_ticket(ctx, people.officer, case)
        deadline = (await ticket(ctx, case)).stage_deadline_at
        assert deadline is not None
        (row,) = data(await client.get("/requests/PTL-000001.json"))
        assert row["expected_datetime"] == deadline.astimezone(ctx.profile.zone).isoformat(timespec="seconds")
        assert row["expected_datetime"].endswith("+08:00")


async def test_a_description_names_no_reporter_nor_their_number_and_no_typed_address_is_given(ctx: Context) -> None:
    people = await cast(ctx)
    mine = await report(ctx, people.reporter,
                        "Saya daeng ngalle, rumah no. 12 Jl. Mawar; WA 0812-3456-7890 atau 08123456789012",
                        address="Jl. Mawar No. 12 (rumah Daeng Ngalle)")
    theirs = await report(ctx, people.neighbour, "Kata Tetangga: got tersumbat")
    await privacy(ctx, theirs, Privacy.ANONYMOUS)
    for case in (mine, theirs):
        await verify_ticket(ctx, people.verifier, case)  # what the citizen wrote is public once the desk read it
    async with api(ctx) as client:  # the client's own scan: no name, no number of the cast, no mobile number at all
        rows = {r["service_request_id"]: r for r in data(await client.get("/requests.json"))}
        xml(await client.get("/requests.xml"))
        one = data(await client.get("/requests/PTL-000001.json"))[0]
    assert rows["PTL-000001"] == one
    assert one["description"].startswith("Saya ***, rumah no. 12 Jl. Mawar; WA ")  # the house number stays
    assert "Mawar" not in one["address"] and one["address"] == "Bajeng, Kecamatan Pattallassang"
    assert rows["PTL-000002"]["description"] == "Kata ***: got tersumbat"


async def proof(ctx: Context, ticket_id: int, path: str, role: str = "proof") -> int:
    async with ctx.sessions.begin() as session:
        row = Attachment(ticket_id=ticket_id, kind="photo", role=role, platform="telegram", stored_path=path,
                         added_by_kind="staff", created_at=ctx.now())
        session.add(row)
        await session.flush()
        return row.id


async def test_only_the_officers_proof_photo_is_served_and_linked(ctx: Context, tmp_path: Path) -> None:
    people = await cast(ctx)
    case = await report(ctx, people.reporter)
    (tmp_path / "warga.jpg").write_bytes(small_jpeg())
    (tmp_path / "bukti.jpg").write_bytes(small_jpeg())
    own = await proof(ctx, case, "warga.jpg", role="report")
    after = await proof(ctx, case, "bukti.jpg")
    outside = await proof(ctx, case, "../../etc/passwd")
    async with api(ctx, tmp_path) as client:
        (row,) = data(await client.get("/requests.json"))
        assert row["media_url"] == f"https://lapor.test/open311/v2/media/PTL-000001/{outside}"  # the latest proof
        assert (await client.get(f"/media/PTL-000001/{outside}")).status_code == 404  # not under the media dir
        async with ctx.sessions.begin() as session:
            await session.execute(update(Attachment).where(Attachment.id == outside).values(stored_path=None))
        (row,) = data(await client.get("/requests.json"))
        assert row["media_url"] == f"https://lapor.test/open311/v2/media/PTL-000001/{after}"
        photo = await client.get(f"/media/PTL-000001/{after}")
        assert photo.status_code == 200 and photo.content == (tmp_path / "public" / f"{after}.jpg").read_bytes()
        assert photo.headers["content-type"] == "image/jpeg"
        assert (await client.get(f"/media/PTL-000001/{own}")).status_code == 404
        assert (await client.get(f"/media/PTL-000002/{after}")).status_code == 404


async def test_filters_by_id_service_status_and_dates(ctx: Context, clock: Clock) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter, category="sampah")  # PTL-000001, 23 Nov
    clock.advance(days=2)
    done = await report(ctx, people.neighbour)  # PTL-000002, 25 Nov
    await force_state(ctx, done, TicketState.CLOSED)
    clock.advance(days=2)
    await report(ctx, people.reporter)  # PTL-000003, 27 Nov
    async with api(ctx) as client:
        assert await numbers(client) == ["PTL-000003", "PTL-000002", "PTL-000001"]  # newest first
        assert await numbers(client, "?service_request_id=PTL-000001, PTL-000003") == ["PTL-000003", "PTL-000001"]
        assert await numbers(client, "?service_code=sampah") == ["PTL-000001"]
        assert await numbers(client, "?service_code=sampah,lampu_jalan") == ["PTL-000003", "PTL-000002",
                                                                            "PTL-000001"]
        assert await numbers(client, "?status=closed") == ["PTL-000002"]
        assert await numbers(client, "?status=open") == ["PTL-000003", "PTL-000001"]
        assert await numbers(client, "?status=open,closed") == ["PTL-000003", "PTL-000002", "PTL-000001"]
        closed = data(await client.get("/requests.json?status=closed"))[0]
        assert closed["status"] == "closed" and closed["expected_datetime"] is None
        window = "?start_date=2026-11-24T00:00:00%2B08:00&end_date=2026-11-26T00:00:00Z"
        assert await numbers(client, window) == ["PTL-000002"]
        assert await numbers(client, "?start_date=2026-11-24") == ["PTL-000003", "PTL-000002"]
        assert await numbers(client, "?end_date=2026-11-24T00:00:00Z") == ["PTL-000001"]
        assert await numbers(client, "?page_size=2") == ["PTL-000003", "PTL-000002"]
        assert await numbers(client, "?page_size=2&page=2") == ["PTL-000001"]
        clock.advance(days=87)  # PTL-000001 is now more than 90 days old: out of the default range
        assert await numbers(client) == ["PTL-000003", "PTL-000002"]
        assert await numbers(client, "?service_request_id=PTL-000001") == ["PTL-000001"]  # ids override the rest


async def test_the_90_day_and_1000_limits(ctx: Context) -> None:
    people = await cast(ctx)
    first = await report(ctx, people.reporter)
    model = await ticket(ctx, first)
    async with ctx.sessions.begin() as session:
        for n in range(2, 1006):
            session.add(Ticket(number=f"PTL-{n:06d}", kecamatan=model.kecamatan, report_type="complaint",
                               category="lampu_jalan", description="Lampu mati", reporter_id=model.reporter_id,
                               privacy="normal", state="received", stage_started_at=model.created_at,
                               created_at=model.created_at - timedelta(seconds=n), updated_at=model.created_at))
    async with api(ctx) as client:
        assert len(await numbers(client)) == 1000
        rest = await numbers(client, "?page=2")
        assert len(rest) == 5 and rest[-1] == "PTL-001005"
        assert "page_size" in error_of(await client.get("/requests.xml?page_size=1001"), 400)
        assert "90" in error_of(await client.get(
            "/requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z"), 400)
        error_of(await client.get("/requests.xml?start_date=2026-11-25T00:00:00Z&end_date=2026-11-24T00:00:00Z"), 400)
        assert "start_date" in error_of(await client.get("/requests.json?start_date=kemarin"), 400)
        error_of(await client.get("/requests.xml?page=0"), 400)


def test_positions_round_to_about_100_m() -> None:
    assert round_position(-5.412345, 119.587654) == (-5.412, 119.588)


async def test_a_closed_requests_updated_datetime_is_its_last_step_not_the_rating_after(ctx: Context,
                                                                                       clock: Clock) -> None:
    people = await cast(ctx)
    case = await report(ctx, people.reporter)
    await verify_ticket(ctx, people.verifier, case)
    await accept_ticket(ctx, people.officer, case)
    await resolve_ticket(ctx, people.officer, case, "Sudah diganti", (PHOTO,))
    clock.advance(hours=3)
    await confirm_fixed(ctx, people.reporter, case)  # closed
    closed_at = clock.now
    clock.advance(hours=5)
    await rate_ticket(ctx, people.reporter, case, 5)
    assert (await ticket(ctx, case)).updated_at > closed_at  # the rating touched the row, not the request's story
    async with api(ctx) as client:
        (row,) = data(await client.get("/requests.json"))
        listed = xml(await client.get("/requests.xml"))[0].findtext("updated_datetime")
    assert row["status"] == "closed"
    assert row["updated_datetime"] == listed == closed_at.astimezone(ctx.profile.zone).isoformat(timespec="seconds")
