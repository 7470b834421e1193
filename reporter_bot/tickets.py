"""A citizen's submitted tickets: status, cancel, confirm or dispute the fix, rate, add messages."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from core.context import Context
from core.db.ids import is_id
from core.db.models import Follower, Ticket, TicketEvent
from core.domain.conversation import Step
from core.domain.errors import Refused
from core.domain.lifecycle import OPEN_STATES, Action
from core.domain.reports import Privacy
from core.texts import clip, refusal, when
from core.usecases.citizen import (
    cancel_ticket,
    citizen_answers,
    confirm_fixed,
    rate_ticket,
    report_not_fixed,
)
from core.usecases.held import held_for
from reporter_bot.draft import Draft
from reporter_bot.outgoing import Row, buttons, choice_list
from reporter_bot.turn import Turn

_OPEN = [s.value for s in OPEN_STATES]


async def open_tickets(ctx: Context, citizen_id: int, followed: bool = True) -> list[Ticket]:
    """The citizen's open tickets with this kecamatan (reported, and followed when asked), oldest first."""
    query = select(Ticket).where(Ticket.kecamatan == ctx.kecamatan, Ticket.state.in_(_OPEN))
    mine = Ticket.reporter_id == citizen_id
    if followed:
        follows = select(Follower.ticket_id).where(Follower.citizen_id == citizen_id)
        query = query.where(or_(mine, Ticket.id.in_(follows)))
    else:
        query = query.where(mine)
    async with ctx.sessions() as session:
        return list(await session.scalars(query.order_by(Ticket.id)))


@dataclass(frozen=True)
class Seen:
    """A ticket as one citizen may see it: in full if they reported it, else as its privacy allows."""

    ticket: Ticket
    reporter: bool

    @property
    def details(self) -> bool:
        """Category and officers' notes: a follower sees them only on a case that is not confidential."""
        return self.reporter or self.ticket.privacy != Privacy.CONFIDENTIAL


async def visible(ctx: Context, citizen_id: int, number: str) -> Seen | None:
    """The ticket with this number if the citizen reported or follows it and it is this kecamatan's,
    checked on every look (a follow made before followers were checked, or a merge into a confidential
    case, shows no more)."""
    async with ctx.sessions() as session:
        ticket = await session.scalar(select(Ticket).where(Ticket.number == number.strip().upper(),
                                                           Ticket.kecamatan == ctx.kecamatan))
        if ticket is None:
            return None
        if ticket.reporter_id == citizen_id:
            return Seen(ticket, reporter=True)
        follows = await session.get(Follower, (ticket.id, citizen_id))
        return Seen(ticket, reporter=False) if follows is not None else None


async def show_status(turn: Turn, number: str | None) -> None:
    """One ticket in detail, or the list of the citizen's open tickets (and reports held for the limit)."""
    ctx, t = turn.ctx, turn.t
    if number:
        seen = await visible(ctx, turn.actor.id or 0, number)
        if seen is None:
            turn.say(t("error.ticket_not_found"))
            return
        ticket = seen.ticket
        lines = [t("wa.status.detail", number=ticket.number, category=_category(turn, ticket, seen.details),
                   state=t(f"state.{ticket.state}"),
                   updated=when(ticket.updated_at, ctx.now(), ctx.profile.zone, turn.locale))]
        note = await _latest_note(ctx, ticket.id, seen.reporter) if seen.details else ""
        if note:
            lines.append(t("wa.status.note", note=clip(note, 500)))
        turn.say("\n".join(lines))
        return
    citizen_id = turn.actor.id or 0
    tickets, held = await open_tickets(ctx, citizen_id), await held_for(ctx, citizen_id)
    if not tickets and not held:
        turn.say(t("wa.status.none"))
        return
    items = [t("wa.status.item", number=ticket.number, state=t(f"state.{ticket.state}"),
               category=_category(turn, ticket, ticket.reporter_id == citizen_id
                                  or ticket.privacy != Privacy.CONFIDENTIAL))
             for ticket in tickets[-20:]]
    if held:
        items.append(t("wa.status.held", count=held))
    turn.say(t("wa.status.list", items="\n".join(items)))


def _category(turn: Turn, ticket: Ticket, details: bool) -> str:
    if not details:
        return turn.t("wa.status.confidential")
    category = turn.ctx.profile.category(ticket.category or "")
    return category.label_for(turn.locale) if category else turn.t("wa.status.no_category")


async def _latest_note(ctx: Context, ticket_id: int, reporter: bool) -> str:
    """The officers' latest word on the ticket; a question to the reporter is the reporter's alone."""
    keys = ("note", "question", "reason") if reporter else ("note", "reason")
    async with ctx.sessions() as session:
        events = await session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket_id, TicketEvent.actor_kind == "staff").order_by(TicketEvent.id.desc()))
        for event in events:
            for key in keys:
                if event.data.get(key):
                    return str(event.data[key])
    return ""


