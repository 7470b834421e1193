"""What the verification desk does: verify, reject, merge duplicates, forward, ask the citizen; record an
aspiration's outcome; answer a request for information."""

from __future__ import annotations

from typing import Any

from core.context import Context
from core.db.models import Ticket
from core.domain.errors import InvalidInput, MissingDetails
from core.domain.lifecycle import OPEN_STATES, Action, TicketState
from core.domain.people import Actor
from core.domain.reports import MUSRENBANG, AttachmentKind, AttachmentRole, NewAttachment, Outcome
from core.musrenbang import planning_years
from core.usecases._ticket import agency_facts, lock_ticket, transition
from core.usecases.attachments import attach
from core.usecases.corrections import record_correction, set_details
from core.usecases.duty import next_on_duty, nobody_on_duty
from core.usecases.follows import add_follower


async def verify_ticket(
    ctx: Context, actor: Actor, ticket_id: int, category: str | None = None, desa: str | None = None
) -> Ticket:
    """Confirm a report is real; category and desa must be known (given now or already set).

    Changing a value the citizen picked is a correction, audited as one (verifying restarts the clock
    under the new category, and the citizen's "verified" message gives the new deadline).
    """
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        changes = set_details(ctx, ticket, category, desa)
        corrected = {field: change for field, change in changes.items() if change[0] is not None}
        if corrected:
            await record_correction(ctx, session, ticket, actor, corrected, sla_changed=False)
        missing = [f for f in ("category", "desa") if not getattr(ticket, f)]
        if missing and TicketState(ticket.state) is TicketState.RECEIVED:
            raise MissingDetails(number=ticket.number, fields=missing)
        data: dict[str, Any] = {"category": ticket.category, "desa": ticket.desa}
        # the card says so too; the desk is told (notices table)
        if await nobody_on_duty(ctx, ticket.desa, ticket.category):
            data["nobody_on_duty"] = True
            starts = await next_on_duty(ctx, ticket.desa, ticket.category)
            if starts is not None and starts > ctx.now():  # the accept clock runs from the next shift
                data["clock_from"] = starts.isoformat()
        await transition(ctx, session, ticket, Action.VERIFY, actor, data)
        ticket.verified_at = ctx.now()
        return ticket


async def reject_ticket(ctx: Context, actor: Actor, ticket_id: int, reason: str) -> None:
    """Turn a report down, telling the citizen why."""
    if not reason.strip():
        raise InvalidInput("a rejection needs a reason", field="reason")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.REJECT, actor, {"reason": reason.strip()})
        ticket.reject_reason = reason.strip()
        ticket.closed_at = ctx.now()


async def mark_duplicate(ctx: Context, actor: Actor, ticket_id: int, original_id: int) -> None:
    """Merge a report into an open original: its reporter follows the original from now on."""
    if original_id == ticket_id:
        raise InvalidInput("a ticket cannot duplicate itself", field="original")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        original = await lock_ticket(ctx, session, original_id)
        if TicketState(original.state) not in OPEN_STATES:
            raise InvalidInput("the original is no longer open", number=original.number)
        await transition(ctx, session, ticket, Action.MARK_DUPLICATE, actor,
                         {"original_id": original.id, "original_number": original.number})
        ticket.duplicate_of_id = original.id
        ticket.closed_at = ctx.now()
        await add_follower(session, ctx, original, ticket.reporter_id, actor, via="duplicate")


async def forward_ticket(ctx: Context, actor: Actor, ticket_id: int, agency: str, reference: str = "") -> None:
    """Hand the report to an outside agency (a dinas, PDAM, PLN, ...) of the kabupaten file, by its code.

    The case gets the agency's follow-up time as its stage clock (reminders and escalation as any stage);
    an agency with a group gets the case's card there, one without is chased by the desk.
    """
    found = ctx.kabupaten.agency(agency)
    if found is None:
        raise InvalidInput(f"unknown agency {agency!r}", field="agency")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        ticket.forward_agency, ticket.forward_reference = found.code, reference.strip()[:100] or None
        ticket.agency_holder = ticket.agency_accepted_at = None
        await transition(ctx, session, ticket, Action.FORWARD, actor,  # the clock: the agency's follow-up time
                         {**agency_facts(ctx, found.code), "reference": reference.strip()[:100],
                          "agency_group": found.has_group})


async def ask_citizen(ctx: Context, actor: Actor, ticket_id: int, question: str) -> None:
    """Relay a question from the desk or the field to the citizen."""
    if not question.strip():
        raise InvalidInput("empty question", field="question")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.ASK_CITIZEN, actor, {"question": question.strip()})


async def record_outcome(ctx: Context, actor: Actor, ticket_id: int, outcome: Outcome, note: str = "",
                         year: int | None = None, agency: str | None = None) -> Ticket:
    """What became of an aspiration: noted for a Musrenbang (of a planning year), passed on to the desa or
    to an agency, or already planned (saying what). The citizen is told in words and asked to rate."""
    data: dict[str, Any] = {"outcome": outcome.value}
    if outcome in MUSRENBANG:
        years = planning_years(ctx)
        if year not in years:
            raise InvalidInput(f"a Musrenbang needs its planning year ({years[0]} to {years[-1]})", field="year")
        data["year"] = year
    if outcome is Outcome.TO_AGENCY:
        found = ctx.kabupaten.agency(agency or "")
        if found is None:
            raise InvalidInput("no such agency", field="agency")
        data |= {"agency": found.code, "agency_name": found.name}
    if outcome is Outcome.PLANNED and not note.strip():
        raise InvalidInput("say what is planned or under way", field="note")
    if note.strip():
        data["note"] = note.strip()[:1000]
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        await transition(ctx, session, ticket, Action.RECORD_OUTCOME, actor, data)
        ticket.closed_at = ctx.now()
        return ticket


async def answer_info(ctx: Context, actor: Actor, ticket_id: int, note: str,
                      attachments: tuple[NewAttachment, ...] = ()) -> Ticket:
    """The desk's answer to a request for information (words, and a photo or a document if it helps),
    relayed to the citizen, who says whether it answered the question."""
    shown = (AttachmentKind.PHOTO, AttachmentKind.DOCUMENT)
    if not note.strip() and not any(a.kind in shown for a in attachments):
        raise InvalidInput("an answer needs words, a photo or a document", field="answer")
    async with ctx.sessions.begin() as session:
        ticket = await lock_ticket(ctx, session, ticket_id)
        rows = attach(session, ticket.id, attachments, AttachmentRole.ANSWER, actor, ctx.now())
        await session.flush()
        await transition(ctx, session, ticket, Action.ANSWER, actor,
                         {"note": note.strip()[:2000], "attachment_ids": [r.id for r in rows]})
        ticket.resolved_at = ctx.now()
        return ticket
