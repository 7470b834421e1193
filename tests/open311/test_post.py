"""POST requests: a key is needed; the report goes through the submit use case to the desk, which verifies it."""

from __future__ import annotations

from sqlalchemy import select

from core.context import Context
from core.db.models import Citizen, Ticket
from core.usecases.desk import verify_ticket
from open311.keys import key_hash
from tests.core.story import cast, outbox
from tests.open311.conftest import KEY, api, data, error_of, xml

FORM = {"api_key": KEY, "service_code": "sampah", "lat": "-5.41", "long": "119.58", "description": "Sampah menumpuk",
        "attribute[desa]": "bajeng"}


async def ticket_numbered(ctx: Context, number: str) -> Ticket:
    async with ctx.sessions() as session:
        found = await session.scalar(select(Ticket).where(Ticket.number == number))
        assert found is not None
        return found


async def test_a_posted_report_lands_on_the_desk_as_received_and_is_verified_there(ctx: Context) -> None:
    people = await cast(ctx)
    async with api(ctx) as client:
        answer = await client.post("/requests.xml", data={**FORM, "phone": "081234567890", "first_name": "Daeng",
                                                          "last_name": "Ngalle", "email": "d@example.id"})
        root = xml(answer)
        assert answer.status_code == 200 and root.tag == "service_requests"
        assert [c.tag for c in root[0]] == ["service_request_id", "service_notice"]
        number = root[0].findtext("service_request_id") or ""
        assert number == "PTL-000001" and number in (root[0].findtext("service_notice") or "")
        row = await ticket_numbered(ctx, number)
        assert row.state == "received" and row.privacy == "normal"
        assert row.desa == "Bajeng" and row.category == "sampah"
        # filed by the setting's key (its hash prefix), for a citizen of its own: not the number's WhatsApp citizen
        ref, token = (row.source_ref or "").removeprefix("open311:").split(":")
        assert ref == f"s{key_hash(KEY)[:8]}" and len(token) == 32
        assert row.reporter_id != people.reporter.id
        async with ctx.sessions() as session:
            own = await session.get(Citizen, row.reporter_id)
        assert own is not None and own.wa_id.startswith("o311-") and own.name == "Daeng Ngalle"
        assert own.contact == "0812*****890 · d***@example.id"  # masked: the number and the email are not kept
        messages = await outbox(ctx, row.id)
        assert [m.kind for m in messages if m.channel == "telegram"] == ["ticket.changed"]
        assert all(m.recipient != f"citizen:{people.reporter.id}" for m in messages)
        (seen,) = data(await client.get(f"/requests/{number}.json"))
        assert seen["status"] == "open" and seen["status_notes"] == "Diterima"
        (found,) = data(await client.get(f"/tokens/{token}.json"))
        assert found == {"service_request_id": number, "token": token}
        error_of(await client.get("/tokens/nope.xml"), 404)
        error_of(await client.get(f"/tokens/{token[:-1]}%25.json"), 404)  # no wildcard finds it
        await verify_ticket(ctx, people.verifier, row.id)
        (seen,) = data(await client.get(f"/requests/{number}.json"))
        assert seen["status_notes"] == "Diverifikasi"


async def test_without_a_phone_the_report_is_anonymous(ctx: Context) -> None:
    async with api(ctx) as client:
        (made,) = data(await client.post("/requests.json", data={**FORM, "first_name": "Siapa"}))
        row = await ticket_numbered(ctx, made["service_request_id"])
        assert row.state == "received" and row.privacy == "anonymous"
        async with ctx.sessions() as session:
            citizen = await session.get(Citizen, row.reporter_id)
        assert citizen is not None and citizen.wa_id.startswith("o311-") and citizen.contact == ""
        (again,) = data(await client.post("/requests.json", data={**FORM, "address_string": "Pasar", "lat": "",
                                                                  "long": ""}))
        other = await ticket_numbered(ctx, again["service_request_id"])
        assert other.reporter_id != row.reporter_id and other.address == "Pasar" and other.latitude is None


async def test_a_missing_or_wrong_key_is_refused_and_files_nothing(ctx: Context) -> None:
    async with api(ctx) as client:
        assert "api_key" in error_of(await client.post("/requests.xml", data={**FORM, "api_key": ""}), 403)
        error_of(await client.post("/requests.json", data={**FORM, "api_key": "guess"}), 403)
        no_key = {k: v for k, v in FORM.items() if k != "api_key"}
        error_of(await client.post("/requests.json", data=no_key), 403)
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(Ticket))) == []


async def test_bad_reports_get_the_specifications_errors(ctx: Context) -> None:
    async with api(ctx) as client:
        error_of(await client.post("/requests.xml", data={**FORM, "service_code": ""}), 400)
        assert "jalan_tol" in error_of(await client.post("/requests.xml", data={**FORM, "service_code": "jalan_tol"}),
                                       404)
        error_of(await client.post("/requests.json", data={**FORM, "lat": "", "long": ""}), 400)
        error_of(await client.post("/requests.json", data={**FORM, "lat": "north"}), 400)
        error_of(await client.post("/requests.json", data={**FORM, "lat": "91"}), 400)
        error_of(await client.post("/requests.json", data={**FORM, "description": " "}), 400)
        error_of(await client.post("/requests.json", data={**FORM, "description": "x" * 4001}), 400)
        error_of(await client.post("/requests.json", data={**FORM, "attribute[desa]": "Atlantis"}), 400)
        error_of(await client.post("/requests.json", data={**FORM, "phone": "12"}), 400)
        error_of(await client.post("/requests.json", data={**FORM, "jurisdiction_id": "mars"}), 404)
    async with ctx.sessions() as session:
        assert list(await session.scalars(select(Ticket))) == []


async def test_the_console_shows_a_posted_report_came_via_open311_with_its_masked_contact(ctx: Context) -> None:
    from tests.console.conftest import browser, sign_in

    await cast(ctx)
    async with api(ctx) as client:
        await client.post("/requests.json", data={**FORM, "phone": "081234567890", "email": "daeng@example.id"})
        await client.post("/requests.json", data=FORM)  # no contact: anonymous
    async with browser(ctx) as desk:
        await sign_in(desk, ctx, 1001)
        normal, anonymous = (await desk.get("/konsol/kasus/PTL-000001")).text, (
            await desk.get("/konsol/kasus/PTL-000002")).text
    assert "<dd>melalui Open311 · 0812*****890 · d***@example.id</dd>" in normal
    assert "<dd>melalui Open311</dd>" in anonymous
    assert "o311" not in normal + anonymous and "081234567890" not in normal and "daeng@" not in normal
