"""A GeoReport v2 client from PyPI reads the API over real HTTP: `georeport` (0.3.1, July 2025, Python 3.9-3.13).

It has no POST: the report is posted form-encoded with httpx, and the library reads it back. The other clients
on PyPI do not run on Python 3.11: `open311` 1.1 (2011) and `three` 0.8.0 (2013) are Python 2 (`open311`
also takes this project's package name).
"""

from __future__ import annotations

import asyncio
from typing import Any

from georeport import GeoReport

from core.context import Context
from tests.core.story import cast, report
from tests.open311.conftest import KEY, served


def as_list(found: Any) -> list[Any]:
    """The library's XML reading (xmltodict) gives one item as itself, several as a list."""
    return found if isinstance(found, list) else [found]


async def test_the_georeport_client_lists_services_reads_a_definition_and_finds_a_posted_request(
        ctx: Context) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter)  # PTL-000001, a street light in Bajeng
    async with served(ctx) as (base, client):
        posted = await client.post("/requests.json", data={
            "api_key": KEY, "service_code": "sampah", "address_string": "Pasar Bajeng",
            "description": "Sampah menumpuk di pasar"})
        assert posted.status_code == 200, posted.text
        (made,) = posted.json()
        for fmt in ("json", "xml"):
            library = GeoReport(base, output_format=fmt)
            services = as_list(await asyncio.to_thread(library.get_service_list))
            assert [s["service_code"] for s in services] == [c.code for c in ctx.profile.categories]
            definition = await asyncio.to_thread(library.get_service_definition, "sampah")
            attributes = as_list(definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"])
            assert attributes[0]["code"] == "desa" and attributes[0]["datatype"] == "singlevaluelist"
            rows = as_list(await asyncio.to_thread(library.get_service_requests, status="open"))
            assert [r["service_request_id"] for r in rows] == [made["service_request_id"], "PTL-000001"]
            picked = as_list(await asyncio.to_thread(library.get_service_requests, service_code="sampah"))
            assert [r["service_request_id"] for r in picked] == [made["service_request_id"]]
            one = await asyncio.to_thread(library.get_service_request, made["service_request_id"])
            assert one["service_code"] == "sampah" and one["status"] == "open"
            assert one["requested_datetime"] == "2026-11-23T09:00:00+08:00"
