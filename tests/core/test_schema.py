"""Migrations build the schema the ORM expects, from empty, on both engines."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
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
    assert ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://")).get_heads() == ["0007"]
