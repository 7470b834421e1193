"""Migrations build the schema the ORM expects, from empty, on both engines."""

from __future__ import annotations

import asyncio
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
    assert ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://")).get_heads() == ["0009"]


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
    await asyncio.to_thread(command.downgrade, alembic_config(db_url), "base")
    await upgrade_async(db_url, "0007")
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
