"""Incoming platform updates, stored before they are acknowledged and processed exactly once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.engine import begin_first
from core.db.models import InboxUpdate


@dataclass(frozen=True)
class InboxItem:
    id: int
    platform: str
    external_id: str
    sender: str
    payload: str
    attempts: int


async def store(ctx: Context, platform: str, external_id: str, sender: str, payload: str) -> int | None:
    """Keep a raw update; its row id, or None when this update was already stored (a redelivery)."""
    try:
        async with begin_first(ctx.sessions) as session:
            row = InboxUpdate(platform=platform, external_id=external_id, sender=sender, payload=payload,
                              received_at=ctx.now(), attempts=0)
            session.add(row)
            await session.flush()
            return row.id
    except IntegrityError:
        return None


async def pending(ctx: Context, platform: str, limit: int = 500) -> list[InboxItem]:
    """Stored updates not yet processed (e.g. after a crash), in arrival order."""
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(InboxUpdate).where(InboxUpdate.platform == platform, InboxUpdate.processed_at.is_(None))
            .order_by(InboxUpdate.id).limit(limit))
        return [InboxItem(r.id, r.platform, r.external_id, r.sender, r.payload, r.attempts) for r in rows]


async def mark_processed(ctx: Context, item_id: int, error: str | None = None) -> None:
    """Record that an update was handled (with the error, if handling failed for good)."""
    async with ctx.sessions.begin() as session:
        await mark_processed_in(session, item_id, ctx.now(), error)


async def mark_processed_in(session: AsyncSession, item_id: int, now: datetime, error: str | None = None) -> None:
    """`mark_processed` inside the caller's transaction (the one that committed the handling)."""
    await session.execute(update(InboxUpdate).where(InboxUpdate.id == item_id).values(
        processed_at=now, error=error, attempts=InboxUpdate.attempts + 1))
