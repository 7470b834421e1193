"""Where the profile turns the proof's location off: it is not asked for, and one shared anyway is neither
measured, shown nor recorded."""

from __future__ import annotations

import pytest

from core.context import Context
from core.domain.lifecycle import TicketState
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from tests.core.story import report, ticket
from tests.officer.conftest import World
from tests.officer.test_proof_place import resolve_event
from tests.simulator.telegram_fixtures import png


@pytest.fixture
def ctx(ctx: Context) -> Context:
    profile = ctx.profile.model_copy(update={"proof_location": "off"})
    return Context(sessions=ctx.sessions, profile=profile, clock=ctx.clock, outbox=ctx.outbox)


async def test_a_location_shared_when_off_is_ignored(world: World) -> None:
    tid = await report(world.ctx, world.cast.reporter)
    await verify_ticket(world.ctx, world.cast.verifier, tid)
    await accept_ticket(world.ctx, world.cast.officer, tid)
    card = await world.card(world.field, "PTL-000001", "Dikerjakan oleh Baso Petugas")
    await world.officer.taps(card, "Selesaikan")
    prompt = await world.field.wait_for(lambda m: m.from_bot and "foto sesudah" in (m.text or ""))
    assert "lokasi" not in (prompt.text or "")  # not asked
    await world.officer.shares_location(world.field, -5.42, 119.6, reply_to=prompt)  # 2.2 km away, shared anyway
    asked = await world.field.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Untuk menyelesaikan"))
    assert (await ticket(world.ctx, tid)).state == TicketState.IN_PROGRESS
    await world.officer.sends_photo(world.field, png(shade=200), caption="Lampu sudah menyala", reply_to=asked)
    done = await world.card(world.field, "PTL-000001", "Selesai dikerjakan")
    assert "Bukti" not in (done.text or "")
    data = await resolve_event(world.ctx, tid)
    assert not {"proof_distance_m", "proof_at", "proof_far", "proof_from"} & data.keys()
    await world.settled()
    assert not [m for m in world.desk.bot_messages if "bukti penyelesaian dikirim" in (m.text or "")]