async def ask_cancel(turn: Turn, number: str | None) -> None:
    """Confirm before cancelling a submitted ticket (only possible before work starts)."""
    mine = await open_tickets(turn.ctx, turn.actor.id or 0, followed=False)
    if number:
        mine = [tk for tk in mine if tk.number == number.strip().upper()]
        if not mine:
            turn.say(turn.t("error.ticket_not_found"))
            return
    if len(mine) != 1:
        turn.say(turn.t("wa.status.no_draft") if not mine else turn.t("wa.menu.help_text"))
        return
    ticket = mine[0]
    turn.say(buttons(turn.t("wa.status.cancel_confirm", number=ticket.number),
                     (f"cancel:yes:{ticket.id}", turn.t("wa.status.cancel_yes")),
                     (f"cancel:no:{ticket.id}", turn.t("wa.status.cancel_no"))))


async def choose(turn: Turn, kind: str, value: str) -> bool:
    """Buttons about a submitted ticket; the use case's own outbox rows are the answer."""
    parts = value.split(":")
    if not is_id(parts[-1]):
        return False
    ticket_id, actor, ctx = int(parts[-1]), turn.actor, turn.ctx
    try:
        if kind == "fix":
            await confirm_fixed(ctx, actor, ticket_id)
        elif kind == "nofix":
            await report_not_fixed(ctx, actor, ticket_id)
        elif kind == "rate" and len(parts) == 2 and parts[0].isdigit():
            await rate_ticket(ctx, actor, ticket_id, int(parts[0]))
        elif kind == "cancel" and parts[0] == "yes":
            await cancel_ticket(ctx, actor, ticket_id)
        elif kind == "cancel" and parts[0] == "no":
            number = await _number(ctx, ticket_id)
            turn.say(turn.t("wa.status.cancel_kept", number=number))
        elif kind == "pick":  # only at Step.PICK_TICKET (steps.STEPS)
            await relay(turn, ticket_id, answer=False)
        else:
            return False
    except Refused as exc:
        turn.say(refusal(exc, turn.locale))
    return True


async def _number(ctx: Context, ticket_id: int) -> str:
    async with ctx.sessions() as session:
        return await session.scalar(select(Ticket.number).where(Ticket.id == ticket_id)) or "-"


async def waiting_question(ctx: Context, tickets: list[Ticket]) -> Ticket | None:
    """The ticket whose latest question from the officers the citizen has not answered yet."""
    async with ctx.sessions() as session:
        for ticket in reversed(tickets):
            last = await session.scalar(select(TicketEvent.action).where(
                TicketEvent.ticket_id == ticket.id,
                TicketEvent.action.in_([Action.ASK_CITIZEN.value, Action.CITIZEN_ANSWERS.value]),
            ).order_by(TicketEvent.id.desc()).limit(1))
            if last == Action.ASK_CITIZEN.value:
                return ticket
    return None


async def route_to_ticket(turn: Turn) -> bool:
    """After a report, a message (already in the draft) goes to the open ticket; False if there is none."""
    mine = await open_tickets(turn.ctx, turn.actor.id or 0, followed=False)
    if not mine:
        return False
    asked = await waiting_question(turn.ctx, mine)
    if asked is not None:
        await relay(turn, asked.id, answer=True)
        return True
    turn.step = Step.PICK_TICKET
    new = ("pick:new", turn.t("wa.ask.new_report"))
    if len(mine) <= 2:
        turn.say(buttons(turn.t("wa.ask.pick_ticket"), *[(f"pick:{tk.id}", tk.number) for tk in mine], new))
    else:
        rows = [Row(f"pick:{tk.id}", tk.number, clip(tk.description, 72)) for tk in mine[-9:]]
        turn.say(choice_list(turn.t("wa.ask.pick_ticket"), turn.t("wa.ask.pick_button"),
                             [(turn.t("wa.ask.pick_button"), [*rows, Row(*new)])]))
    return True


async def relay(turn: Turn, ticket_id: int, answer: bool) -> None:
    """Send the draft's text and files to the ticket's officers (an answer or more detail)."""
    d = turn.draft
    await citizen_answers(turn.ctx, turn.actor, ticket_id, d.description, d.attachments())
    number = await _number(turn.ctx, ticket_id)
    turn.draft, turn.step = Draft(), Step.IDLE
    turn.say(turn.t("wa.ask.answer_relayed" if answer else "wa.ask.relayed", number=number))
