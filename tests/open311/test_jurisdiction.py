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
        ours = [r["service_request_id"] for r in data(await client.get("/requests.json?jurisdiction_id=73.05.07"))]
        assert ours == ["PTL-000001"]
        own = data(await client.get("/requests.json?jurisdiction_id=galesong"))  # the slug names it too
        assert [r["service_request_id"] for r in own] == [theirs.number]
        assert data(await client.get("/requests.json?jurisdiction_id=73.05.09")) == own
        assert own[0]["address"] == "Boddia, Kecamatan Galesong"
        assert data(await client.get(f"/requests/{theirs.number}.json?jurisdiction_id=73.05.09"))
        error_of(await client.get(f"/requests/{theirs.number}.json?jurisdiction_id=pattallassang"), 404)
        error_of(await client.get("/requests.xml?jurisdiction_id=makassar"), 404)
        definition = xml(await client.get("/services/sampah.xml?jurisdiction_id=galesong"))
        keys = [v.findtext("key") for v in definition.iterfind("attributes/attribute/values/value")]
        assert "Boddia" in keys and "Bajeng" not in keys


@pytest.mark.parametrize("path", ["/services.{fmt}", "/services/sampah.{fmt}", "/requests.{fmt}",
                                  "/requests/PTL-000001.{fmt}", "/servicerequestupdates.{fmt}", "/tokens/abc.{fmt}"])
@pytest.mark.parametrize("fmt", ["xml", "json"])
async def test_a_kabupaten_install_asks_for_the_jurisdiction_everywhere_but_discovery(home: Context, path: str,
                                                                                      fmt: str) -> None:
    async with api(home) as client:
        said = error_of(await client.get(path.format(fmt=fmt)), 400)
        assert "jurisdiction_id was not provided" in (await client.get(path.format(fmt=fmt) + "?locale=en")).text
        assert "jurisdiction_id" in said and "73.05.07 (pattallassang)" in said
        found = await client.get(path.format(fmt=fmt) + "?jurisdiction_id=73.05.07")
        assert found.status_code in (200, 404) and "jurisdiction_id" not in found.text


async def test_discovery_names_every_jurisdiction_and_a_kecamatan_alone_needs_none(ctx: Context) -> None:
    async with api(in_takalar(ctx)) as client:
        contact = xml(await client.get("/discovery.xml")).findtext("contact") or ""
        assert "73.05.07 (pattallassang)" in contact and "73.05.09 (galesong)" in contact
    async with api(ctx) as client:  # the sample install: Pattallassang alone
        assert (await client.get("/requests.json")).status_code == 200
        assert (await client.get("/requests.json?jurisdiction_id=73.05.07")).status_code == 200


async def test_a_posted_report_goes_to_the_named_kecamatan_or_the_one_holding_its_desa(home: Context) -> None:
    form = {"api_key": KEY, "service_code": "sampah", "address_string": "Pasar", "description": "Sampah menumpuk"}
    async with api(home) as client:
        assert "jurisdiction_id" in error_of(await client.post("/requests.json", data=form), 400)
        (named,) = data(await client.post("/requests.json", data={**form, "jurisdiction_id": "galesong"}))
        (by_desa,) = data(await client.post("/requests.json", data={**form, "attribute[desa]": "Boddia"}))
    async with home.sessions() as session:
        rows = {t.number: t.kecamatan for t in await session.scalars(select(Ticket))}
    assert rows == {named["service_request_id"]: "galesong", by_desa["service_request_id"]: "galesong"}
