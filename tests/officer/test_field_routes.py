"""Field work by desa and trade: a verified case's card goes to the field group its desa and category name
(`telegram.field_routes`, first match), the rest to the first field group; a bad route is refused on load."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.context import Context
from core.profile import SAMPLE_PROFILE, Profile
from core.usecases.corrections import correct_ticket
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from simulator.telegram import SimChat, TelegramSimulator
from tests.core.story import cast, report
from tests.officer.conftest import TOKEN, bot_for, settled

BAJENG_GROUP, LIGHTS_GROUP = -1001000000102, -1001000000103


def routed(routes: list[dict[str, object]]) -> Profile:
    """The sample profile's file with three field groups (the first the default) and these routes."""
    data = tomllib.loads(SAMPLE_PROFILE.read_text(encoding="utf-8"))
    data["telegram"]["field_chat_ids"] = [data["telegram"]["field_chat_ids"][0], BAJENG_GROUP, LIGHTS_GROUP]
    data["telegram"]["field_routes"] = routes
    data["daily_ticket_limit"] = 100
    return Profile.model_validate(data)


ROUTES: list[dict[str, object]] = [
    {"chat_id": BAJENG_GROUP, "desa": ["Bajeng"], "categories": ["sampah", "drainase"]},
    {"chat_id": LIGHTS_GROUP, "categories": ["lampu_jalan"]},
    {"chat_id": BAJENG_GROUP, "desa": ["bajeng", "Pappa"]},
]


@pytest.fixture
def here(ctx: Context) -> Context:
    return Context(sessions=ctx.sessions, profile=routed(ROUTES), clock=ctx.clock, outbox=ctx.outbox)


@pytest.fixture
async def groups(here: Context, tmp_path: Path) -> AsyncIterator[dict[str, SimChat]]:
    chats = here.profile.telegram
    async with TelegramSimulator(token=TOKEN) as sim:
        found = {"desk": sim.group("Meja", chat_id=chats.desk_chat_id),
                 "default": sim.group("Lapangan umum", chat_id=chats.field_chat_ids[0]),
                 "bajeng": sim.group("Lapangan Bajeng", chat_id=BAJENG_GROUP),
                 "lights": sim.group("Tukang listrik", chat_id=LIGHTS_GROUP)}
        bot = bot_for(here, sim, tmp_path / "media")
        await bot.start()
        try:
            yield found
            assert sim.unanswered_callbacks() == []
        finally:
            await bot.stop()


def cards_in(chat: SimChat) -> list[str]:
    return sorted((m.text or "").split(" ·")[0] for m in chat.messages if m.from_bot and " · " in (m.text or ""))


async def test_each_verified_case_goes_to_the_group_its_desa_and_category_name(
        here: Context, groups: dict[str, SimChat]) -> None:
    people = await cast(here)
    cases = [("sampah", "Bajeng"),  # desa and category: the first route
             ("lampu_jalan", "Bajeng"),  # Bajeng, but not rubbish: the lights route comes first
             ("lampu_jalan", "Salaka"),  # lights anywhere
             ("pohon", "Pappa"),  # the third route, by desa alone
             ("pohon", "Salaka")]  # nothing matches: the default group
    for category, desa in cases:
        tid = await report(here, people.reporter, f"{category} di {desa}", category=category, desa=desa)
        await verify_ticket(here, people.verifier, tid)
    await settled(here)
    assert cards_in(groups["bajeng"]) == ["PTL-000001", "PTL-000004"]
    assert cards_in(groups["lights"]) == ["PTL-000002", "PTL-000003"]
    assert cards_in(groups["default"]) == ["PTL-000005"]
    assert len(cards_in(groups["desk"])) == 5  # the desk still sees every case


@pytest.mark.parametrize(("route", "says"), [
    ({"chat_id": -1009999, "desa": ["Bajeng"]}, "chat -1009999 is not one of telegram.field_chat_ids"),
    ({"chat_id": BAJENG_GROUP, "desa": ["Bajen"]}, "desa 'Bajen' not in this profile's desa"),
    ({"chat_id": BAJENG_GROUP, "categories": ["lampu"]}, "categories 'lampu' not in this profile's categories"),
    ({"chat_id": BAJENG_GROUP}, "names no desa and no category"),
])
def test_a_route_naming_what_the_profile_lacks_is_refused_with_where(route: dict[str, object], says: str) -> None:
    with pytest.raises(ValidationError) as refused:
        routed([ROUTES[0], route])
    assert says in str(refused.value)
    if "chat" not in says and "names no" not in says:
        assert "telegram.field_routes[1]" in str(refused.value)


async def test_a_waiting_case_corrected_to_another_desa_moves_to_that_group(
        here: Context, groups: dict[str, SimChat]) -> None:
    """The desk corrects the desa of a case waiting in the default group: its card goes to Bajeng's group and
    the old card says where it went, without buttons; once taken, a correction moves nothing."""
    people = await cast(here)
    tid = await report(here, people.reporter, "Pohon tumbang", category="pohon", desa="Salaka")
    await verify_ticket(here, people.verifier, tid)
    await settled(here)
    [old] = [m for m in groups["default"].messages if m.from_bot and (m.text or "").startswith("PTL-000001 ·")]
    await correct_ticket(here, people.verifier, tid, desa="Pappa")  # the third route: Bajeng's group
    await settled(here)
    assert cards_in(groups["bajeng"]) == ["PTL-000001"]
    moved = next(m for m in groups["default"].messages if m.message_id == old.message_id)
    assert moved.text == ("PTL-000001 dipindahkan ke grup petugas lapangan lain (desa Pappa), sesuai pembagian "
                          "wilayah.") and not moved.buttons
    assert "Desa/Kel.: Pappa" in (groups["bajeng"].messages[-1].text or "")

    await accept_ticket(here, people.officer, tid)
    await correct_ticket(here, people.verifier, tid, desa="Salaka")  # in progress: the card stays with its officer
    await settled(here)
    assert cards_in(groups["default"]) == [] and cards_in(groups["bajeng"]) == ["PTL-000001"]
