"""The case page's "before and after": the report's first photo and the proof side by side, the same image
the citizen's "selesai" message carries (core/images.kept_pair: the same file under media/pairs), so
whichever of the two asks first makes it and the other reuses it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select

from core.context import Context
from core.db.models import Attachment, Citizen, Ticket, TicketEvent
from core.images import kept_pair
from core.media_files import on_disk
from core.texts import text


def pair_photos(media_dir: Path, events: Iterable[TicketEvent], rows: Iterable[Attachment]) -> tuple[Path, Path] | None:
    """The report's first photo (when its file is here) and the first photo of the latest resolution that
    is here, as the reporter bot picks them (reporter_bot/render.py: the citizen's copy of a photo when one
    was made); None when either is missing."""
    rows = list(rows)
    first = next((a for a in rows if a.role == "report" and a.kind == "photo" and a.stored_path), None)
    before = on_disk(media_dir, first.stored_path) if first else None
    resolved = next((e for e in reversed(list(events)) if e.action == "resolve"), None)
    proof_ids = {int(i) for i in (resolved.data.get("attachment_ids") or ())} if resolved else set()
    after = next((path for a in rows if a.id in proof_ids and a.kind == "photo"
                  if (path := on_disk(media_dir, a.citizen_path or a.stored_path)) is not None), None)
    return (before, after) if before is not None and after is not None else None


async def pair_of(here: Context, ticket: Ticket, media_dir: Path) -> Path | None:
    """The before/after image of the case (made now if neither the reporter bot nor a viewer made it yet),
    labelled in the citizen's language as their copy is; None when the case has no such pair."""
    async with here.sessions() as session:
        events = await session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                                 TicketEvent.action == "resolve")
                                       .order_by(TicketEvent.id))
        rows = await session.scalars(select(Attachment).where(Attachment.ticket_id == ticket.id,
                                                              Attachment.kind == "photo").order_by(Attachment.id))
        photos = pair_photos(media_dir, events, rows)
        locale = await session.scalar(select(Citizen.locale).where(Citizen.id == ticket.reporter_id)) or "id"
    if photos is None:
        return None
    before, proof = photos
    labels = (text("wa.pair.before", locale), text("wa.pair.after", locale))
    return await asyncio.to_thread(kept_pair, media_dir, ticket.id, before, proof, labels)
