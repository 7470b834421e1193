"""Every Prometheus metric of the system, and what /metrics adds at scrape time.

The metric objects live here and nowhere else; the code that counts calls one of the small functions
below (one line at each place). With `PROMETHEUS_MULTIPROC_DIR` set in the environment (an empty
directory, before the process starts) prometheus_client keeps the counts in files there, so that
several processes on one machine are scraped as one; without it they live in this process.

The database's figures (tickets by state, backlogs, the oldest waiting row) are read at scrape time,
so every replica reports the same ones; the replica's name is added to every sample when exposed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, disable_created_metrics, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from core.context import Context
from core.db.models import InboxUpdate, OutboxMessage

A = TypeVar("A")
R = TypeVar("R")
disable_created_metrics()  # type: ignore[no-untyped-call]  # the *_created series double every counter and help no alert

# Seconds: an acknowledgement should take milliseconds; lags are seconds to (for a stuck row) hours.
_ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_LAG_BUCKETS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0, 21600.0, 86400.0)

WEBHOOK_ACK = Histogram("lapor_webhook_ack_seconds", "Time from a webhook's arrival to its answer (stored first).",
                        ["platform", "status"], buckets=_ACK_BUCKETS)
INBOX_LAG = Histogram("lapor_inbox_lag_seconds", "Time from a platform update stored to processed.",
                      ["platform"], buckets=_LAG_BUCKETS)
DELIVERY_LAG = Histogram("lapor_outbox_delivery_lag_seconds", "Time from a notification written to delivered.",
                         ["channel"], buckets=_LAG_BUCKETS)
PLATFORM_ERRORS = Counter("lapor_platform_errors", "Error answers from the platforms' APIs, by their code.",
                          ["platform", "code"])
OUTBOX_FAILURES = Counter("lapor_outbox_failures", "Delivery attempts that failed and are tried again, by why.",
                          ["channel", "reason"])
SET_ASIDE = Counter("lapor_set_aside", "Rows set aside for good: notifications given up on, updates whose "
                    "handling failed.", ["queue", "channel", "reason"])
REPORTS_HELD = Counter("lapor_reports_held", "Reports kept over a citizen's daily limit, filed later.")
SCHEDULER_TICKS = Counter("lapor_scheduler_ticks", "Scheduled job ticks by what this replica did: ran it, or found "
                          "it taken by another replica.", ["job", "outcome"])
BUNDLES_POSTED = Counter("lapor_bundles_posted", "Bundles of tickets posted to a Telegram group under a flood.")

# The Bot API's error_code for python-telegram-bot's exceptions (named, so core never imports telegram).
_TELEGRAM_CODES = {"BadRequest": "400", "ChatMigrated": "400", "InvalidToken": "401", "Forbidden": "403",
                   "EndPointNotFound": "404", "Conflict": "409", "RetryAfter": "429", "TimedOut": "timeout",
                   "NetworkError": "network"}


def acknowledged(platform: str, handler: Callable[[A], Awaitable[R]]) -> Callable[[A], Awaitable[R]]:
    """`handler` (a webhook route) timed into WEBHOOK_ACK by the status it answered."""
    async def timed(request: A) -> R:
        started = time.perf_counter()
        response = await handler(request)
        status = str(getattr(response, "status_code", ""))
        WEBHOOK_ACK.labels(platform, status).observe(time.perf_counter() - started)
        return response
    return timed


def inbox_processed(rows: Iterable[Any], now: datetime, failed: bool = False) -> None:
    """Updates just marked processed, as (platform, received_at) rows: their lag; `failed`: set aside with the
    error their handling raised."""
    for platform, received_at in rows:
        INBOX_LAG.labels(platform).observe(max((now - received_at).total_seconds(), 0.0))
        if failed:
            set_aside("inbox", platform, "failed")


def delivered(rows: Iterable[Any], now: datetime) -> None:
    """Notifications just marked sent, as (channel, created_at) rows: their lag."""
    for channel, created_at in rows:
        DELIVERY_LAG.labels(channel).observe(max((now - created_at).total_seconds(), 0.0))


def platform_error(platform: str, code: int | str) -> None:
    """The platform answered with an error (Graph API codes like 131047; Telegram's HTTP-like ones)."""
    PLATFORM_ERRORS.labels(platform, str(code)).inc()


def telegram_error(exc: BaseException) -> None:
    """A python-telegram-bot exception, counted by the Bot API error code it stands for."""
    name = type(exc).__name__
    platform_error("telegram", _TELEGRAM_CODES.get(name, name))


def outbox_failed(channel: str, reason: str) -> None:
    OUTBOX_FAILURES.labels(channel, reason).inc()


def set_aside(queue: str, channel: str, reason: str, rows: int = 1) -> None:
    """`rows` rows of `queue` ("outbox", "inbox") set aside for good."""
    if rows:
        SET_ASIDE.labels(queue, channel, reason).inc(rows)


def report_held() -> None:
    REPORTS_HELD.inc()


def bundle_posted() -> None:
    BUNDLES_POSTED.inc()


def scheduler_tick(job: str, outcome: str) -> None:
    """A scheduled job fired here: `outcome` "ran" (this replica took the tick) or "taken" (another had)."""
    SCHEDULER_TICKS.labels(job, outcome).inc()


# -- Read at scrape time ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Oldest:
    """Seconds the oldest row has waited: unprocessed inbox updates by platform; owed notifications whose last
    attempt failed, by channel (those waiting for a citizen to reopen WhatsApp's 24 hours wait by design)."""

    inbox_pending: dict[str, float] = field(default_factory=dict)
    outbox_failing: dict[str, float] = field(default_factory=dict)


async def oldest(ctx: Context) -> Oldest:
    """How long the oldest waiting rows have waited (two indexed MIN queries)."""
    now = ctx.now()
    async with ctx.sessions() as session:
        inbox = (await session.execute(select(InboxUpdate.platform, func.min(InboxUpdate.received_at))
                                       .where(InboxUpdate.processed_at.is_(None))
                                       .group_by(InboxUpdate.platform))).all()
        outbox = (await session.execute(select(OutboxMessage.channel, func.min(OutboxMessage.created_at))
                                        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.set_aside_at.is_(None),
                                               OutboxMessage.attempts > 0,
                                               func.coalesce(OutboxMessage.failure_reason, "") != "outside_window")
                                        .group_by(OutboxMessage.channel))).all()
    return Oldest({p: (now - at).total_seconds() for p, at in inbox if at is not None},
                  {c: (now - at).total_seconds() for c, at in outbox if at is not None})


