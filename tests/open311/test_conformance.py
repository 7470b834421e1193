"""GeoReport v2 conformance: the schema itself, every endpoint in both formats against it, and discovery's list.

`api` (conftest) validates every answer of every test in this folder against georeport_v2.xsd; the tests here make
sure each endpoint is asked with data that exercises each field: a closed case with its proof, one with no position,
and text outside ASCII.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree

import pytest
from starlette.routing import Mount

from core.context import Context
from core.usecases.citizen import confirm_fixed
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket, resolve_ticket
from open311 import open311_routes
from tests.conftest import Clock
from tests.core.story import cast, report, ticket
from tests.open311 import schema
from tests.open311.conftest import KEY, api, data, error_of, settings, xml
from tests.public.conftest import proof

W3C = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)")
REQUEST = {"service_request_id": "PTL-000001", "status": "open", "service_name": "Lampu jalan",
           "service_code": "lampu_jalan", "description": "", "requested_datetime": "2026-11-23T09:00:00+08:00",
           "updated_datetime": "2026-11-23T09:00:00Z", "address": "Bajeng", "zipcode": "", "lat": "-5.4",
           "long": "119.6", "media_url": ""}


def document(root: str, body: object) -> ElementTree.Element:
    return schema.as_xml(root, body)


def refused(kind: str, element: ElementTree.Element) -> bool:
    return not schema.SCHEMA.types[kind].is_valid(element)


def test_the_schema_takes_the_specifications_shapes_and_refuses_what_breaks_them() -> None:
    """The XSD is tried on the spec's own document shapes (empty optional fields, a token answer) and mutations."""
    schema.conforms("ServiceRequests", document("service_requests", [REQUEST, {**REQUEST, "lat": None,
                                                                               "long": None, "address_id": "7"}]))
    schema.conforms("PostedRequests", document("service_requests", [{"service_request_id": "1", "service_notice":
                                                                     "Dicek besok", "account_id": None}]))
    schema.conforms("PostedRequests", document("service_requests", [{"token": "abc"}]))
    schema.conforms("TokenRequests", document("service_requests", [{"service_request_id": "1", "token": "abc"}]))
    schema.conforms("Errors", document("errors", [{"code": 403, "description": "Invalid api_key"}]))
    schema.conforms("Services", document("services", [{"service_code": "001", "metadata": True, "type": "batch",
                                                       "service_name": "Cans", "keywords": "a, b", "group": "x"}]))
    schema.conforms("ServiceDefinition", document("service_definition", {"service_code": "DMV66", "attributes": [
        {"variable": True, "code": "W", "datatype": "singlevaluelist", "required": True, "datatype_description": None,
         "order": 1, "description": "Which?", "values": [{"key": 123, "name": "Ford"}]}]}))
    schema.conforms("ServiceRequestUpdates", document("service_request_updates", [{
        "update_id": "9", "service_request_id": "1", "status": "closed", "updated_datetime": "2026-01-01T00:00:00Z",
        "description": "Selesai", "media_url": "https://x.test/a.jpg"}]))
    broken = {
        "a datetime without its zone": {**REQUEST, "requested_datetime": "2026-11-23T09:00:00"},
        "a date alone": {**REQUEST, "updated_datetime": "2026-11-23"},
        "a status of no one's": {**REQUEST, "status": "pending"},
        "a foreign field": {**REQUEST, "reporter_phone": "0812"},
        "a required field missing": {k: v for k, v in REQUEST.items() if k != "requested_datetime"},
        "no service_code": {**REQUEST, "service_code": None},
        "a latitude off the globe": {**REQUEST, "lat": 91},
        "a media_url that is no URL": {**REQUEST, "media_url": "foto.jpg"},
        "a description over 4000 characters": {**REQUEST, "description": "x" * 4001},
    }
    for why, row in broken.items():
        assert refused("ServiceRequests", document("service_requests", [row])), why
    assert refused("PostedRequests", document("service_requests", [{"service_request_id": "1", "token": "a"}]))
    assert refused("Errors", document("errors", [{"description": "no code"}]))
    assert refused("Services", document("services", [{"service_code": "1", "service_name": "x", "metadata": "ya",
                                                      "type": "realtime"}]))
    with pytest.raises(AssertionError):
        schema.conforms("Services", document("service_requests", []))  # the root names the document


