"""/healthz and /metrics over real HTTP (ASGI) on a real database."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from core.context import Context
from lapor_camat.web import health_routes
from tests.core.story import cast, report


async def test_metrics_count_tickets_and_backlogs(ctx: Context) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter)
    await report(ctx, people.neighbour)
    app = Starlette(routes=health_routes(ctx, lambda: {"reporter": True}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
        metrics = (await client.get("/metrics")).text
        health = await client.get("/healthz")
    assert 'lapor_tickets{state="received"} 2' in metrics
    assert 'lapor_outbox_pending{channel="whatsapp"} 2' in metrics
    assert 'lapor_outbox_pending{channel="telegram"} 2' in metrics
    assert health.status_code == 200 and health.json()["status"] == "ok"


async def test_health_reports_a_dead_part(ctx: Context) -> None:
    app = Starlette(routes=health_routes(ctx, lambda: {"reporter": True, "officer": False}))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
        ready = await client.get("/readyz")  # /healthz only says the process is alive (tests/ops/test_health.py)
    assert ready.status_code == 503 and ready.json()["parts"]["officer"] is False