@dataclass(frozen=True)
class Readiness:
    """What /readyz found: the database, the schema against the migrations' head, each part."""

    database: bool
    schema: str  # "current", or what is wrong ("at 0013, head 0014", "not migrated")
    parts: Mapping[str, bool]

    @property
    def ready(self) -> bool:
        return self.database and self.schema == "current" and all(self.parts.values())


class Scraped(Collector):
    """The figures read for one scrape: database counts (`families`, as (name, help, label, values)), the
    oldest waiting rows and readiness, as gauges."""

    def __init__(self, families: Sequence[tuple[str, str, str, Mapping[str, float]]], ready: Readiness) -> None:
        self.families, self.readiness = families, ready

    def collect(self) -> Iterator[Metric]:
        for name, help_text, label, values in self.families:
            family = GaugeMetricFamily(name, help_text, labels=[label])
            for key, value in sorted(values.items()):
                family.add_metric([key], value)
            yield family
        yield GaugeMetricFamily("lapor_database_up", "Whether this replica reached the database at this scrape.",
                                value=int(self.readiness.database))
        yield GaugeMetricFamily("lapor_schema_current", "Whether the schema is at the head of the migrations.",
                                value=int(self.readiness.schema == "current"))
        parts = GaugeMetricFamily("lapor_part_started", "Whether each part of this process has started.",
                                  labels=["part"])
        for part, started in sorted(self.readiness.parts.items()):
            parts.add_metric([part], int(started))
        yield parts
        yield GaugeMetricFamily("lapor_ready", "Whether this replica is ready for traffic (/readyz answers 200).",
                                value=int(self.readiness.ready))


class _Labelled(Collector):
    """Every sample of `sources` with the replica's label added (none when `replica` is empty)."""

    def __init__(self, sources: Sequence[Collector], replica: str) -> None:
        self.sources, self.replica = sources, replica

    def collect(self) -> Iterator[Metric]:
        for source in self.sources:
            for family in source.collect():
                if not self.replica:
                    yield family
                    continue
                labelled = Metric(family.name, family.documentation, family.type, family.unit)
                labelled.samples = [s._replace(labels={**s.labels, "replica": self.replica}) for s in family.samples]
                yield labelled


def in_process() -> Collector:
    """This process's metrics, or with PROMETHEUS_MULTIPROC_DIR those of every process writing there."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return registry


def exposition(scraped: Scraped, replica: str, accept: str = "") -> tuple[bytes, str]:
    """The body and content type of a scrape (OpenMetrics when the scraper asks for it)."""
    encode, content_type = choose_encoder(accept)
    return encode(_Labelled([in_process(), scraped], replica)), content_type
