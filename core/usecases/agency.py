"""What an agency a case was forwarded to does (in its group), and what the desk records for one without:
take the case, give it back to the kecamatan, and — for an agency with no group — its news and its answer.

Its progress notes and its "done" go through the field's use cases (`add_progress`, `resolve_ticket`):
the lifecycle lets an agency take them on a case forwarded to it.
"""

from __future__ import annotations

import re

from core.context import Context
from core.domain.errors import InvalidInput
from core.domain.lifecycle import Action
from core.domain.people import Actor
from core.usecases._ticket import agency_facts, lock_ticket, transition


async def agency_accept(ctx: Context, actor: Actor, ticket_id: int) -> str:
    """Terima: the agency takes the case (the first of its members to tap; the others hear who did)."""
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        agency = agency_facts(ctx, ticket.forward_agency)
        await transition(ctx, session, ticket, Action.AGENCY_ACCEPT, actor, {**agency, "by": actor.name})
        ticket.agency_holder, ticket.agency_accepted_at = actor.name[:100], ctx.now()
        return ticket.number


async def return_to_kecamatan(ctx: Context, actor: Actor, ticket_id: int, reason: str) -> str:
    """Kembalikan: the agency gives the case back (not theirs, cannot be done), or the desk takes it back;
    the desk decides again (verify, forward elsewhere, reject) on a fresh verification clock."""
    if not reason.strip():
        raise InvalidInput("giving a case back needs a reason", field="reason")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        agency = agency_facts(ctx, ticket.forward_agency)
        await transition(ctx, session, ticket, Action.RETURN, actor, {**agency, "reason": reason.strip()})
        ticket.forward_agency = ticket.agency_holder = ticket.agency_accepted_at = None
        return ticket.number


# A reference in an agency's news: a marker word, at most two words, then a code with a digit in it of three
# characters or more ("No. 123/PLN", "nomor pengaduan PLN 7781", "rujukan: PU-12"; not "nomor 2 tiang").
REFERENCE = re.compile(r"\b(?:no|nomor|rujukan|referensi|ref)\b\.?\s*[:#]?\s*(?:[^\W\d_]+\s+){0,2}?"
                       r"(?=[\w./-]*\d)([\w][\w./-]{2,})", re.IGNORECASE)
PHONE = re.compile(r"(?:\+?62|0)\d{7,}")  # "nomor HP 0812…" names a phone, never a reference


def reference_in(note: str) -> str | None:
    """The agency's reference number a note gives, if it gives one."""
    for found in REFERENCE.finditer(note):
        if not PHONE.fullmatch(found[1]):
            return found[1].rstrip("./-")[:100]
    return None


async def record_agency_update(ctx: Context, actor: Actor, ticket_id: int, note: str) -> None:
    """The desk writes down what an agency without a group said (its reference, its progress); the
    citizen is told. A reference the note gives ("No. 123/PLN") becomes the case's reference when the
    forward stored none (one given at forwarding is kept)."""
    if not note.strip():
        raise InvalidInput("an agency's news needs words", field="note")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        agency = agency_facts(ctx, ticket.forward_agency)
        reference = None if ticket.forward_reference else reference_in(note)
        data = {**agency, "note": note.strip()} | ({"reference": reference} if reference else {})
        await transition(ctx, session, ticket, Action.AGENCY_UPDATE, actor, data)
        if reference:
            ticket.forward_reference = reference


async def record_agency_answer(ctx: Context, actor: Actor, ticket_id: int, answer: str) -> None:
    """The desk writes down the agency's final answer: the case is done as far as the agency goes, and
    the citizen is asked whether it is fixed (as after an officer's "selesai")."""
    if not answer.strip():
        raise InvalidInput("an agency's answer needs words", field="note")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        agency = agency_facts(ctx, ticket.forward_agency)
        await transition(ctx, session, ticket, Action.AGENCY_ANSWER, actor,
                         {**agency, "note": answer.strip()})
        ticket.resolved_at = ctx.now()
