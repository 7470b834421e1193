"""Building the database engine for SQLite or PostgreSQL; nothing connects until asked."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager as AsyncContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, SessionTransaction

BEGIN_MODE = "lapor_sqlite_begin"  # a connection execution option: DEFERRED for reads, IMMEDIATE to write
_WAKES_OUTBOX = "lapor_wakes_outbox"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets WAL, foreign keys, a busy timeout and write-locking transactions."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        # A pool big enough for the bots' bounded work (4 turns, 16 sends per dispatcher, the webhooks):
        # overflow connections are closed on return, and reopening them under load cost more than the
        # work itself (bench/README.md, intake on PostgreSQL).
        options: dict[str, Any] = {"pool_pre_ping": True, "pool_size": 20, "max_overflow": 10, **kwargs}
        return create_async_engine(url, **options)
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
        # queue on the busy timeout instead, and serialises read-modify-write use cases. Reads
        # (sessions not opened with begin(), see _LaporSession) stay deferred: WAL lets them run
        # beside the writer instead of queueing for its lock.
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get(BEGIN_MODE, 'IMMEDIATE')}")


class _LaporSession(Session):
    """A session whose explicit begin() marks it as writing (SQLite then takes the write lock at BEGIN).

    Use cases write in `ctx.sessions.begin()`; `async with ctx.sessions()` alone is a read.
    """

    def begin(self, nested: bool = False) -> SessionTransaction:
        if not nested:
            self.execution_options = self.execution_options.union({BEGIN_MODE: "IMMEDIATE"})
        return super().begin(nested)


def wake_outbox(session: AsyncSession | Session, channel: str) -> None:
    """Mark the transaction as one that queued or woke rows of `channel`: its commit wakes that dispatcher."""
    session.info.setdefault(_WAKES_OUTBOX, set()).add(channel)


def make_sessions(
    engine: AsyncEngine, on_commit: Callable[[frozenset[str]], None] | None = None
) -> async_sessionmaker[AsyncSession]:
    """The session factory every use case opens its transaction from.

    `on_commit` runs after each commit with the outbox channels it woke (see `wake_outbox`), often
    none: an acknowledged webhook or a claim must not send the dispatchers looking.
    """
    session_class = type("LaporSession", (_LaporSession,), {})
    if on_commit is not None:
        def after_commit(session: Session) -> None:
            on_commit(frozenset(session.info.pop(_WAKES_OUTBOX, ())))

        event.listen(session_class, "after_commit", after_commit)
        event.listen(session_class, "after_rollback", lambda session: session.info.pop(_WAKES_OUTBOX, None))
    maker = GatedSessions if engine.dialect.name == "sqlite" else async_sessionmaker
    return maker(engine, expire_on_commit=False, sync_session_class=session_class,
                 execution_options={BEGIN_MODE: "DEFERRED"})


class WriteGate:
    """SQLite has one writer at a time: this process's writers queue here, in order, and `first`
    ones (acknowledging a webhook) ahead of the rest, instead of polling SQLite's busy handler,
    where a waiter sleeps up to 100 ms between tries and can lose to newcomers again and again."""

    def __init__(self) -> None:
        self._held = False
        self._waiting: tuple[collections.deque[asyncio.Future[None]], ...] = (collections.deque(), collections.deque())
        self._holder: contextvars.ContextVar[bool] = contextvars.ContextVar("lapor_write_gate", default=False)

    @contextlib.asynccontextmanager
    async def hold(self, first: bool = False) -> AsyncIterator[None]:
        if self._holder.get():
            raise RuntimeError("a write transaction inside another one: SQLite would wait for itself")
        if self._held or any(self._waiting):
            turn = asyncio.get_running_loop().create_future()
            self._waiting[0 if first else 1].append(turn)
            try:
                await turn
            except BaseException:
                if turn.done() and not turn.cancelled():
                    self._pass_on()  # handed the gate as we were cancelled: hand it on
                else:
                    self._waiting[0 if first else 1].remove(turn)
                raise
        else:
            self._held = True
        token = self._holder.set(True)
        try:
            yield
        finally:
            self._holder.reset(token)
            self._pass_on()

    def _pass_on(self) -> None:
        for queue in self._waiting:
            while queue:
                turn = queue.popleft()
                if not turn.done():
                    turn.set_result(None)  # the gate stays held: it passes to this waiter
                    return
        self._held = False


class GatedSessions(async_sessionmaker[AsyncSession]):
    """SQLite's session factory: `begin()` (a write) goes through the process's `WriteGate`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = WriteGate()

    @contextlib.asynccontextmanager
    async def begin(self, first: bool = False) -> AsyncIterator[AsyncSession]:  # type: ignore[override]
        async with self.gate.hold(first), super().begin() as session:
            yield session


def begin_first(sessions: async_sessionmaker[AsyncSession]) -> AsyncContextManager[AsyncSession]:
    """A write transaction that goes ahead of queued ones (on SQLite): storing a webhook before its 200."""
    if isinstance(sessions, GatedSessions):
        return sessions.begin(first=True)
    return sessions.begin()


def is_sqlite(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Whether the sessions are SQLite's: one process writes (and delivers each channel)."""
    return isinstance(sessions, GatedSessions)


def insert_for(session: AsyncSession) -> Any:
    """The dialect's INSERT (with ON CONFLICT) for the session's database."""
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"
