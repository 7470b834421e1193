"""Proof against the place where the profile requires the officer's location: asked for until given; a live
location counts; a report with an address only is measured from its desa's centre."""

from __future__ import annotations

import pytest

from core.context import Context
from core.domain.lifecycle import TicketState
from core.profile import Desa
from tests.core.story import ticket
from tests.officer.conftest import World
from tests.officer.test_proof_place import in_progress, resolve_event
from tests.simulator.telegram_fixtures import png


@pytest.fixture
def ctx(ctx: Context) -> Context:
    """The sample profile asking for the location (required), Bajeng given a centre."""
    desa = [Desa.model_validate({**d.model_dump(), "centroid": (-5.41, 119.61)}) if d.name == "Bajeng" else d
            for d in ctx.profile.desa]
    profile = ctx.profile.model_copy(update={"proof_location": "required", "desa": desa})
    return Context(sessions=ctx.sessions, profile=profile, clock=ctx.clock, outbox=ctx.outbox)


async def test_a_required_location_is_asked_for_and_the_photo_kept_meanwhile(world: World) -> None:
    tid, prompt = await in_progress(world)
    assert "wajib" in (prompt.text or "")
    await world.officer.sends_photo(world.field, png(shade=200), caption="Lampu sudah menyala", reply_to=prompt)
    asked = await world.field.wait_for(lambda m: m.from_bot and "kirim juga lokasi Anda" in (m.text or ""))
    assert (await ticket(world.ctx, tid)).state == TicketState.IN_PROGRESS
    await world.officer.shares_location(world.field, -5.4003, 119.6, reply_to=asked)
    await world.card(world.field, "PTL-000001", "Selesai dikerjakan", "📍 Bukti dari 33 m lokasi laporan")
    assert (await resolve_event(world.ctx, tid))["proof_far"] is False


async def test_a_live_location_counts_and_an_address_only_report_is_measured_from_the_desa(world: World) -> None:
    tid, prompt = await in_progress(world, latitude=None, longitude=None)  # Bajeng, no point
    await world.officer.shares_location(world.field, -5.41, 119.6105, reply_to=prompt, live_period=900)
    asked = await world.field.wait_for(lambda m: m.from_bot and (m.text or "").startswith("Untuk menyelesaikan"))
    await world.officer.sends_photo(world.field, png(shade=9), caption="Sudah diperbaiki", reply_to=asked)
    await world.card(world.field, "PTL-000001", "📍 Bukti dari 55 m pusat desa")
    data = await resolve_event(world.ctx, tid)
    assert data["proof_against"] == "desa" and data["proof_far"] is False