async def test_every_endpoint_answers_the_schema_in_both_formats_with_every_field_in_use(
        ctx: Context, clock: Clock, tmp_path: Path) -> None:
    people = await cast(ctx)
    text = "Lampu mati di depan rumah Bu Sé — ‘jalan gelap’ 🌙 sejak kemarin"
    lamp = await report(ctx, people.reporter, text, address="Jl. Poros Malino Km 7")
    clock.advance(hours=1)
    await verify_ticket(ctx, people.verifier, lamp)
    await accept_ticket(ctx, people.officer, lamp)
    clock.advance(hours=2)
    await resolve_ticket(ctx, people.officer, lamp, "Sudah diganti", (proof(tmp_path, "lampu.jpg"),))
    await confirm_fixed(ctx, people.reporter, lamp)
    await report(ctx, people.neighbour, "Sampah di pasar", category="sampah", latitude=None, longitude=None,
                 address="Pasar Pattallassang")
    async with api(ctx, tmp_path) as client:
        for fmt in ("xml", "json"):
            for path in ("/discovery", "/services", "/services/sampah", "/requests", "/requests/PTL-000001",
                         "/servicerequestupdates"):
                answer = await client.get(f"{path}.{fmt}")  # the schema and the other format: checked by `api`
                assert answer.status_code == 200, (path, answer.text)
            posted = await client.post(f"/requests.{fmt}", data={
                "api_key": KEY, "service_code": "drainase", "address_string": "Lorong 3, Bontomanai",
                "description": "Got mampet — air meluap ke jalan"})
            assert posted.status_code == 200, posted.text
        rows = {r["service_request_id"]: r for r in data(await client.get("/requests.json"))}
        closed, bare = rows["PTL-000001"], rows["PTL-000002"]
        assert closed["status"] == "closed" and closed["media_url"].startswith("https://lapor.test/open311/v2/media/")
        assert bare["lat"] is None and bare["long"] is None
        assert "Bu Sé — ‘jalan gelap’ 🌙 sejak" in closed["description"]
        for row in rows.values():
            for field in ("requested_datetime", "updated_datetime"):
                assert W3C.fullmatch(row[field]), (field, row[field])
        raw = (await client.get("/requests.xml")).content
        assert "Bu Sé — ‘jalan gelap’ 🌙".encode() in raw  # UTF-8 itself, not character references
        assert "Bu Sé — ‘jalan gelap’ 🌙".encode() in (await client.get("/requests.json")).content
        for update in data(await client.get("/servicerequestupdates.json")):
            assert W3C.fullmatch(update["updated_datetime"]), update


async def test_a_case_the_desk_has_not_yet_given_a_category_is_a_request_once_it_has_one(ctx: Context) -> None:
    """A WhatsApp report may come without a category (the desk sets it when verifying); the spec gives every
    request a service_code (open311/schema-validation requires it as a string), so such a case is listed,
    and found by its number, from the moment it has its service."""
    people = await cast(ctx)
    tid = await report(ctx, people.reporter, "Ada masalah di depan kantor desa", category=None)
    number = (await ticket(ctx, tid)).number
    async with api(ctx) as client:
        assert json.loads((await client.get("/requests.json")).content) == []
        error_of(await client.get(f"/requests/{number}.json"), 404)
        await verify_ticket(ctx, people.verifier, tid, category="sampah", desa="Pappa")
        (row,) = json.loads((await client.get("/requests.json")).content)
        assert row["service_request_id"] == number and row["service_code"] == "sampah"


async def test_a_stray_control_character_is_dropped_from_both_formats_alike(ctx: Context) -> None:
    """XML 1.0 cannot carry U+0007, so the XML drops it, and the JSON too (the Spark convention makes JSON the
    XML's mapping): the check in `api` compares the two."""
    people = await cast(ctx)
    await verify_ticket(ctx, people.verifier, await report(ctx, people.reporter, "Lampu mati\x07 di depan masjid"))
    async with api(ctx) as client:
        (row,) = json.loads((await client.get("/requests.json")).content)
    assert row["description"].startswith("Lampu mati di depan masjid")


async def test_discovery_has_the_specifications_fields_only_and_the_readme_names_every_endpoint(
        ctx: Context) -> None:
    """No foreign element in discovery (the schema allows none): the endpoints, the extension among them, are
    documented in the README's Open311 lines instead, and key_service says a POST's media_url is ignored."""
    (mount,) = open311_routes(ctx, settings())
    assert isinstance(mount, Mount)
    served = {route.path for route in mount.routes} - {"/media/{number}/{attachment:int}", "/{rest:path}"}
    async with api(ctx) as client:
        body = data(await client.get("/discovery.json"))
        root = xml(await client.get("/discovery.xml"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert set(endpoint) == {"specification", "url", "changeset", "type", "formats"}
    assert root.find("endpoints/endpoint/resources") is None
    assert "media_url pada POST requests diabaikan" in body["key_service"]
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    lines = readme[readme.index("- **`/open311/v2`**"):readme.index("## Going live")]
    for path in served:
        assert f"`{path.removeprefix('/').removesuffix('.{fmt}')}`" in lines, path
