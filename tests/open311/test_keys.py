"""POST's keys: made and revoked by an admin (stored hashed), or from OPEN311_API_KEYS; each limited per minute."""

from __future__ import annotations

import asyncio
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.context import Context, OutboxSignal
from core.db.engine import make_engine, make_sessions
from core.db.models import Open311Key, Open311Rate, Ticket
from open311.keys import add_key, key_hash, list_keys, revoke_key
from tests.conftest import Clock
from tests.core.test_cli import run
from tests.open311.conftest import KEY, api, data, error_of, xml

PREFLIGHT = {"Origin": "https://peta.example", "Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "accept"}
FORM = {"service_code": "sampah", "lat": "-5.41", "long": "119.58", "description": "Sampah menumpuk"}


async def tickets(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Ticket)) or 0)


async def test_a_key_from_the_table_posts_and_only_its_hash_is_kept(ctx: Context) -> None:
    made = await add_key(ctx, "FixMyStreet Takalar")
    (row,) = await list_keys(ctx)
    assert row.key_hash == key_hash(made.key) != made.key and row.per_minute == 30 and row.revoked_at is None
    assert len(made.key) >= 43  # 32 random bytes
    async with api(ctx) as client:
        answer = await client.post("/requests.xml", data={**FORM, "api_key": made.key})
        assert answer.status_code == 200 and xml(answer)[0].findtext("service_request_id") == "PTL-000001"
        error_of(await client.post("/requests.json", data={**FORM, "api_key": row.key_hash}), 403)  # the hash is no key
    assert await tickets(ctx) == 1


async def test_a_revoked_key_is_refused_and_the_refusal_is_logged_without_the_key(
        ctx: Context, caplog: pytest.LogCaptureFixture) -> None:
    made = await add_key(ctx, "Dashboard")
    revoked = await revoke_key(ctx, made.id)
    assert revoked is not None and revoked.revoked_at is not None
    assert await revoke_key(ctx, 999) is None
    with caplog.at_level(logging.INFO, logger="open311.routes"):
        async with api(ctx) as client:
            assert "api_key" in error_of(await client.post("/requests.xml", data={**FORM, "api_key": made.key}), 403)
            error_of(await client.post("/requests.json", data={**FORM, "api_key": "tebakan"}), 403)
    refusals = [r for r in caplog.records if r.getMessage() == "open311 key refused"]
    assert [(r.__dict__["reason"], r.__dict__["key_id"]) for r in refusals] == [("revoked", made.id), ("unknown", None)]
    assert all(made.key not in r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert await tickets(ctx) == 0


async def test_over_its_limit_a_key_gets_429_in_the_specifications_format_until_a_minute_passes(
        ctx: Context, clock: Clock) -> None:
    made = await add_key(ctx, "Aplikasi warga", per_minute=2)
    async with api(ctx) as client:
        for _ in range(2):
            assert (await client.post("/requests.json", data={**FORM, "api_key": made.key})).status_code == 200
        clock.advance(seconds=30)
        over = await client.post("/requests.xml", data={**FORM, "api_key": made.key})
        assert "2" in error_of(over, 429) and over.headers["retry-after"] == "30"
        over = await client.post("/requests.json", data={**FORM, "api_key": made.key})
        assert "per menit" in error_of(over, 429)
        # another key has its own minute, and the setting's keys still work (30 a minute)
        assert (await client.post("/requests.json", data={**FORM, "api_key": KEY})).status_code == 200
        clock.advance(seconds=31)
        assert (await client.post("/requests.json", data={**FORM, "api_key": made.key})).status_code == 200
    assert await tickets(ctx) == 4


async def test_two_servers_on_one_database_share_a_keys_minute(ctx: Context, db_url: str, clock: Clock) -> None:
    made = await add_key(ctx, "Aplikasi warga", per_minute=3)
    engine = make_engine(db_url)  # a second replica: its own process state, its own connections
    other = Context(sessions=make_sessions(engine), profile=ctx.profile, clock=clock, outbox=OutboxSignal())
    try:
        async with api(ctx) as first, api(other) as second:
            posted = [await client.post("/requests.json", data={**FORM, "api_key": made.key})
                      for client in (first, second, first, second)]
            assert [p.status_code for p in posted] == [200, 200, 200, 429]
            assert "3" in error_of(posted[-1], 429) and posted[-1].headers["retry-after"] == "60"
            error_of(await first.post("/requests.xml", data={**FORM, "api_key": made.key}), 429)
            clock.advance(minutes=1)
            assert (await second.post("/requests.json", data={**FORM, "api_key": made.key})).status_code == 200
        async with ctx.sessions() as session:  # only the current minute's count is kept
            assert [(r.key, r.posts) for r in await session.scalars(select(Open311Rate))] == [(f"key {made.id}", 1)]
    finally:
        await engine.dispose()
    assert await tickets(ctx) == 4


async def test_the_get_endpoints_answer_a_browsers_preflight_and_posting_stays_same_origin(ctx: Context) -> None:
    async with api(ctx) as client:
        for path in ("/discovery.json", "/services.xml", "/requests.json", "/requests/PTL-000001.xml",
                     "/servicerequestupdates.json", "/services/sampah.json", "/tokens/x.json"):
            answer = await client.options(path, headers=PREFLIGHT)
            assert answer.status_code == 204, path
            assert answer.headers["access-control-allow-origin"] == "*"
            assert answer.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS"
            assert "Accept" in answer.headers["access-control-allow-headers"]
        listed = await client.get("/requests.json")
        assert listed.headers["access-control-allow-origin"] == "*"
        posted = await client.post("/requests.json", data={**FORM, "api_key": KEY})
        assert posted.status_code == 200 and "access-control-allow-origin" not in posted.headers


async def test_an_admin_adds_lists_and_revokes_keys_on_the_command_line(db_url: str, ctx: Context,
                                                                         tmp_path: Path) -> None:
    await ctx.sessions.kw["bind"].dispose()  # let the CLI have the database to itself
    env = {"DATABASE_URL": db_url}
    added = await asyncio.to_thread(run, tmp_path, "open311", "key-add", "FixMyStreet Takalar", "--per-minute", "5",
                                    **env)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", key) and "not stored" in added.stdout
    async with ctx.sessions() as session:
        (row,) = await session.scalars(select(Open311Key))
    assert row.key_hash == key_hash(key) and row.per_minute == 5 and row.name == "FixMyStreet Takalar"
    async with api(ctx) as client:
        assert (await client.post("/requests.json", data={**FORM, "api_key": key})).status_code == 200
    await ctx.sessions.kw["bind"].dispose()

    listed = await asyncio.to_thread(run, tmp_path, "open311", "key-list", **env)
    assert listed.returncode == 0 and "FixMyStreet Takalar" in listed.stdout and "active" in listed.stdout
    assert key not in listed.stdout and row.key_hash not in listed.stdout
    revoked = await asyncio.to_thread(run, tmp_path, "open311", "key-revoke", str(row.id), **env)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    assert "revoked 2" in (await asyncio.to_thread(run, tmp_path, "open311", "key-list", **env)).stdout
    missing = await asyncio.to_thread(run, tmp_path, "open311", "key-revoke", "999", **env)
    assert missing.returncode == 1 and "No Open311 key 999" in missing.stderr
    async with api(ctx) as client:
        error_of(await client.post("/requests.json", data={**FORM, "api_key": key}), 403)
        assert len(data(await client.get("/requests.json"))) == 1
