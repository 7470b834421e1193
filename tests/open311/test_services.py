"""Discovery, the service list and a service's definition, in XML and JSON, as GeoReport v2 shows them."""

from __future__ import annotations

import logging

import pytest

from core.context import Context
from tests.open311.conftest import api, children, data, error_of, xml

SERVICE_FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]
ATTRIBUTE_FIELDS = ["variable", "code", "datatype", "required", "datatype_description", "order", "description",
                    "values"]


async def test_discovery_names_the_endpoint_and_its_formats(ctx: Context) -> None:
    async with api(ctx) as client:
        root = xml(await client.get("/discovery.xml"))
        assert root.tag == "discovery" and children(root) == ["changeset", "contact", "key_service", "endpoints"]
        endpoint = root.find("endpoints/endpoint")
        assert endpoint is not None
        assert children(endpoint) == ["specification", "url", "changeset", "type", "formats"]
        assert endpoint.findtext("url") == "https://lapor.test/open311/v2"
        assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
        assert [f.text for f in endpoint.iterfind("formats/format")] == ["text/xml", "application/json"]
        same = data(await client.get("/discovery.json"))
        assert same["endpoints"][0]["formats"] == ["text/xml", "application/json"]
        assert same["endpoints"][0]["type"] == "production"


async def test_services_are_the_profiles_categories_with_their_groups(ctx: Context) -> None:
    async with api(ctx) as client:
        answer = await client.get("/services.xml")
        assert answer.headers["access-control-allow-origin"] == "*"
        root = xml(answer)
        assert root.tag == "services" and set(children(root)) == {"service"}
        listed = {s.findtext("service_code"): s for s in root}
        assert list(listed) == [c.code for c in ctx.profile.categories]
        rubbish = listed["sampah"]
        assert children(rubbish) == SERVICE_FIELDS
        group = next(g for g in ctx.profile.category_groups if g.code == ctx.profile.category("sampah").group)  # type: ignore[union-attr]
        assert rubbish.findtext("group") == group.label
        assert rubbish.findtext("metadata") == "true" and rubbish.findtext("type") == "realtime"
        assert group.label in (rubbish.findtext("keywords") or "")
        as_json = data(await client.get("/services.json"))
        assert [list(s) for s in as_json] == [SERVICE_FIELDS] * len(as_json)
        assert as_json[0]["metadata"] is True
        english = data(await client.get("/services.json?locale=en"))
        assert english[0]["service_name"] == ctx.profile.categories[0].label_en


async def test_a_service_definition_offers_the_desa_to_pick(ctx: Context) -> None:
    async with api(ctx) as client:
        root = xml(await client.get("/services/sampah.xml"))
        assert root.tag == "service_definition" and children(root) == ["service_code", "attributes"]
        attribute = root.find("attributes/attribute")
        assert attribute is not None and children(attribute) == ATTRIBUTE_FIELDS
        assert attribute.findtext("datatype") == "singlevaluelist" and attribute.findtext("code") == "desa"
        values = [(v.findtext("key"), v.findtext("name")) for v in attribute.iterfind("values/value")]
        assert values == [(d.name, d.name) for d in ctx.profile.desa]
        as_json = data(await client.get("/services/sampah.json"))
        assert as_json["service_code"] == "sampah" and as_json["attributes"][0]["required"] is False
        assert "nope" in error_of(await client.get("/services/nope.xml"), 404)
        error_of(await client.get("/services/nope.json"), 404)


async def test_errors_are_the_specifications_list(ctx: Context) -> None:
    async with api(ctx) as client:
        assert "mars" in error_of(await client.get("/services.xml?jurisdiction_id=mars"), 404)
        error_of(await client.get("/services.json?jurisdiction_id=mars"), 404)
        assert "html" in error_of(await client.get("/services.html"), 400)
        error_of(await client.get("/nothing/here.json"), 404)
        error_of(await client.get("/requests.xml?status=maybe"), 400)


async def test_a_failure_inside_answers_the_general_error_and_is_logged(ctx: Context, monkeypatch: pytest.MonkeyPatch,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    async def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("database gone")

    caplog.set_level(logging.INFO, logger="open311")
    monkeypatch.setattr("open311.routes.public_cases", broken)
    async with api(ctx) as client:
        assert "database" not in error_of(await client.get("/requests.json"), 400)
        error_of(await client.post("/requests.xml", content=b"\xff\xfe=%%", headers={
            "content-type": "application/x-www-form-urlencoded"}), 403)
        error_of(await client.post("/requests.xml", content=b"a" * 70_000), 400)
    assert any(r.message == "open311 failed" for r in caplog.records)
    assert any(r.message == "open311 refused" for r in caplog.records)
