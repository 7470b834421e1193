"""PostgreSQL advisory locks by name: one holder across every process on the database.

SQLite (one process by design) has nothing to share: a lock there is always taken.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from core.context import Context


def lock_key(name: str) -> int:
    return int.from_bytes(hashlib.sha256(f"lapor-camat:{name}".encode()).digest()[:8], "big", signed=True)


def postgres(ctx: Context) -> AsyncEngine | None:
    """The engine when it is PostgreSQL's, else None."""
    bind = ctx.sessions.kw.get("bind")
    return bind if bind is not None and bind.dialect.name == "postgresql" else None


@contextlib.asynccontextmanager
async def turn(ctx: Context, name: str) -> AsyncIterator[bool]:
    """Whether this process holds `name` for the block (False: another process has it now), on a connection of
    its own inside a transaction: let go when the block ends, or when the connection dies with its process."""
    engine = postgres(ctx)
    if engine is None:
        yield True
        return
    async with engine.connect() as conn, conn.begin():
        yield bool(await conn.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": lock_key(name)}))


class HeldLock:
    """A named lock held on its own connection until `release` (or until the process dies: PostgreSQL
    lets go of a closed connection's locks), e.g. "this process polls Telegram for that bot"."""

    def __init__(self, ctx: Context, name: str) -> None:
        self.ctx, self.key = ctx, lock_key(name)
        self._conn: AsyncConnection | None = None

    async def acquire(self) -> bool:
        """Take it now, or False when another process holds it."""
        engine = postgres(self.ctx)
        if engine is None:
            return True
        conn = await engine.connect()
        got = bool(await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": self.key}))
        await conn.commit()
        if got:
            self._conn = conn
        else:
            await conn.close()
        return got

    async def release(self) -> None:
        if self._conn is not None:
            conn, self._conn = self._conn, None
            try:
                await conn.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": self.key})
                await conn.commit()
            finally:
                await conn.close()
