"""Building the database engine for SQLite or PostgreSQL; nothing connects until asked."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys, a busy timeout and write-locking transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
    _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A deferred transaction that reads and then writes can fail at once with "database is
        # locked" when another writer got in between; taking the write lock at BEGIN makes writers
        # queue on the busy timeout instead, and serialises read-modify-write use cases.
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_sessions(
    engine: AsyncEngine, on_commit: Callable[[], None] | None = None
) -> async_sessionmaker[AsyncSession]:
    """The session factory every use case opens its transaction from; `on_commit` runs after each commit."""
    session_class = type("LaporSession", (Session,), {})
    if on_commit is not None:
        event.listen(session_class, "after_commit", lambda _session: on_commit())
    return async_sessionmaker(engine, expire_on_commit=False, sync_session_class=session_class)


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"
