"""What an operator watches, read back from /metrics over HTTP: the webhook's acknowledgement time, the
inbox's and the outbox's lags, the platforms' error codes, per replica; the alert rules and the dashboard
name only what /metrics exposes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import yaml
from sqlalchemy import func, select

from core import inbox
from core.context import Context
from core.db.models import OutboxMessage
from core.inbox import RawUpdate
from core.outbox import owed
from tests.conftest import Clock
from tests.core.story import report
from tests.officer.conftest import World, sim_options, until, world  # noqa: F401  (fixtures)
from tests.ops.scrape import REPLICA, scrape
from tests.reporter.conftest import Harness
from tests.reporter.test_batches import batch, post_signed, written

DOCS = Path(__file__).parents[2] / "docs"
ROOT = Path(__file__).parents[2]


async def test_each_webhook_post_is_timed_into_the_acknowledgement_histogram_by_its_answer(harness: Harness) -> None:
    sim = harness.sim
    sim.status_webhooks = False  # only the posts of this test
    ani = sim.citizen("081300000401", name="Ani")
    ok, refused = ({"platform": "whatsapp", "status": status, "replica": REPLICA} for status in ("200", "403"))
    before = await scrape(harness.ctx)

    assert (await post_signed(harness, batch(sim, written(sim, ani, "halo")))).status_code == 200
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=harness.app), base_url="http://bot") as client:
        forged = await client.post("/webhook/whatsapp", content=b"{}", headers={"X-Hub-Signature-256": "sha256=00"})
    assert forged.status_code == 403

    after = await scrape(harness.ctx)
    ack = "lapor_webhook_ack_seconds"
    assert after.value(f"{ack}_count", **ok) == before.value(f"{ack}_count", **ok) + 1
    assert after.value(f"{ack}_sum", **ok) > before.value(f"{ack}_sum", **ok)
    assert after.value(f"{ack}_count", **refused) == before.value(f"{ack}_count", **refused) + 1


async def test_an_update_processed_ninety_seconds_after_it_was_stored_shows_that_lag(harness: Harness,
                                                                                     clock: Clock) -> None:
    await harness.stop()  # what a crash leaves: an update stored (and acknowledged), not processed
    sim = harness.sim
    sim.status_webhooks = False  # the reply's statuses would be processed at once
    budi = sim.citizen("081300000402", name="Budi")
    item = written(sim, budi, "halo")
    await inbox.store_new(harness.ctx, "whatsapp", [RawUpdate(item["id"], budi.wa_id, batch(sim, item).decode())])
    labels = {"platform": "whatsapp", "replica": REPLICA}
    before = await scrape(harness.ctx)

    clock.advance(seconds=90)
    await harness.start()  # processes what was stored before
    await budi.wait_for(lambda m: m.kind == "buttons")
    await harness.settle()

    after = await scrape(harness.ctx)
    lag = "lapor_inbox_lag_seconds"
    assert after.value(f"{lag}_count", **labels) == before.value(f"{lag}_count", **labels) + 1
    assert after.bucket(lag, "60.0", **labels) == before.bucket(lag, "60.0", **labels)  # not within a minute
    assert after.bucket(lag, "120.0", **labels) == before.bucket(lag, "120.0", **labels) + 1


async def test_refused_sends_are_counted_by_code_and_the_delivery_lag_runs_until_it_went(harness: Harness,
                                                                                        clock: Clock) -> None:
    sim, ctx = harness.sim, harness.ctx
    sim.status_webhooks = False
    cici = sim.citizen("081300000403", name="Cici")
    sends = lambda method, path: path.endswith("/messages")  # noqa: E731
    before = await scrape(ctx)

    sim.api_faults(rate=1.0, kinds=("500",), only=sends)  # Meta's 131000 "Something went wrong"
    await cici.sends_text("halo")
    await until(ctx, lambda: _attempted(ctx, "whatsapp", 1))
    sim.api_faults(rate=1.0, kinds=("429",), only=sends)  # 130429, the throughput limit
    clock.advance(seconds=5)  # past the first backoff (2 s)
    await until(ctx, lambda: _attempted(ctx, "whatsapp", 2))
    sim.api_faults(rate=0)
    clock.advance(seconds=30)
    await cici.wait_for(lambda m: m.kind == "buttons")
    await until(ctx, lambda: _all_sent(ctx, "whatsapp"))

    after = await scrape(ctx)
    for code in ("131000", "130429"):
        key = {"platform": "whatsapp", "code": code, "replica": REPLICA}
        assert after.value("lapor_platform_errors_total", **key) >= 1 + before.value("lapor_platform_errors_total",
                                                                                       **key)
    for reason in ("platform", "rate_limited"):
        key = {"channel": "whatsapp", "reason": reason, "replica": REPLICA}
        failures = "lapor_outbox_failures_total"
        assert after.value(failures, **key) == before.value(failures, **key) + 1
    lag, key = "lapor_outbox_delivery_lag_seconds", {"channel": "whatsapp", "replica": REPLICA}
    assert after.value(f"{lag}_count", **key) == before.value(f"{lag}_count", **key) + 1  # the reply, 35 s late
    assert after.bucket(lag, "30.0", **key) == before.bucket(lag, "30.0", **key)
    assert after.bucket(lag, "60.0", **key) == before.bucket(lag, "60.0", **key) + 1


async def _attempted(ctx: Context, channel: str, attempts: int = 1) -> bool:
    """Whether a row of `channel` has failed `attempts` times."""
    async with ctx.sessions() as session:
        found = await session.scalar(select(func.max(OutboxMessage.attempts)).where(OutboxMessage.channel == channel))
    return (found or 0) >= attempts


async def _all_sent(ctx: Context, channel: str) -> bool:
    async with ctx.sessions() as session:
        return not await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == channel, owed()))


async def test_telegram_flood_control_is_counted_as_429(world: World, clock: Clock) -> None:  # noqa: F811
    key = {"platform": "telegram", "code": "429", "replica": REPLICA}
    before = await scrape(world.ctx)
    world.sim.api_faults(rate=1.0, kinds=("429",), only=lambda method, path: path.endswith("/sendMessage"))
    await report(world.ctx, world.cast.reporter)  # the desk's card is owed
    await until(world.ctx, lambda: _attempted(world.ctx, "telegram"))
    world.sim.api_faults(rate=0)
    clock.advance(seconds=2)  # past the retry_after (1 s)
    await world.settled(timeout=15)  # then the card goes
    after = await scrape(world.ctx)
    assert after.value("lapor_platform_errors_total", **key) >= before.value("lapor_platform_errors_total", **key) + 1
    assert after.value("lapor_outbox_delivery_lag_seconds_count", channel="telegram") > 0


async def test_every_sample_names_its_replica_and_the_database_figures_are_there(ctx: Context) -> None:
    scraped = await scrape(ctx, replica="app-2")
    samples = [s for f in scraped.families for s in f.samples]
    assert samples and all(s.labels.get("replica") == "app-2" for s in samples)
    assert scraped.value("lapor_ready") == 1 and scraped.value("lapor_database_up") == 1
    assert "# TYPE lapor_outbox_pending gauge" in scraped.text


async def test_the_alert_rules_and_the_dashboard_name_only_metrics_that_metrics_exposes(ctx: Context) -> None:
    rules = yaml.safe_load((DOCS / "alerts.yml").read_text())
    alerts = {rule["alert"]: rule for group in rules["groups"] for rule in group["rules"]}
    assert {"LaporInboxLag", "LaporOutboxRowFailing", "LaporReplicaNotReady"} <= alerts.keys()
    dashboard = json.loads((DOCS / "dashboard.json").read_text())
    panels = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    exposed = (await scrape(ctx)).names()
    for where, expr in [*((name, rule["expr"]) for name, rule in alerts.items()), *(("dashboard", e) for e in panels)]:
        used = set(re.findall(r"\blapor_\w+", expr))
        assert used, (where, expr)
        assert used <= exposed, (where, used - exposed)
    assert "lapor_inbox_oldest_pending_age_seconds" in alerts["LaporInboxLag"]["expr"]
    assert "lapor_ready" in alerts["LaporReplicaNotReady"]["expr"]


def test_with_a_multiprocess_directory_the_processes_are_counted_together(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = 'from core import metrics; metrics.platform_error("whatsapp", 131053)'
    for _ in range(2):  # two processes, each counting one refusal
        subprocess.run([sys.executable, "-c", count], env=env, cwd=ROOT, check=True)
    expose = ("from core import metrics; print(metrics.exposition(metrics.Scraped([], metrics.Readiness(True, "
              "'current', {})), 'r')[0].decode())")
    shown = subprocess.run([sys.executable, "-c", expose], env=env, cwd=ROOT, check=True, capture_output=True,
                           text=True).stdout
    assert 'lapor_platform_errors_total{code="131053",platform="whatsapp",replica="r"} 2.0' in shown
