"""What field officers do: accept, release, report progress, resolve with proof."""

from __future__ import annotations

from typing import Any

from core.context import Context
from core.domain.errors import InvalidInput, ProofLocationRequired, ProofRequired
from core.domain.lifecycle import Action
from core.domain.people import Actor
from core.domain.proof import Point, proof_place, valid_point
from core.domain.reports import AttachmentKind, AttachmentRole, NewAttachment
from core.usecases._ticket import lock_ticket, transition
from core.usecases.attachments import attach


async def accept_ticket(ctx: Context, actor: Actor, ticket_id: int) -> str:
    """Take the ticket; the first officer wins, the others get AlreadyTaken naming the winner."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.ACCEPT, actor, {"officer": actor.name})
        ticket.assignee_id, ticket.accepted_at = actor.id, ctx.now()
        return ticket.number


async def release_ticket(ctx: Context, actor: Actor, ticket_id: int) -> None:
    """Give the ticket back to the field group for another officer."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.RELEASE, actor)
        ticket.assignee_id = None


async def add_progress(ctx: Context, actor: Actor, ticket_id: int, note: str,
                       attachments: tuple[NewAttachment, ...] = ()) -> None:
    """Post a progress note and/or photos; the citizen sees them."""
    if not note.strip() and not attachments:
        raise InvalidInput("progress needs a note or a photo", field="note")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        rows = attach(session, ticket.id, attachments, AttachmentRole.PROGRESS, actor, ctx.now())
        await session.flush()
        await transition(ctx, session, ticket, Action.ADD_PROGRESS, actor,
                         {"note": note.strip(), "attachment_ids": [r.id for r in rows]})


async def resolve_ticket(ctx: Context, actor: Actor, ticket_id: int, note: str,
                         attachments: tuple[NewAttachment, ...], at: Point | None = None,
                         at_from: str = "location") -> None:
    """Mark the work done: needs a short note and at least one "after" photo as proof (an agency's
    "selesai" needs the note; its photo is welcome, not required). `at`: where the officer was; measured
    against the report's place and kept with the event (core/domain/proof.py), far proof flagged to the
    desk; the profile may require it of officers. `at_from`: "location" (shared) or "exif" (a photo's)."""
    photo = any(a.kind is AttachmentKind.PHOTO for a in attachments)
    if not note.strip() or not (photo or actor.kind == "agency"):
        raise ProofRequired(has_note=bool(note.strip()))
    mode = ctx.profile.proof_location
    if at is not None and not valid_point(*at):
        raise InvalidInput("not a place on Earth", field="location")
    if mode == "required" and at is None and actor.kind != "agency":
        raise ProofLocationRequired(has_note=True)
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        rows = attach(session, ticket.id, attachments, AttachmentRole.PROOF, actor, ctx.now())
        await session.flush()
        data: dict[str, Any] = {"note": note.strip(), "attachment_ids": [r.id for r in rows]}
        if at is not None and mode != "off":
            desa = ctx.profile.desa_named(ticket.desa or "")
            reported = (ticket.latitude, ticket.longitude) if ticket.latitude is not None \
                and ticket.longitude is not None else None
            place = proof_place(at, reported, desa.centroid if desa else None, ctx.profile.proof_near_m)
            data |= (place.to_data() if place else {"proof_at": list(at)}) | {"proof_from": at_from}
        await transition(ctx, session, ticket, Action.RESOLVE, actor, data)
        ticket.resolved_at = ctx.now()
