"""On a kabupaten install `jurisdiction_id` picks the kecamatan; without one the whole kabupaten answers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.context import Context
from core.db.models import Ticket
from core.domain.reports import NewReport
from core.usecases import citizen
from tests.conftest import in_takalar
from tests.core.story import cast, report
from tests.open311.conftest import KEY, api, data, error_of, xml


@pytest.fixture
def home(ctx: Context) -> Context:
    return in_takalar(ctx)


async def test_each_kecamatan_answers_for_its_own_cases(home: Context) -> None:
    people = await cast(home)
    await report(home, people.reporter)
    theirs = await citizen.submit_ticket(home.at("galesong"), people.neighbour, NewReport(
        description="Sampah menumpuk di pasar", category="sampah", desa="Boddia"))
    async with api(home) as client:
        every = [r["service_request_id"] for r in data(await client.get("/requests.json"))]
        assert sorted(every) == sorted(["PTL-000001", theirs.number])
        own = data(await client.get("/requests.json?jurisdiction_id=galesong"))
        assert [r["service_request_id"] for r in own] == [theirs.number]
        assert "Boddia" in own[0]["address"]
        assert data(await client.get(f"/requests/{theirs.number}.json?jurisdiction_id=galesong"))
        error_of(await client.get(f"/requests/{theirs.number}.json?jurisdiction_id=pattallassang"), 404)
        error_of(await client.get("/requests.xml?jurisdiction_id=makassar"), 404)
        definition = xml(await client.get("/services/sampah.xml?jurisdiction_id=galesong"))
        keys = [v.findtext("key") for v in definition.iterfind("attributes/attribute/values/value")]
        assert "Boddia" in keys and "Bajeng" not in keys


async def test_a_posted_report_goes_to_the_named_kecamatan_or_the_one_holding_its_desa(home: Context) -> None:
    form = {"api_key": KEY, "service_code": "sampah", "address_string": "Pasar", "description": "Sampah menumpuk"}
    async with api(home) as client:
        assert "jurisdiction_id" in error_of(await client.post("/requests.json", data=form), 400)
        (named,) = data(await client.post("/requests.json", data={**form, "jurisdiction_id": "galesong"}))
        (by_desa,) = data(await client.post("/requests.json", data={**form, "attribute[desa]": "Boddia"}))
    async with home.sessions() as session:
        rows = {t.number: t.kecamatan for t in await session.scalars(select(Ticket))}
    assert rows == {named["service_request_id"]: "galesong", by_desa["service_request_id"]: "galesong"}
