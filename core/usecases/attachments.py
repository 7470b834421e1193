"""Adding files to a ticket, from either channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.models import Attachment
from core.domain.people import Actor
from core.domain.reports import AttachmentRole, NewAttachment


def attach(
    session: AsyncSession,
    ticket_id: int,
    items: tuple[NewAttachment, ...],
    role: AttachmentRole,
    actor: Actor,
    now: datetime,
) -> list[Attachment]:
    """Add the attachments to the caller's transaction."""
    rows = [
        Attachment(
            ticket_id=ticket_id, kind=item.kind.value, role=role.value, platform=item.platform,
            platform_ref=item.platform_ref, sha256=item.sha256, mime=item.mime, size=item.size,
            stored_path=item.stored_path, citizen_path=item.citizen_path, caption=item.caption,
            fetch_error=item.fetch_error,
            added_by_kind=actor.kind, added_by_id=actor.id, created_at=now,
        )
        for item in items
    ]
    session.add_all(rows)
    return rows
