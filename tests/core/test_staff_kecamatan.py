"""A staff member holds roles per kecamatan: each kecamatan sees the roles held there plus the kabupaten
roles; adding and removing in one kecamatan leaves the others alone; the trail names the kecamatan."""

from __future__ import annotations

import pytest

from core.context import Context
from core.domain.errors import InvalidInput, NotRegistered, NotStaffHere
from core.domain.lifecycle import Role, TicketState
from core.texts import refusal
from core.usecases.citizen import citizen_actor
from core.usecases.field import accept_ticket
from core.usecases.oversight import reassign_ticket
from core.usecases.staff import (
    add_staff,
    list_staff,
    remove_staff,
    staff_actor,
    staff_history,
    staff_kecamatan,
    sync_kabupaten_staff,
)
from tests.conftest import in_takalar
from tests.core.story import force_state, report, ticket

V, OFFICER, A = Role.VERIFIER, Role.OFFICER, Role.ADMIN


@pytest.fixture
def home(ctx: Context) -> Context:
    """Kecamatan Pattallassang of a Takalar install, on the test database and clock."""
    return in_takalar(ctx)


async def test_roles_in_one_kecamatan_do_not_reach_another(home: Context) -> None:
    galesong = home.at("galesong")
    await add_staff(home, 1001, "Andi", frozenset({V}))
    assert (await staff_actor(home, 1001)).roles == {V}
    with pytest.raises(NotStaffHere) as refused:
        await staff_actor(galesong, 1001)
    assert refusal(refused.value) == "Anda tidak terdaftar sebagai petugas di Kecamatan Galesong."
    with pytest.raises(NotRegistered) as nobody:
        await staff_actor(galesong, 4040)
    assert type(nobody.value) is NotRegistered
    assert await staff_kecamatan(home, 1001) == ["pattallassang"]


async def test_each_kecamatan_has_its_own_roles_for_one_person(home: Context) -> None:
    galesong = home.at("galesong")
    await add_staff(home, 1001, "Andi", frozenset({V}))
    await add_staff(home, 1001, "Andi", frozenset({OFFICER}), kecamatan="galesong")
    assert (await staff_actor(home, 1001)).roles == {V}
    assert (await staff_actor(galesong, 1001)).roles == {OFFICER}
    await add_staff(galesong, 1001, "Andi", frozenset({OFFICER, A}))  # only Galesong's change
    assert (await staff_actor(home, 1001)).roles == {V}
    assert (await staff_actor(galesong, 1001)).roles == {OFFICER, A}
    assert await staff_kecamatan(home, 1001) == ["pattallassang", "galesong"]
    assert [(m.name, m.roles) for m in await list_staff(galesong)] == [("Andi", ("admin", "officer"))]
    assert [(m.name, m.roles) for m in await list_staff(home.at("sanrobone"))] == []
    with pytest.raises(InvalidInput):
        await add_staff(galesong, 1001, "Andi", frozenset({OFFICER}), ("Bajeng",))  # Pattallassang's desa


async def test_kabupaten_roles_reach_every_kecamatan_beside_the_local_ones(home: Context) -> None:
    galesong = home.at("galesong")
    await add_staff(home, 9101, "Admin Kabupaten", frozenset({Role.KABUPATEN_ADMIN}))
    assert (await staff_actor(galesong, 9101)).roles == {Role.KABUPATEN_ADMIN}
    assert await staff_kecamatan(home, 9101) == [p.code for p in home.kabupaten]
    await add_staff(home, 9101, "Admin Kabupaten", frozenset({V}))  # a kecamatan role too: the wide one stays
    assert (await staff_actor(home, 9101)).roles == {V, Role.KABUPATEN_ADMIN}
    assert (await staff_actor(galesong, 9101)).roles == {Role.KABUPATEN_ADMIN}


