"""The people of the test kecamatan and a few verbs, so tests read like what happens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from core.context import Context
from core.db.models import OutboxMessage, Ticket, TicketEvent
from core.domain.lifecycle import Role, TicketState
from core.domain.people import Actor
from core.domain.reports import AttachmentKind, NewAttachment, NewReport
from core.usecases.citizen import citizen_actor, submit_ticket
from core.usecases.staff import add_staff

PHOTO = NewAttachment(AttachmentKind.PHOTO, "telegram", "file-after-1", mime="image/jpeg", size=1234)


AGENCY = "pln"


@dataclass(frozen=True)
class Cast:
    verifier: Actor
    officer: Actor
    officer2: Actor
    camat: Actor
    admin: Actor
    kabupaten_admin: Actor
    inspektorat: Actor
    agency: Actor  # a member of PLN's group (the sample profile names PLN; code "pln")
    reporter: Actor
    neighbour: Actor
    system: Actor


async def cast(ctx: Context) -> Cast:
    """Register the kecamatan's staff and two citizens."""
    async def staff(tid: int, name: str, *roles: Role) -> Actor:
        row = await add_staff(ctx, tid, name, frozenset(roles))
        return Actor.staff(row.id, row.name, frozenset(roles))

    return Cast(
        verifier=await staff(1001, "Andi Verifikator", Role.VERIFIER),
        officer=await staff(2001, "Baso Petugas", Role.OFFICER),
        officer2=await staff(2002, "Cakra Petugas", Role.OFFICER),
        camat=await staff(3001, "Pak Camat", Role.CAMAT),
        admin=await staff(9001, "Admin", Role.ADMIN),
        kabupaten_admin=await staff(9101, "Admin Kabupaten", Role.KABUPATEN_ADMIN),
        inspektorat=await staff(9201, "Inspektorat", Role.INSPECTOR),
        agency=Actor.of_agency(AGENCY, "Pak Listrik (PLN)"),
        reporter=await citizen_actor(ctx, "081234567890", "Daeng Ngalle", inbound=True),
        neighbour=await citizen_actor(ctx, "+62 813 0000 1111", "Tetangga", inbound=True),
        system=Actor.system(),
    )


async def report(ctx: Context, who: Actor, text: str = "Lampu jalan mati di depan masjid", **kw: Any) -> int:
    """The citizen submits a report (street light in Bajeng unless told otherwise); its ticket id."""
    fields = {"category": "lampu_jalan", "desa": "Bajeng", "latitude": -5.4, "longitude": 119.6} | kw
    return (await submit_ticket(ctx, who, NewReport(description=text, **fields))).ticket_id


async def force_state(ctx: Context, ticket_id: int, state: TicketState, assignee: Actor | None = None) -> None:
    """Put a ticket straight into a state, as if its history had happened (a forwarded one is with PLN)."""
    async with ctx.sessions.begin() as session:
        await session.execute(update(Ticket).where(Ticket.id == ticket_id).values(
            state=state.value, assignee_id=assignee.id if assignee else None,
            forward_agency=AGENCY if state is TicketState.FORWARDED else None))


async def ticket(ctx: Context, ticket_id: int) -> Ticket:
    async with ctx.sessions() as session:
        found = await session.get(Ticket, ticket_id)
        assert found is not None
        return found


async def snapshot(ctx: Context, ticket_id: int) -> tuple[dict[str, Any], int, int]:
    """The ticket's columns and how many audit events and outbox rows exist: to prove nothing changed."""
    async with ctx.sessions() as session:
        row = await session.get(Ticket, ticket_id)
        assert row is not None
        columns = {c.key: getattr(row, c.key) for c in Ticket.__table__.columns}
        events = await session.scalar(
            select(func.count()).select_from(TicketEvent).where(TicketEvent.ticket_id == ticket_id))
        outbox = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id))
        return columns, events or 0, outbox or 0


async def outbox(ctx: Context, ticket_id: int | None = None) -> list[OutboxMessage]:
    async with ctx.sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if ticket_id is not None:
            query = query.where(OutboxMessage.ticket_id == ticket_id)
        return list(await session.scalars(query))
