"""Scheduler test helpers: a second instance on the same database, WITA times, escalation events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.context import Context, OutboxSignal
from core.db.engine import make_engine, make_sessions
from core.db.models import OutboxMessage, TicketEvent
from core.profile import Profile
from tests.conftest import Clock

WITA = ZoneInfo("Asia/Makassar")


def wita(text: str) -> datetime:
    """A WITA wall-clock time, e.g. wita("2026-11-23 11:01")."""
    return datetime.fromisoformat(text).replace(tzinfo=WITA)


async def _instance(db_url: str, profile: Profile, clock: Clock) -> AsyncIterator[Context]:
    """Another scheduler instance: its own engine on the same database, the same clock."""
    engine = make_engine(db_url, pool_size=10) if "postgresql" in db_url else make_engine(db_url)
    signal = OutboxSignal()
    sessions = make_sessions(engine, on_commit=signal.committed)
    yield Context(sessions=sessions, profile=profile, clock=clock, outbox=signal)
    await engine.dispose()


@pytest.fixture
async def other_ctx(db_url: str, profile: Profile, clock: Clock) -> AsyncIterator[Context]:
    """A second scheduler instance on the same database."""
    async for instance in _instance(db_url, profile, clock):
        yield instance


@pytest.fixture
async def third_ctx(db_url: str, profile: Profile, clock: Clock) -> AsyncIterator[Context]:
    """A third one (three replicas)."""
    async for instance in _instance(db_url, profile, clock):
        yield instance


async def escalations(ctx: Context, ticket_id: int | None = None) -> list[int]:
    """The levels of the ticket's escalate events, oldest first (every ticket's when no id is given)."""
    query = select(TicketEvent.data).where(TicketEvent.action == "escalate").order_by(TicketEvent.id)
    if ticket_id is not None:
        query = query.where(TicketEvent.ticket_id == ticket_id)
    async with ctx.sessions() as session:
        return [int(data["level"]) for data in await session.scalars(query)]


async def rows(ctx: Context, kind: str) -> list[OutboxMessage]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                          .order_by(OutboxMessage.id)))
