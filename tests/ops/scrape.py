"""Reading /metrics back: a sample's value, and every metric name the exposition holds."""

from __future__ import annotations

from collections.abc import Mapping

import httpx
from prometheus_client.parser import text_string_to_metric_families
from starlette.applications import Starlette

from core.context import Context
from lapor_camat.web import health_routes

REPLICA = "ops-test"
_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}


class Scrape:
    """One /metrics answer, parsed."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.families = list(text_string_to_metric_families(text))

    def value(self, name: str, **labels: str) -> float:
        """The sample `name` whose labels include `labels` (0 when there is none yet)."""
        return sum(s.value for f in self.families for s in f.samples
                   if s.name == name and labels.items() <= s.labels.items())

    def names(self) -> set[str]:
        """Every name an expression may use: families, their samples, and a histogram's series even before
        it has any."""
        found = set()
        for family in self.families:
            found.add(family.name)
            found.update(family.name + suffix for suffix in _SUFFIXES.get(family.type, ()))
            found.update(s.name for s in family.samples)
        return found

    def bucket(self, name: str, le: str, **labels: str) -> float:
        return self.value(f"{name}_bucket", le=le, **labels)


async def scrape(ctx: Context, parts: Mapping[str, bool] | None = None, replica: str = REPLICA) -> Scrape:
    """GET /metrics of the app's health routes over HTTP (ASGI)."""
    app = Starlette(routes=health_routes(ctx, lambda: parts if parts is not None else {"reporter": True}, replica))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
        answer = await client.get("/metrics")
    assert answer.status_code == 200, answer.text
    return Scrape(answer.text)
