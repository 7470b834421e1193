"""Building the database engine for SQLite or PostgreSQL; nothing connects until asked."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager as AsyncContextManager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

BEGIN_MODE = "lapor_sqlite_begin"  # a connection execution option: DEFERRED for reads, IMMEDIATE to write
_WAKES_OUTBOX = "lapor_wakes_outbox"
_WROTE = "lapor_wrote"  # the transaction has written (a ride goes only with one that did)


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


# Reads of many rows (the figures over a kabupaten's months): the file mapped into memory (the OS's page cache,
# shared by every connection, instead of a copy per read) and a 16 MiB page cache per connection instead of 2.
# Measured on the kabupaten admin's Statistik over 100,000 tickets (bench/web_pages.py): p50 148 -> 121 ms.
_READING = ("mmap_size=1073741824", "cache_size=-16384")


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL", *_READING):
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


def _note_write(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


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
    event.listen(session_class, "do_orm_execute", _note_write)
    event.listen(session_class, "after_flush", lambda session, _context: session.info.__setitem__(_WROTE, True))
    for ended in ("after_commit", "after_rollback"):
        event.listen(session_class, ended, lambda session: session.info.pop(_WROTE, None))
    if on_commit is not None:
        def after_commit(session: Session) -> None:
            on_commit(frozenset(session.info.pop(_WAKES_OUTBOX, ())))

        event.listen(session_class, "after_commit", after_commit)
        event.listen(session_class, "after_rollback", lambda session: session.info.pop(_WAKES_OUTBOX, None))
    maker = GatedSessions if engine.dialect.name == "sqlite" else Sessions
    return maker(engine, expire_on_commit=False, sync_session_class=session_class, class_=_UnitAwareSession,
                 execution_options={BEGIN_MODE: "DEFERRED"})


# -- A unit of work: every transaction opened inside it joins one, committed once at its end ---------


class _UnitAwareSession(AsyncSession):
    """An AsyncSession that a unit of work lends to the reads inside it: their `async with` leaves it open."""

    _lent = 0

    async def __aexit__(self, *exc: object) -> None:
        if self._lent:
            self._lent -= 1  # a read inside the unit is over; the unit closes the session at its end
            return
        await super().__aexit__(*exc)


class _Unit:
    """The open unit of the task that opened it; its session exists from the first write on."""

    def __init__(self) -> None:
        self.owner = asyncio.current_task()
        self.session: _UnitAwareSession | None = None
        self.stack = contextlib.AsyncExitStack()
        self.open = True


_UNIT: contextvars.ContextVar[_Unit | None] = contextvars.ContextVar("lapor_unit", default=None)


def _current_unit() -> _Unit | None:
    """The unit this task opened, if one is open (a task started inside a unit does not join it)."""
    unit = _UNIT.get()
    if unit is None or not unit.open or unit.owner is not asyncio.current_task():
        return None
    return unit


class Sessions(async_sessionmaker[AsyncSession]):
    """The session factory, aware of units of work (`unit`).

    Inside `unit()`, the first `begin()` opens the unit's one transaction (lazily: reads and I/O
    before it hold no write lock), later `begin()`s join it as savepoints (a failing block undoes its
    own writes, as its own transaction would have), and reads from then on use its session, so the
    unit sees its own writes. The unit commits once at its end, or rolls everything back on an error.
    Use cases keep writing `async with ctx.sessions.begin()`: they join their caller's unit unchanged.
    """

    def __call__(self, **local_kw: Any) -> AsyncSession:
        unit = _current_unit()
        if unit is None or unit.session is None or local_kw:
            return super().__call__(**local_kw)
        unit.session._lent += 1
        return unit.session

    @contextlib.asynccontextmanager
    async def begin(self, first: bool = False) -> AsyncIterator[AsyncSession]:  # type: ignore[override]
        unit = _current_unit()
        if unit is None:
            async with self._own(first) as session:
                yield session
                await _take_ride(session)
            return
        if unit.session is None:
            session = await unit.stack.enter_async_context(self._own(first))
            assert isinstance(session, _UnitAwareSession)
            unit.session = session
        async with unit.session.begin_nested():
            yield unit.session

    def _own(self, first: bool) -> AsyncContextManager[AsyncSession]:
        """A transaction of its own (outside a unit, or the unit's one)."""
        return super().begin()

    @contextlib.asynccontextmanager
    async def unit(self) -> AsyncIterator[None]:
        """One unit of work: what the block writes through these sessions commits once, at its end.

        Inside another unit of this task it simply joins that one."""
        if _current_unit() is not None:
            yield
            return
        unit = _Unit()
        token = _UNIT.set(unit)
        try:
            async with unit.stack:  # on leaving: commit (or roll back on an error), then the write gate
                try:
                    yield
                    if unit.session is not None:
                        await _take_ride(unit.session)
                finally:
                    unit.open = False
        finally:
            _UNIT.reset(token)


Rider = Callable[[AsyncSession], Awaitable[None]]


class Ride:
    """Work that commits with the next write transaction of the task that asked (`riding`)."""

    def __init__(self, work: Rider) -> None:
        self.work, self.owner, self.taken = work, asyncio.current_task(), False

    def stop(self) -> None:
        """No transaction takes it from now on (if none did, its caller writes it itself)."""
        self.owner = None


_RIDE: contextvars.ContextVar[Ride | None] = contextvars.ContextVar("lapor_ride", default=None)


@contextlib.contextmanager
def riding(work: Rider) -> Iterator[Ride]:
    """Within the block, `work` runs inside the first write transaction this task commits (a use case's),
    just before its commit; `taken` says whether one did (if not, the caller writes it on its own)."""
    ride = Ride(work)
    token = _RIDE.set(ride)
    try:
        yield ride
    finally:
        _RIDE.reset(token)


async def _take_ride(session: AsyncSession) -> None:
    ride = _RIDE.get()
    if ride is None or ride.taken or ride.owner is None or ride.owner is not asyncio.current_task():
        return
    if session.info.get(_WROTE) or session.new or session.dirty or session.deleted:  # a read goes alone
        ride.taken = True
        await ride.work(session)


def unit_of_work(sessions: async_sessionmaker[AsyncSession]) -> AsyncContextManager[None]:
    """`Sessions.unit` for any session factory (one that knows no units just runs the block)."""
    if isinstance(sessions, Sessions):
        return sessions.unit()
    return contextlib.nullcontext()


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


class GatedSessions(Sessions):
    """SQLite's session factory: a write transaction of its own (or a unit's) goes through the process's
    `WriteGate`; one that joins a unit is already through it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.gate = WriteGate()

    @contextlib.asynccontextmanager
    async def _gated(self, first: bool) -> AsyncIterator[AsyncSession]:
        async with self.gate.hold(first), async_sessionmaker.begin(self) as session:
            yield session

    def _own(self, first: bool) -> AsyncContextManager[AsyncSession]:
        return self._gated(first)


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
