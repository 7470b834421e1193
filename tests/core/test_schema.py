"""Migrations build the schema the ORM expects, from empty, on both engines."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from core.db.engine import make_engine
from core.db.migrate import alembic_config, upgrade_async
from core.db.models import Base


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_migrated_schema_matches_the_models(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert {t.name for t in Base.metadata.sorted_tables} <= await conn.run_sync(_tables)
    finally:
        await engine.dispose()


async def test_downgrade_to_empty_and_upgrade_again(db_url: str) -> None:
    await upgrade_async(db_url)  # already there: a no-op
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "base")
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) <= {"alembic_version"}
        await upgrade_async(db_url)
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


def test_the_migrations_end_in_one_head() -> None:
    """Branches made side by side are joined, so an upgrade has one place to end and a downgrade one to start."""
    assert ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://")).get_heads() == ["0018"]


_ROWS_AT_0007 = [
    "INSERT INTO citizens (id, wa_id, name, locale, created_at) VALUES (1, '6281234567890', '', 'id', :now)",
    "INSERT INTO tickets (id, number, kecamatan, report_type, description, address, reporter_id, privacy, state,"
    " stage_started_at, escalation_level, created_at, updated_at) VALUES (1, 'PTL-000001', 'pattallassang',"
    " 'complaint', 'Sampah', '', 1, 'normal', 'received', :now, 0, :now, :now)",
    "INSERT INTO tickets (id, number, kecamatan, report_type, description, address, reporter_id, privacy, state,"
    " stage_started_at, escalation_level, forward_agency, created_at, updated_at) VALUES (2, 'PTL-000002',"
    " 'pattallassang', 'complaint', 'Lampu', '', 1, 'normal', 'forwarded', :now, 0, 'PLN', :now, :now)",
    "INSERT INTO conversations (citizen_id, step, draft, updated_at) VALUES (1, 'describe', '{}', :now)",
    "INSERT INTO outbox (channel, recipient, kind, data, dedupe_key, attempts, next_attempt_at, created_at)"
    " VALUES ('whatsapp', 'citizen:1', 'wa.reply', '{}', 'k1', 0, :now, :now)",
]


async def _at_0007_with(db_url: str, statements: list[str]) -> None:
    """The schema as a one-kecamatan install left it, holding these rows."""
    await _at_with(db_url, "0007", statements)


async def _at_0009_with(db_url: str, statements: list[str]) -> None:
    """The schema before staff held roles per kecamatan, holding these rows."""
    await _at_with(db_url, "0009", statements)


async def _at_with(db_url: str, revision: str, statements: list[str]) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "base")
    await upgrade_async(db_url, revision)
    engine = make_engine(db_url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement), {"now": datetime(2026, 11, 30, 1, 0, tzinfo=UTC)})
    finally:
        await engine.dispose()


async def _kecamatan_of(db_url: str) -> dict[str, set[str]]:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            return {table: set((await conn.execute(text(f"SELECT kecamatan FROM {table}"))).scalars())
                    for table in ("conversations", "outbox", "held_reports")}
    finally:
        await engine.dispose()


async def test_a_one_kecamatan_database_upgrades_with_every_row_its_kecamatan(db_url: str) -> None:
    await _at_0007_with(db_url, _ROWS_AT_0007)
    await upgrade_async(db_url)  # told nothing: the tickets say whose rows these are
    assert await _kecamatan_of(db_url) == {"conversations": {"pattallassang"}, "outbox": {"pattallassang"},
                                           "held_reports": set()}
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            assert (await conn.execute(text("SELECT step FROM conversations WHERE citizen_id = 1"
                                            " AND kecamatan = 'pattallassang'"))).scalar_one() == "describe"
            # a case forwarded before agencies were data: the profile's code for its agency, and a clock
            agency, deadline = (await conn.execute(text(
                "SELECT forward_agency, stage_deadline_at FROM tickets WHERE id = 2"))).one()
            assert agency == "pln" and str(deadline).startswith("2026-12-07")
    finally:
        await engine.dispose()


async def test_rows_without_tickets_need_the_install_to_say_its_kecamatan(db_url: str) -> None:
    await _at_0007_with(db_url, [_ROWS_AT_0007[0], _ROWS_AT_0007[3]])
    with pytest.raises(RuntimeError, match="set KECAMATAN_PROFILE"):
        await upgrade_async(db_url)  # nothing is guessed
    await upgrade_async(db_url, kecamatan="pattallassang")  # as `lapor-camat db upgrade` passes it
    assert (await _kecamatan_of(db_url))["conversations"] == {"pattallassang"}


_STAFF_AT_0009 = [
    "INSERT INTO staff (id, telegram_id, name, roles, desa, active, created_at) VALUES"
    " (1, 1001, 'Andi', '[\"verifier\"]', '[]', true, :now),"
    " (2, 2001, 'Baso', '[\"officer\", \"inspektorat\"]', '[\"Bajeng\"]', true, :now),"
    " (3, 9101, 'Admin Kabupaten', '[\"kabupaten_admin\"]', '[]', true, :now)",
    "INSERT INTO staff_events (telegram_id, staff_id, action, actor_kind, actor_name, data, created_at)"
    " VALUES (1001, 1, 'add', 'system', 'setup', '{}', :now)",
]


async def _staff_roles(db_url: str) -> tuple[dict[int, list[str]], set[tuple[int, str, str]], set[str | None]]:
    """Each person's kabupaten roles, every (staff, kecamatan, roles) row, and the events' kecamatan."""
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            wide = {i: json.loads(r) if isinstance(r, str) else r for i, r in
                    (await conn.execute(text("SELECT id, kabupaten_roles FROM staff"))).all()}
            rows = {(i, k, ",".join(json.loads(r) if isinstance(r, str) else r)) for i, k, r in
                    (await conn.execute(text("SELECT staff_id, kecamatan, roles FROM staff_roles"))).all()}
            events = set((await conn.execute(text("SELECT kecamatan FROM staff_events"))).scalars())
            assert await conn.run_sync(_diff) == []
            return wide, rows, events
    finally:
        await engine.dispose()


async def test_staff_roles_become_the_one_kecamatans_and_kabupaten_roles_stay_wide(db_url: str) -> None:
    await _at_0009_with(db_url, [_ROWS_AT_0007[0], _ROWS_AT_0007[1], *_STAFF_AT_0009])
    await upgrade_async(db_url)  # told nothing: the tickets say whose staff these are
    wide, rows, events = await _staff_roles(db_url)
    assert wide == {1: [], 2: ["inspektorat"], 3: ["kabupaten_admin"]}
    assert rows == {(1, "pattallassang", "verifier"), (2, "pattallassang", "officer")}
    assert events == {"pattallassang"}
    # and back: one list of roles again, whatever kecamatan held them
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "0009")
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            roles = {i: sorted(json.loads(r) if isinstance(r, str) else r)
                     for i, r in (await conn.execute(text("SELECT id, roles FROM staff"))).all()}
    finally:
        await engine.dispose()
    assert roles == {1: ["verifier"], 2: ["inspektorat", "officer"], 3: ["kabupaten_admin"]}
    await upgrade_async(db_url)  # the database is the next test's too (on PostgreSQL)


async def test_staff_without_tickets_need_the_install_to_say_its_kecamatan(db_url: str) -> None:
    await _at_0009_with(db_url, _STAFF_AT_0009)
    with pytest.raises(RuntimeError, match="set KECAMATAN_PROFILE"):
        await upgrade_async(db_url)  # nothing is guessed
    await upgrade_async(db_url, kecamatan="galesong")  # as `lapor-camat db upgrade` passes it
    _, rows, events = await _staff_roles(db_url)
    assert rows == {(1, "galesong", "verifier"), (2, "galesong", "officer")} and events == {"galesong"}


async def test_only_kabupaten_staff_need_no_kecamatan(db_url: str) -> None:
    await _at_0009_with(db_url, ["INSERT INTO staff (id, telegram_id, name, roles, desa, active, created_at)"
                                 " VALUES (3, 9101, 'Admin', '[\"kabupaten_admin\"]', '[]', true, :now)"])
    await upgrade_async(db_url)
    wide, rows, events = await _staff_roles(db_url)
    assert wide == {3: ["kabupaten_admin"]} and rows == set() and events == set()
