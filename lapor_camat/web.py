"""The HTTP surface beside the webhooks: /healthz for load balancers, /metrics for Prometheus."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from core.context import Context
from core.queries import SystemCounts, system_counts

log = logging.getLogger(__name__)


def health_routes(ctx: Context, parts_alive: Callable[[], dict[str, bool]]) -> list[Route]:
    """/healthz (database reachable and every running part alive) and /metrics."""

    async def healthz(_request: Request) -> Response:
        parts = parts_alive()
        try:
            counts = await system_counts(ctx)
        except SQLAlchemyError as exc:
            log.warning("health check: database unreachable", exc_info=exc)
            return JSONResponse({"status": "down", "database": "unreachable", "parts": parts}, status_code=503)
        healthy = all(parts.values())
        return JSONResponse({
            "status": "ok" if healthy else "degraded", "database": "ok", "parts": parts,
            "inbox_pending": counts.inbox_pending, "outbox_pending": counts.outbox_pending,
        }, status_code=200 if healthy else 503)

    async def metrics(_request: Request) -> Response:
        return PlainTextResponse(render_metrics(await system_counts(ctx)),
                                 media_type="text/plain; version=0.0.4; charset=utf-8")

    return [Route("/healthz", healthz), Route("/metrics", metrics)]


def render_metrics(counts: SystemCounts) -> str:
    """The counts in Prometheus' text exposition format."""
    families = [
        ("lapor_tickets", "Tickets by state.", "state", counts.tickets_by_state),
        ("lapor_inbox_pending", "Stored platform updates not yet processed.", "platform", counts.inbox_pending),
        ("lapor_outbox_pending", "Notifications not yet delivered.", "channel", counts.outbox_pending),
        ("lapor_outbox_failing", "Undelivered notifications that failed at least once.", "channel",
         counts.outbox_failing),
        ("lapor_outbox_set_aside", "Notifications given up on after their fallbacks failed; the desk was told.",
         "channel", counts.outbox_set_aside),
        ("lapor_inbox_unreadable", "Signed deliveries that could not be read, kept with the reason.", "platform",
         counts.inbox_unreadable),
        ("lapor_inbox_failed", "Platform updates whose processing failed, kept with the error.", "platform",
         counts.inbox_failed),
    ]
    lines: list[str] = []
    for name, help_text, label, values in families:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
        lines += [f'{name}{{{label}="{key}"}} {value}' for key, value in sorted(values.items())]
    return "\n".join(lines) + "\n"
