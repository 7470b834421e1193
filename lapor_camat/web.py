"""The HTTP surface beside the webhooks, for the proxy and Prometheus.

/healthz: the process is alive (it answers; no database call), for a liveness probe.
/readyz: the database answers, its schema is at the migrations' head and every part of this process
has started; 503 with the reasons otherwise, so the proxy sends traffic elsewhere.
/metrics: core/metrics.py's metrics, with the database's figures read at scrape time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from core import metrics
from core.context import Context
from core.db.migrate import SCRIPT_LOCATION
from core.queries import SystemCounts, system_counts

log = logging.getLogger(__name__)
DATABASE_TIMEOUT = 5.0  # seconds a readiness check waits for the database before calling it unreachable


def health_routes(ctx: Context, parts_started: Callable[[], Mapping[str, bool]], replica: str = "") -> list[Route]:
    """/healthz, /readyz and /metrics; `parts_started` says which of this process's parts are up."""

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok", "replica": replica})

    async def readyz(_request: Request) -> Response:
        found = await readiness(ctx, parts_started())
        body = {"status": "ready" if found.ready else "not ready", "replica": replica,
                "database": "ok" if found.database else "unreachable", "schema": found.schema,
                "parts": dict(found.parts)}
        return JSONResponse(body, status_code=200 if found.ready else 503)

    async def scrape(request: Request) -> Response:
        found = await readiness(ctx, parts_started())
        counts: SystemCounts | None = None
        oldest = metrics.Oldest()
        if found.database:  # the database's figures, when it can give them (a schema behind may not)
            try:
                counts, oldest = await system_counts(ctx), await metrics.oldest(ctx)
            except SQLAlchemyError as exc:
                log.warning("metrics: the database's figures could not be read", exc_info=exc)
        body, content_type = metrics.exposition(metrics.Scraped(families(counts, oldest), found), replica,
                                                request.headers.get("accept", ""))
        return Response(body, media_type=content_type)

    return [Route("/healthz", healthz), Route("/readyz", readyz), Route("/metrics", scrape)]


async def readiness(ctx: Context, parts: Mapping[str, bool]) -> metrics.Readiness:
    """The database reached within DATABASE_TIMEOUT, its schema against the migrations' head, the parts."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), ctx.sessions() as session:
            connection = await session.connection()
            current = set(await connection.run_sync(lambda c: MigrationContext.configure(c).get_current_heads()))
    except (SQLAlchemyError, OSError, TimeoutError) as exc:
        log.warning("readiness: database unreachable", exc_info=exc)
        return metrics.Readiness(False, "unknown", dict(parts))
    head = migration_heads()
    if current == head:
        schema = "current"
    elif not current:
        schema = "not migrated: run `lapor-camat db upgrade`"
    else:
        schema = f"at {', '.join(sorted(current))}, head {', '.join(sorted(head))}: run `lapor-camat db upgrade`"
    return metrics.Readiness(True, schema, dict(parts))


@cache
def migration_heads() -> set[str]:
    """The head revisions of migrations/ (what `lapor-camat db upgrade` brings the schema to)."""
    return set(ScriptDirectory(str(SCRIPT_LOCATION)).get_heads())


def families(counts: SystemCounts | None, oldest: metrics.Oldest) -> list[tuple[str, str, str, Mapping[str, float]]]:
    """The database's figures as gauge families: (name, help, label, values); none when it was not reached."""
    if counts is None:
        return []
    return [
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
        ("lapor_inbox_oldest_pending_age_seconds", "How long the oldest unprocessed update has waited.", "platform",
         oldest.inbox_pending),
        ("lapor_outbox_oldest_failing_age_seconds", "How long the oldest undelivered notification whose last "
         "attempt failed has been owed (those waiting for the citizen's 24-hour window excluded).", "channel",
         oldest.outbox_failing),
    ]


def render_metrics(counts: SystemCounts) -> str:
    """The database's counts in Prometheus' text format, as /metrics shows them (no replica named)."""
    scraped = metrics.Scraped(families(counts, metrics.Oldest()), metrics.Readiness(True, "current", {}))
    return metrics.exposition(scraped, "")[0].decode()
