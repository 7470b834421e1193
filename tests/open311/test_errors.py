"""Every refusal of the API, in XML and in JSON: the HTTP status and the specification's errors list naming what
was wrong (400 bad or missing parameters, 403 the api_key, 404 what does not exist, 429 too many).

Each answer is also checked against the schema by `api` (conftest), the `Errors` document in both formats.
Before these, the other files tested each refusal in one format only.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.context import Context
from core.db.models import Citizen, Ticket
from open311.keys import add_key, revoke_key
from tests.conftest import in_takalar
from tests.core.story import cast, outbox, report
from tests.open311.conftest import KEY, api, error_of

FORM = {"api_key": KEY, "service_code": "sampah", "lat": "-5.41", "long": "119.58", "description": "Sampah menumpuk"}
FORMATS = ("xml", "json")
RANGE = "start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:00Z"  # 91 days

# (what is asked, the query or path after the resource, the words the description must hold)
BAD_QUERIES: list[tuple[str, str, str]] = [
    ("requests", "?status=maybe", "maybe"),
    ("requests", "?start_date=kemarin", "start_date"),
    ("requests", "?end_date=2026-13-01T00:00:00Z", "end_date"),
    ("requests", "?start_date=2026-02-30", "start_date"),
    ("requests", "?start_date=2026-11-25T00:00:00Z&end_date=2026-11-24T00:00:00Z", "start_date"),
    ("requests", f"?{RANGE}", "90"),
    ("requests", "?page_size=1001", "page_size"),
    ("requests", "?page_size=sepuluh", "page_size"),
    ("requests", "?page=0", "page"),
    ("servicerequestupdates", "?start_date=kemarin", "start_date"),
    ("servicerequestupdates", "?end_date=besok", "end_date"),
    ("servicerequestupdates", f"?{RANGE}", "90"),
    ("servicerequestupdates", "?start_date=2026-11-25T00:00:00Z&end_date=2026-11-24T00:00:00Z", "start_date"),
    ("servicerequestupdates", "?page_size=0", "page_size"),
]
BAD_FORMS: list[tuple[dict[str, str], str]] = [
    ({"service_code": ""}, "service_code"),
    ({"lat": "", "long": ""}, "lat"),
    ({"lat": "north"}, "lat"),
    ({"long": "200"}, "long"),
    ({"lat": "nan"}, "lat"),
    ({"description": " "}, "description"),
    ({"description": "x" * 4001}, "4000"),
    ({"attribute[desa]": "Atlantis"}, "Atlantis"),
    ({"phone": "12"}, "phone"),
]
UNKNOWN: list[tuple[str, str]] = [
    ("/requests/PTL-000009", "PTL-000009"),
    ("/services/jalan_tol", "jalan_tol"),
    ("/tokens/tidak-ada", "tidak-ada"),
    ("/services.{fmt}?jurisdiction_id=mars", "mars"),
    ("/services/sampah.{fmt}?jurisdiction_id=mars", "mars"),
    ("/requests.{fmt}?jurisdiction_id=mars", "mars"),
    ("/requests/PTL-000001.{fmt}?jurisdiction_id=mars", "mars"),
    ("/tokens/tidak-ada.{fmt}?jurisdiction_id=mars", "mars"),
    ("/servicerequestupdates.{fmt}?jurisdiction_id=mars", "mars"),
    ("/service_requests.{fmt}", ""),
]


async def tickets(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)


def path_of(template: str, fmt: str) -> str:
    return template.format(fmt=fmt) if "{fmt}" in template else f"{template}.{fmt}"


def says(answer: httpx.Response, status: int, *words: str) -> None:
    """The answer is the one-error list with `status`, and its description names each of `words`."""
    description = error_of(answer, status)
    assert description, answer.text
    for word in words:
        assert word in description, (answer.request.url, word, description)


async def test_bad_or_missing_parameters_are_400_naming_the_parameter(ctx: Context) -> None:
    async with api(ctx) as client:
        for fmt in FORMATS:
            for resource, query, word in BAD_QUERIES:
                says(await client.get(f"/{resource}.{fmt}{query}"), 400, word)
            says(await client.get("/services.html"), 400, "html")  # no format: the errors in XML, the required one
            for changed, word in BAD_FORMS:
                says(await client.post(f"/requests.{fmt}", data={**FORM, **changed}), 400, word)
            says(await client.post(f"/requests.{fmt}", content=b"a" * 70_000,
                                   headers={"content-type": "application/x-www-form-urlencoded"}), 400)
    assert await tickets(ctx) == 0


async def test_a_kabupaten_install_needs_the_jurisdiction_of_a_posted_report(ctx: Context) -> None:
    async with api(in_takalar(ctx)) as client:
        for fmt in FORMATS:
            says(await client.post(f"/requests.{fmt}", data={**FORM, "service_code": "sampah"}), 400,
                 "jurisdiction_id", "galesong")
    assert await tickets(ctx) == 0


async def test_a_missing_wrong_or_revoked_api_key_is_403_before_the_report_is_read(ctx: Context) -> None:
    revoked = await add_key(ctx, "Lama")
    await revoke_key(ctx, revoked.id)
    without = {k: v for k, v in FORM.items() if k != "api_key"}
    async with api(ctx) as client:
        for fmt in FORMATS:
            for form in (without, {**FORM, "api_key": ""}, {**FORM, "api_key": "tebakan"},
                         {**FORM, "api_key": revoked.key}, {"api_key": "tebakan", "service_code": ""}):
                says(await client.post(f"/requests.{fmt}", data=form), 403, "api_key")
    assert await tickets(ctx) == 0


async def test_what_does_not_exist_is_404_naming_it(ctx: Context) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter)  # PTL-000001 exists: only the jurisdiction is unknown
    async with api(ctx) as client:
        for fmt in FORMATS:
            for template, word in UNKNOWN:
                says(await client.get(path_of(template, fmt)), 404, word)
            says(await client.post(f"/requests.{fmt}", data={**FORM, "service_code": "jalan_tol"}), 404, "jalan_tol")
            says(await client.post(f"/requests.{fmt}", data={**FORM, "jurisdiction_id": "mars"}), 404, "mars")
        assert (await client.get("/media/PTL-000001/99")).status_code == 404  # XML errors: checked by `api`
    assert await tickets(ctx) == 1


async def test_a_phone_number_given_is_no_whatsapp_citizens_so_it_spends_no_daily_limit(ctx: Context) -> None:
    """A key holder cannot file in a WhatsApp citizen's name: the key's minute is its limit, not the number's day."""
    people = await cast(ctx)
    once = Context(sessions=ctx.sessions, profile=ctx.profile.model_copy(update={"daily_ticket_limit": 1}),
                   clock=ctx.clock, outbox=ctx.outbox)
    theirs = {**FORM, "phone": "+62 813 0000 1111"}  # the neighbour's WhatsApp number
    async with api(once) as client:
        for fmt in (*FORMATS, *FORMATS):
            assert (await client.post(f"/requests.{fmt}", data=theirs)).status_code == 200
    async with ctx.sessions() as session:
        reporters = set(await session.scalars(select(Ticket.reporter_id)))
        wa_ids = set(await session.scalars(select(Citizen.wa_id).where(Citizen.id.in_(reporters))))
    assert len(reporters) == 4 and people.neighbour.id not in reporters and all(w.startswith("o311-") for w in wa_ids)
    assert all(m.recipient != f"citizen:{people.neighbour.id}" for m in await outbox(ctx))


async def test_a_key_over_its_minute_is_429_with_retry_after_in_both_formats(ctx: Context) -> None:
    made = await add_key(ctx, "Aplikasi", per_minute=1)
    async with api(ctx) as client:
        assert (await client.post("/requests.xml", data={**FORM, "api_key": made.key})).status_code == 200
        for fmt in FORMATS:
            over = await client.post(f"/requests.{fmt}", data={**FORM, "api_key": made.key})
            says(over, 429, "1")
            assert int(over.headers["retry-after"]) == 60
    assert await tickets(ctx) == 1


async def test_a_path_of_no_resource_is_refused_in_the_format_its_ending_asks(ctx: Context) -> None:
    async with api(ctx) as client:
        answer = await client.get("/nothing/here.json")
    assert answer.headers["content-type"] == "application/json; charset=utf-8", answer.headers


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
async def test_a_method_the_api_does_not_take_is_refused_in_the_errors_format(ctx: Context, method: str) -> None:
    async with api(ctx) as client:
        answer: Any = await client.request(method, "/requests.json")
    assert "PUT" in error_of(answer, 405) or "DELETE" in error_of(answer, 405)
    assert answer.headers["allow"] == "GET, HEAD, POST"
