"""The notices table covers every action: each one, taken for real, tells each party exactly what the table says."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.context import Context
from core.db.models import OutboxMessage, TicketEvent
from core.domain.lifecycle import ASSIGNEE_ONLY, Action, Chat, ReportType, TicketState
from core.domain.notices import NOTICES, SUBMIT, Post, owed
from core.usecases import oversight
from core.usecases.citizen import citizen_actor, follow_ticket
from tests.core.story import cast, report
from tests.core.test_transitions import CALLS, _ticket_in, first_place


def test_the_table_names_every_action_and_the_submission() -> None:
    assert set(NOTICES) == {a.value for a in Action} | {SUBMIT}


async def _told(ctx: Context, event: TicketEvent) -> tuple[dict[str, str], dict[str, str]]:
    """What the event's outbox rows say: citizen recipient -> kind, and staff chat -> what it is sent."""
    async with ctx.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"event:{event.id}:%"))))
    citizens = {r.recipient: r.kind for r in rows if r.channel == "whatsapp"}
    [card] = [r for r in rows if r.channel == "telegram"]
    assert (card.kind, card.recipient) == ("ticket.changed", f"ticket:{event.ticket_id}")
    return citizens, card.data["staff"]


async def _citizen_data(ctx: Context, event: TicketEvent) -> dict[str, dict[str, object]]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).where(
            OutboxMessage.dedupe_key.like(f"event:{event.id}:whatsapp:%")))
        return {r.recipient: r.data for r in rows}


async def _last_event(ctx: Context, ticket_id: int) -> TicketEvent:
    async with ctx.sessions() as session:
        found = await session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                     .order_by(TicketEvent.id.desc()).limit(1))
        assert found is not None
        return found


@pytest.mark.parametrize("action", list(Action))
async def test_each_action_tells_exactly_whom_the_table_names(ctx: Context, action: Action) -> None:
    people = await cast(ctx)
    follower = await citizen_actor(ctx, "085200001111", "Pengikut", inbound=True)
    kind, state = (ReportType.COMPLAINT, TicketState.IN_PROGRESS) if action in ASSIGNEE_ONLY else first_place(action)
    tid = await _ticket_in(ctx, people, state, kind)
    await follow_ticket(ctx, follower, tid)
    who, call = CALLS[action]
    await call(ctx, getattr(people, who), tid, people)
    event = await _last_event(ctx, tid)
    assert event.action == action.value
    citizens, staff = await _told(ctx, event)

    notice = NOTICES[action]
    due = owed(action, TicketState(event.to_state), event.data)
    said = notice.citizen if notice.only_if is None or event.data.get(notice.only_if) else None
    expected = {f"citizen:{people.reporter.id}": said} if said else {}
    if said and notice.followers:
        expected[f"citizen:{follower.id}"] = said
    assert citizens == expected
    asked = {r: d.get("asks") for r, d in (await _citizen_data(ctx, event)).items()}
    assert asked == {r: (str(notice.asks) if notice.asks and r == f"citizen:{people.reporter.id}" else None)
                     for r in expected}  # only the reporter is asked back
    assert (due.reporter, due.followers) == (said, said if notice.followers else None)
    assert staff == {str(c): str(p) for c, p in due.staff.items()}
    if action is not Action.ESCALATE:  # a chat told only on a flag (an agency's group, when it has one)
        shown = notice.staff if notice.staff_if is None or event.data.get(notice.staff_if) else {}
        assert staff == {str(c): str(p) for c, p in shown.items()}


async def test_an_escalation_reminds_the_late_chat_then_goes_to_the_camat(ctx: Context) -> None:
    people = await cast(ctx)
    for state, late in ((TicketState.RECEIVED, Chat.DESK), (TicketState.IN_PROGRESS, Chat.FIELD)):
        tid = await _ticket_in(ctx, people, state)
        await oversight.escalate_ticket(ctx, people.system, tid, 1)
        assert (await _told(ctx, await _last_event(ctx, tid)))[1] == {late.value: Post.REMINDER.value}
        await oversight.escalate_ticket(ctx, people.system, tid, 2)
        assert (await _told(ctx, await _last_event(ctx, tid)))[1] == {Chat.CAMAT.value: Post.CARD.value}


async def test_a_submission_tells_the_reporter_and_puts_the_report_on_the_desk(ctx: Context) -> None:
    people = await cast(ctx)
    tid = await report(ctx, people.reporter)
    citizens, staff = await _told(ctx, await _last_event(ctx, tid))
    assert citizens == {f"citizen:{people.reporter.id}": "ticket.received"}
    assert staff == {Chat.DESK.value: Post.EXTRAS.value}
