"""Field work by desa and trade: a verified case's card goes to the field group its desa and category name
(`telegram.field_routes`, first match), the rest to the first field group; a bad route is refused on load."""

from __future__ import annotations

import asyncio
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from core.context import Context
from core.domain.errors import InvalidInput
from core.domain.lifecycle import Role
from core.domain.people import Actor
from core.profile import SAMPLE_PROFILE, Profile
from core.usecases.corrections import correct_ticket
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from core.usecases.oversight import reassign_ticket
from core.usecases.staff import add_staff, list_staff, staff_history
from simulator.telegram import SimChat, TelegramSimulator
from tests.core.story import cast, report
from tests.core.test_cli import run
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
    # someone fits each group's cases (else the desk is told of each, and its posts are bundled)
    await add_staff(here, 2003, "Daeng Listrik", frozenset({Role.OFFICER}), categories=("lampu_jalan",))
    await add_staff(here, 2004, "Rudi Bajeng", frozenset({Role.OFFICER}), ("Bajeng", "Pappa"))
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


async def test_a_lights_case_names_only_the_electrician_and_a_desa_case_not_him(
        here: Context, groups: dict[str, SimChat]) -> None:
    """Officers' desa and trades decide whom a card names: the street lights group's card names the one
    electrician, not the officers with no trade; the default group's card names those, not him."""
    people = await cast(here)  # Baso and Cakra: officers with no desa and no trade
    await add_staff(here, 2003, "Daeng Listrik", frozenset({Role.OFFICER}), categories=("lampu_jalan",))
    await add_staff(here, 2004, "Rudi Salaka", frozenset({Role.OFFICER}), ("Salaka",))
    lights = await report(here, people.reporter, "Lampu mati", category="lampu_jalan", desa="Salaka")
    tree = await report(here, people.reporter, "Pohon tumbang", category="pohon", desa="Salaka")
    for tid in (lights, tree):
        await verify_ticket(here, people.verifier, tid)
    await settled(here)
    [lights_card] = [m.text or "" for m in groups["lights"].messages if (m.text or "").startswith("PTL-000001 ·")]
    assert "Bertugas: Daeng Listrik (0)\n" in lights_card and "Disarankan: Daeng Listrik" in lights_card
    [tree_card] = [m.text or "" for m in groups["default"].messages if (m.text or "").startswith("PTL-000002 ·")]
    assert "Bertugas: Baso Petugas (0), Cakra Petugas (0), Rudi Salaka (0)" in tree_card
    assert "Listrik" not in tree_card


async def test_an_officers_trades_are_checked_kept_and_audited(here: Context) -> None:
    await cast(here)
    with pytest.raises(InvalidInput):
        await add_staff(here, 2003, "Daeng Listrik", frozenset({Role.OFFICER}), categories=("lampu",))
    await add_staff(here, 2003, "Daeng Listrik", frozenset({Role.OFFICER}), categories=("lampu_jalan",))
    kept = await add_staff(here, 2003, "Daeng Listrik", frozenset({Role.OFFICER}), ("Bajeng",))  # trades stay
    assert kept.categories == ("lampu_jalan",) and kept.desa == ("Bajeng",)
    cleared = await add_staff(here, 2003, "Daeng Listrik", frozenset({Role.OFFICER}), categories=())
    assert cleared.categories == ()
    trail = [e.data.get("categories") for e in await staff_history(here, 2003)]
    assert trail == [["lampu_jalan"], ["lampu_jalan"], []]


async def test_a_taken_case_reassigned_to_an_officer_of_another_group_moves_there(
        here: Context, groups: dict[str, SimChat]) -> None:
    """Rudi (Bajeng and Pappa) holds a Pappa case in Bajeng's group; the camat gives it to Baso, who works in
    the default group: the card goes there and the old one says where it went, without buttons. Given back
    to Rudi, it returns; a reassign within the group moves nothing."""
    people = await cast(here)
    rudi = await add_staff(here, 2004, "Rudi Bajeng", frozenset({Role.OFFICER}), ("Bajeng", "Pappa"))
    tid = await report(here, people.reporter, "Pohon tumbang", category="pohon", desa="Pappa")
    await verify_ticket(here, people.verifier, tid)
    await accept_ticket(here, Actor.staff(rudi.id, rudi.name, frozenset({Role.OFFICER})), tid)
    await settled(here)
    [old] = [m for m in groups["bajeng"].messages if m.from_bot and (m.text or "").startswith("PTL-000001 ·")]

    await reassign_ticket(here, people.camat, tid, people.officer.id or 0)  # Baso
    await settled(here)
    moved = groups["bajeng"].get(old.message_id)
    assert moved is not None and not moved.buttons and moved.text == (
        "PTL-000001 dipindahkan ke grup petugas lapangan lain: ditugaskan ulang kepada Baso Petugas.")
    [new] = [m for m in groups["default"].messages if m.from_bot and (m.text or "").startswith("PTL-000001 ·")]
    assert "Dikerjakan oleh Baso Petugas" in (new.text or "") and new.buttons

    await reassign_ticket(here, people.camat, tid, people.officer2.id or 0)  # Cakra, of the same default group
    await settled(here)
    assert cards_in(groups["default"]) == ["PTL-000001"] and cards_in(groups["bajeng"]) == []
    await reassign_ticket(here, people.camat, tid, rudi.id)
    await settled(here)
    assert cards_in(groups["bajeng"]) == ["PTL-000001"] and cards_in(groups["default"]) == []


async def test_the_cli_sets_keeps_and_clears_an_officers_trades(ctx: Context, db_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": db_url, "USER": "operator1"}

    def cli() -> list[str]:
        add = ("staff", "add", "4343", "Daeng Listrik", "--role", "officer")
        assert run(tmp_path, *add, "--category", "lampu", **env).returncode != 0  # not a category here
        assert run(tmp_path, *add, "--category", "lampu_jalan", **env).returncode == 0
        listed = run(tmp_path, "staff", "list", **env).stdout
        assert run(tmp_path, *add, "--desa", "Bajeng", **env).returncode == 0  # no --category: kept
        kept = run(tmp_path, "staff", "list", **env).stdout
        assert run(tmp_path, *add, "--desa", "Bajeng", "--category", "-", **env).returncode == 0
        return [line for out in (listed, kept) for line in out.splitlines() if "Daeng Listrik" in line]

    first, second = await asyncio.to_thread(cli)
    assert first.endswith("[lampu_jalan]") and second.endswith("Bajeng [lampu_jalan]")
    [member] = [m for m in await list_staff(ctx) if m.telegram_id == 4343]
    assert member.categories == () and member.desa == ("Bajeng",)
