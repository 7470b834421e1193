"""/healthz says the process is alive (no database call), /readyz whether the proxy may send it traffic:
the database answers, the schema is at the migrations' head, every part has started. Over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from alembic.script import ScriptDirectory
from starlette.applications import Starlette

from core.context import Context
from core.db.engine import make_engine, make_sessions
from core.db.migrate import SCRIPT_LOCATION, upgrade_async
from core.profile import Profile
from lapor_camat.run import Running
from lapor_camat.web import health_routes, migration_heads
from tests.demo.conftest import loopback, sample_profile, simulator_options  # noqa: F401  (fixtures)
from tests.demo.system import Loopback, base_env, running
from tests.ops.scrape import Scrape


@asynccontextmanager
async def served(ctx: Context, parts: Mapping[str, bool] | None = None) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=health_routes(ctx, lambda: parts if parts is not None else {"reporter": True}, "app-1"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as client:
        yield client


@asynccontextmanager
async def context_on(url: str, profile: Profile) -> AsyncIterator[Context]:
    engine = make_engine(url)
    try:
        yield Context(sessions=make_sessions(engine), profile=profile)
    finally:
        await engine.dispose()


async def test_healthz_answers_without_the_database_and_readyz_says_it_is_unreachable(profile: Profile) -> None:
    nowhere = "postgresql+asyncpg://lapor:secret@127.0.0.1:9/lapor_camat"  # the discard port: refused
    async with context_on(nowhere, profile) as ctx, served(ctx) as http:
        alive, ready, scraped = await http.get("/healthz"), await http.get("/readyz"), await http.get("/metrics")
    assert alive.status_code == 200 and alive.json() == {"status": "ok", "replica": "app-1"}
    assert ready.status_code == 503 and ready.json()["database"] == "unreachable"
    assert scraped.status_code == 200  # still scraped: the replica's own figures, and that it is down
    assert Scrape(scraped.text).value("lapor_database_up") == 0 and Scrape(scraped.text).value("lapor_ready") == 0


async def test_readyz_refuses_a_schema_behind_the_migrations_until_it_is_upgraded(fresh_url: str,
                                                                                  profile: Profile) -> None:
    if fresh_url.startswith("sqlite"):
        Path(fresh_url.removeprefix("sqlite+aiosqlite:///")).parent.mkdir(parents=True)
    (head,) = migration_heads()
    older = ScriptDirectory(str(SCRIPT_LOCATION)).get_revision(head).down_revision
    assert isinstance(older, str)
    async with context_on(fresh_url, profile) as ctx, served(ctx) as http:
        empty = await http.get("/readyz")
        await upgrade_async(fresh_url, older)
        behind = await http.get("/readyz")
        behind_metrics = Scrape((await http.get("/metrics")).text)
        await upgrade_async(fresh_url)
        current = await http.get("/readyz")
    assert empty.status_code == 503 and empty.json()["schema"].startswith("not migrated")
    assert behind.status_code == 503 and behind.json()["database"] == "ok"
    assert behind.json()["schema"].startswith(f"at {older}, head {head}")
    assert behind_metrics.value("lapor_schema_current") == 0 and behind_metrics.value("lapor_ready") == 0
    assert current.status_code == 200 and current.json() == {
        "status": "ready", "replica": "app-1", "database": "ok", "schema": "current", "parts": {"reporter": True}}


class _Part:
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


async def test_readyz_waits_for_every_part_to_start(ctx: Context) -> None:
    parts = Running({"reporter": _Part(), "scheduler": _Part()}, [])
    app = Starlette(routes=health_routes(ctx, parts.alive))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app") as http:
        parts.started.add("reporter")
        half = await http.get("/readyz")
        parts.started.add("scheduler")
        whole = await http.get("/readyz")
    assert half.status_code == 503 and half.json()["parts"] == {"reporter": True, "scheduler": False}
    assert whole.status_code == 200


async def test_run_is_alive_ready_and_named_then_drains_on_sigterm(loopback: Loopback,  # noqa: F811
                                                                    tmp_path: Path) -> None:
    env = {**base_env(tmp_path), **loopback.settings(tmp_path / "var"), "REPLICA_NAME": "replica-a"}
    async with running("run", "--migrate", cwd=tmp_path, env=env) as cli:
        await cli.line("Uvicorn running on")
        citizen = loopback.whatsapp.citizen("0812 7000 0002", name="Daeng Ngai")
        await citizen.sends_text("menu")
        await citizen.wait_for(lambda m: m.kind == "buttons", timeout=15)
        async with httpx.AsyncClient(base_url=loopback.system_url) as http:
            alive, ready, scraped = await http.get("/healthz"), await http.get("/readyz"), await http.get("/metrics")
        assert await cli.stop() == 0  # SIGTERM: stops taking webhooks, drains the parts, exits
    assert alive.status_code == 200 and alive.json()["replica"] == "replica-a"
    assert ready.status_code == 200, ready.text
    assert ready.json()["parts"] == {"reporter": True, "officer": True, "scheduler": True}
    metrics = Scrape(scraped.text)
    assert metrics.value("lapor_webhook_ack_seconds_count", platform="whatsapp", status="200",
                         replica="replica-a") >= 1
    assert metrics.value("lapor_part_started", part="officer", replica="replica-a") == 1
    assert "stopped" in cli.output