async def test_removing_in_one_kecamatan_keeps_the_others_and_the_trail_says_where(home: Context) -> None:
    galesong = home.at("galesong")
    await add_staff(home, 1001, "Andi", frozenset({V}))
    await add_staff(galesong, 1001, "Andi", frozenset({V}))
    assert await remove_staff(home, 1001, kecamatan="galesong")
    assert (await staff_actor(home, 1001)).roles == {V}
    with pytest.raises(NotStaffHere):
        await staff_actor(galesong, 1001)
    assert await remove_staff(home, 1001, kecamatan="pattallassang")  # the last roles: deactivated
    with pytest.raises(NotRegistered):
        await staff_actor(home, 1001)
    assert [m.name for m in await list_staff(home, include_inactive=True)] == ["Andi"]
    trail = [(e.action, e.kecamatan, e.data["roles"]) for e in await staff_history(home, 1001)]
    assert trail == [("add", "pattallassang", ["verifier"]), ("update", "galesong", ["verifier"]),
                     ("withdraw", "galesong", []), ("deactivate", "pattallassang", ["verifier"])]
    await add_staff(galesong, 1001, "Andi", frozenset({OFFICER}))  # back, in Galesong only: a fresh start
    assert await staff_kecamatan(home, 1001) == ["galesong"]


async def test_the_camat_reassigns_only_to_an_officer_of_the_kecamatan(home: Context) -> None:
    galesong = home.at("galesong")
    await add_staff(home, 3001, "Camat", frozenset({Role.CAMAT}))
    await add_staff(home, 2001, "Baso", frozenset({OFFICER}))
    stranger = await add_staff(galesong, 2002, "Cakra", frozenset({OFFICER}))
    colleague = await add_staff(home, 2003, "Daeng", frozenset({OFFICER}))
    camat = await staff_actor(home, 3001)
    tid = await report(home, await citizen_actor(home, "081234567890", "Warga", inbound=True))
    await force_state(home, tid, TicketState.VERIFIED)
    await accept_ticket(home, await staff_actor(home, 2001), tid)
    with pytest.raises(InvalidInput):
        await reassign_ticket(home, camat, tid, stranger.id)  # Galesong's officer
    await reassign_ticket(home, camat, tid, colleague.id)
    assert (await ticket(home, tid)).assignee_id == colleague.id


async def test_the_kabupaten_files_staff_get_their_role_once_and_a_deactivation_stands(home: Context) -> None:
    """The sample's kabupaten file names Hasnah (3001) kabupaten_admin and Irwan (3002) inspektorat: the sync
    gives each their role once, adds it beside a person's kecamatan roles and desa without touching them, and
    never reactivates anyone."""
    assert [(s.telegram_id, s.role) for s in home.kabupaten.staff] == [(3001, "kabupaten_admin"),
                                                                       (3002, "inspektorat")]
    assert await sync_kabupaten_staff(home) == ["Hasnah (3001): kabupaten_admin", "Irwan (3002): inspektorat"]
    assert (await staff_actor(home.at("galesong"), 3002)).roles == {Role.INSPECTOR}
    assert (await staff_actor(home.at("sanrobone"), 3001)).roles == {Role.KABUPATEN_ADMIN}
    assert await sync_kabupaten_staff(home) == []  # already holds it: nothing changes, nothing audited
    assert [e.action for e in await staff_history(home, 3001)] == ["add"]

    await remove_staff(home, 3001)  # deactivated in the console or the CLI: the file does not undo it
    assert await sync_kabupaten_staff(home) == [
        "Hasnah (3001) is deactivated: not given kabupaten_admin (reactivate them in the console or with staff add)"]
    with pytest.raises(NotRegistered):
        await staff_actor(home, 3001)


async def test_the_kabupaten_role_joins_a_persons_kecamatan_roles(home: Context) -> None:
    await add_staff(home, 3001, "Hasnah", frozenset({V}), ("Bajeng",))
    await sync_kabupaten_staff(home)
    assert (await staff_actor(home, 3001)).roles == {V, Role.KABUPATEN_ADMIN}
    [member] = [m for m in await list_staff(home) if m.telegram_id == 3001]
    assert member.desa == ("Bajeng",)
    assert [e.action for e in await staff_history(home, 3001)] == ["add", "update"]
