"""Unfinished WhatsApp reports: a draft left idle too long is discarded, and the citizen is told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.context import Context
from core.db.models import Conversation
from core.domain.conversation import NEVER_EXPIRED, Step
from core.notifications import queue

KEPT = [step.value for step in NEVER_EXPIRED]


async def idle_drafts(ctx: Context, idle_since: datetime, limit: int = 500, key: str | None = None) -> list[int]:
    """Citizens whose unfinished draft with this kecamatan (or the conversation key `key`: the
    kabupaten-wide number's) has not moved since before `idle_since`."""
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(Conversation.citizen_id)
            .where(Conversation.kecamatan == (key or ctx.kecamatan), Conversation.updated_at < idle_since,
                   Conversation.step.not_in(KEPT))
            .order_by(Conversation.updated_at).limit(limit))
        return list(rows)


async def expire_draft(ctx: Context, citizen_id: int, idle_since: datetime, key: str | None = None,
                       line: str | None = None) -> bool:
    """Discard the citizen's draft if it is still idle since before `idle_since`; False if it moved on.
    `key` and `line`: a draft on the kabupaten-wide number (its conversation key, the number the citizen
    is told from); its notice is queued in `ctx`'s kecamatan.

    One transaction with the row locked: a citizen who writes again at the same moment, or another
    scheduler instance, sees either the draft or its expiry, never half of each.
    """
    async with ctx.sessions.begin() as session:
        conversation = await session.scalar(
            select(Conversation).where(Conversation.citizen_id == citizen_id,
                                       Conversation.kecamatan == (key or ctx.kecamatan)).with_for_update())
        if conversation is None or conversation.step in KEPT or conversation.updated_at >= idle_since:
            return False
        now = ctx.now()
        step, since = conversation.step, conversation.updated_at
        conversation.step, conversation.draft, conversation.updated_at = Step.IDLE.value, {}, now
        queue(session, channel="whatsapp", recipient=f"citizen:{citizen_id}", kecamatan=ctx.kecamatan,
              kind="draft.expired",
              data={"step": step, "idle_since": since.isoformat(), **({"line": line} if line else {})},
              dedupe_key=f"draft.expired:{key or ctx.kecamatan}:{citizen_id}:{since.isoformat()}", now=now)
        return True
