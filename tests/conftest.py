"""Shared fixtures: a migrated database per test on the engine named by LAPOR_TEST_DATABASE.

`sqlite` (the default) copies a migrated template file per test; a `postgresql+asyncpg://` URL gets
a fresh database for the session, emptied before each test. A missing PostgreSQL is an error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import structlog
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.context import Context, OutboxSignal
from core.db.engine import is_sqlite, make_engine, make_sessions
from core.db.migrate import upgrade
from core.db.models import Base
from core.kabupaten import SAMPLE_KABUPATEN, load_kabupaten
from core.profile import SAMPLE_PROFILE, Profile, load_profile

TEST_DATABASE = os.environ.get("LAPOR_TEST_DATABASE", "sqlite")
# python-telegram-bot 22 warns on its int-valued durations unless this is set; warnings are errors here.
os.environ.setdefault("PTB_TIMEDELTA", "true")
DB_FIXTURES = {"db_url", "ctx", "engine"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def pytest_report_header() -> str:
    return f"database: {TEST_DATABASE.split('@')[-1]}"


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Tests that configure logging (as `lapor-camat run` does) must not change it for the tests after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    named = {name: logging.getLogger(name).level for name in ("httpx", "apscheduler", "sqlalchemy.engine")}
    yield
    root.handlers[:], root.level = handlers, level
    for name, saved in named.items():
        logging.getLogger(name).setLevel(saved)
    structlog.reset_defaults()


class Clock:
    """A settable clock; starts on a Monday at 09.00 WITA."""

    def __init__(self, start: datetime = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def _create_database(admin_url: str, name: str) -> None:
    engine = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


async def _drop_database(admin_url: str, name: str) -> None:
    engine = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await engine.dispose()


async def _empty_tables(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            # A connection an earlier test's event loop left open (a task destroyed mid-transaction when
            # that loop closed, e.g. an acknowledgement's group commit) would hold its locks for good, and
            # TRUNCATE would wait on them for ever (seen in CI): end every other session of this database.
            await conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def template_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a template SQLite file, or a fresh PostgreSQL database."""
    if TEST_DATABASE == "sqlite":
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        yield url
        return
    if not TEST_DATABASE.startswith("postgresql+asyncpg://"):
        raise pytest.UsageError(f"LAPOR_TEST_DATABASE is 'sqlite' or postgresql+asyncpg://…, not {TEST_DATABASE!r}")
    name = f"lapor_test_{uuid.uuid4().hex[:10]}"
    asyncio.run(_create_database(TEST_DATABASE, name))
    url = make_url(TEST_DATABASE).set(database=name).render_as_string(hide_password=False)
    upgrade(url)
    yield url
    asyncio.run(_drop_database(TEST_DATABASE, name))


@pytest.fixture
def db_url(template_url: str, tmp_path: Path) -> str:
    """A migrated, empty database for this test."""
    if template_url.startswith("sqlite"):
        target = tmp_path / "test.db"
        shutil.copyfile(template_url.removeprefix("sqlite+aiosqlite:///"), target)
        return f"sqlite+aiosqlite:///{target}"
    asyncio.run(_empty_tables(template_url))
    return template_url


@pytest.fixture(scope="session")
def profile() -> Profile:
    """The sample Pattallassang profile, without the daily per-citizen limit (tested on its own)."""
    return load_profile(SAMPLE_PROFILE).model_copy(update={"daily_ticket_limit": 100_000})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def ctx(db_url: str, profile: Profile, clock: Clock) -> AsyncIterator[Context]:
    engine = make_engine(db_url, pool_size=25, max_overflow=10) if "postgresql" in db_url else make_engine(db_url)
    signal = OutboxSignal()
    sessions = make_sessions(engine, on_commit=signal.committed)
    yield Context(sessions=sessions, profile=profile, clock=clock, outbox=signal)
    await engine.dispose()


@pytest.fixture
def postgres(ctx: Context) -> None:
    """For tests of several replicas: they share a PostgreSQL database, which CI always runs them on (on
    SQLite, one process by design, they are skipped)."""
    if is_sqlite(ctx.sessions):
        pytest.skip("replicas share a PostgreSQL database; SQLite is one process by design")


TAKALAR = load_kabupaten(SAMPLE_KABUPATEN)


def in_takalar(ctx: Context, kecamatan: str = "pattallassang") -> Context:
    """The test's database, clock and signals as a kecamatan of the Takalar sample install (9 kecamatan)."""
    return Context(sessions=ctx.sessions, profile=TAKALAR.profile(kecamatan), clock=ctx.clock, outbox=ctx.outbox,
                   kabupaten=TAKALAR)
