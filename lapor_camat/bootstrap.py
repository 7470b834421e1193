"""The composition root: builds engines, profile and context from settings. Nothing runs at import."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from core.context import Context, OutboxSignal, utc_now
from core.db.engine import make_engine, make_sessions
from core.kabupaten import load_install
from core.settings import Settings


@asynccontextmanager
async def open_context(settings: Settings, clock: Callable[[], datetime] = utc_now) -> AsyncIterator[Context]:
    """A Context on the configured database and kecamatan (the first of a kabupaten), disposed of on exit."""
    install = load_install(settings.kabupaten_file, settings.kecamatan_profile)
    engine = make_engine(settings.database_url)
    signal = OutboxSignal()
    ctx = Context(sessions=make_sessions(engine, on_commit=signal.committed), profile=install.first, clock=clock,
                  outbox=signal, kabupaten=install)
    try:
        yield ctx
    finally:
        await ctx.settle_groups()  # no group commit cut off mid-transaction by the engine's close
        await engine.dispose()
