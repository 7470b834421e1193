"""Schema migrations (Alembic), driven from code so the CLI and the tests share one path."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

import migrations

SCRIPT_LOCATION = Path(migrations.__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "heads", kecamatan: str | None = None) -> None:
    """Bring the schema up to `revision`. Runs its own event loop: call from sync code or a thread.

    `kecamatan`: the code of the install's one kecamatan, which rows from before kabupaten installs
    belong to (migration 0008); None lets the migration read it from the tickets."""
    config = alembic_config(database_url)
    config.attributes["kecamatan"] = kecamatan
    command.upgrade(config, revision)


async def upgrade_async(database_url: str, revision: str = "heads", kecamatan: str | None = None) -> None:
    await asyncio.to_thread(upgrade, database_url, revision, kecamatan)
