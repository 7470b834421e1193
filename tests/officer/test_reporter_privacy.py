"""A reporter who chose Anonim or Rahasia is never named to staff, nor their number shown, in /tiket."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.db.models import TicketEvent
from core.domain.lifecycle import TicketState
from core.domain.reports import Privacy
from core.usecases.citizen import citizen_answers, confirm_fixed
from core.usecases.desk import ask_citizen
from tests.core.story import force_state, report
from tests.officer.conftest import World

NAME, NUMBERS = "Daeng Ngalle", ("081234567890", "6281234567890", "0812****890", "1234567890")


@pytest.mark.parametrize("privacy", [Privacy.ANONYMOUS, Privacy.CONFIDENTIAL])
async def test_ticket_history_names_no_anonymous_reporter(world: World, privacy: Privacy) -> None:
    reporter = world.cast.reporter  # registered with the WhatsApp profile name "Daeng Ngalle"
    tid = await report(world.ctx, reporter, "Ada keributan tiap malam", privacy=privacy)
    await ask_citizen(world.ctx, world.cast.verifier, tid, "Jam berapa biasanya?")
    await citizen_answers(world.ctx, reporter, tid, "Jam sebelas malam")
    await force_state(world.ctx, tid, TicketState.RESOLVED)
    await confirm_fixed(world.ctx, reporter, tid)
    async with world.ctx.sessions() as session:
        names = set(await session.scalars(select(TicketEvent.actor_name).where(TicketEvent.actor_kind == "citizen")))
    assert names == {""}  # core writes no citizen's name into the trail (nor into the outbox rows made from it)
    async with world.ctx.sessions.begin() as session:  # a row written before names left the trail
        session.add(TicketEvent(ticket_id=tid, action="citizen_answers", actor_kind="citizen", actor_id=reporter.id,
                                actor_name=NAME, from_state="closed", to_state="closed", data={},
                                created_at=world.ctx.now()))

    await world.verifier.sends(world.desk, "/tiket PTL-000001")
    history = await world.desk.wait_for(lambda m: m.from_bot and "Riwayat:" in (m.text or ""))
    body = history.text or ""
    assert "dilaporkan · pelapor" in body and "pelapor menjawab · pelapor" in body
    assert "pelapor ditanya · Andi Verifikator" in body
    assert NAME not in body and not any(n in body for n in NUMBERS)
