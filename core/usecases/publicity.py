"""Whether the public may see the citizen's own photos of a case: the desk's mark, never for a confidential case.

The officer's proof photo of a public case is always public (`public.view`); the citizen's report photos only
once someone at the desk (a verifier, the camat, an admin) has looked at them and marked the case so.
"""

from __future__ import annotations

from core.context import Context
from core.domain.errors import Refused
from core.domain.lifecycle import PHOTO_MARKERS
from core.domain.people import Actor
from core.domain.reports import Privacy
from core.usecases._ticket import lock_ticket, new_event

MARKERS = PHOTO_MARKERS  # the role set lives in the lifecycle's table of who does what


class NotYourMark(Refused):
    """Only the desk, the camat and admins decide what of a citizen's report the public sees."""

    code = "error.not_allowed"


class ConfidentialPhotos(Refused):
    """A confidential case is never public, nor are its photos."""

    code = "error.photos_confidential"


async def mark_citizen_photos(ctx: Context, actor: Actor, ticket_id: int, public: bool) -> bool:
    """Mark (or unmark) the case's own photos as public, with an audit event; False if it already was so."""
    if not actor.roles & MARKERS:
        raise NotYourMark(ticket=ticket_id)
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        if public and ticket.privacy == Privacy.CONFIDENTIAL.value:
            raise ConfidentialPhotos(number=ticket.number)
        if ticket.citizen_photos_public == public:
            return False
        ticket.citizen_photos_public = public
        session.add(new_event(ticket.id, "photos_public" if public else "photos_private", actor, ticket.state,
                              ticket.state, {}, ctx.now()))
        return True
