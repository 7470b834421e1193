"""The composition root: builds engines, profile and context from settings. Nothing runs at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core.context import Context, OutboxSignal
from core.db.engine import make_engine, make_sessions
from core.profile import load_profile
from core.settings import Settings


@asynccontextmanager
async def open_context(settings: Settings) -> AsyncIterator[Context]:
    """A Context on the configured database and profile, disposed of on exit."""
    profile = load_profile(settings.kecamatan_profile)
    engine = make_engine(settings.database_url)
    signal = OutboxSignal()
    try:
        yield Context(sessions=make_sessions(engine, on_commit=signal.set_all), profile=profile, outbox=signal)
    finally:
        await engine.dispose()
