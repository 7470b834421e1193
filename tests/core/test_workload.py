"""An officer's workload: the open cases they hold in one kecamatan, read in one place (`officer_load`) and
shown on the reassign menu, the least loaded first and those over the profile's limit marked."""

from __future__ import annotations

from core.context import Context
from core.domain.lifecycle import Role, TicketState
from core.domain.reports import NewReport
from core.queries import officer_load
from core.usecases.citizen import submit_ticket
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket
from core.usecases.staff import add_staff, list_staff
from officer_bot.keyboards import officer_menu
from tests.conftest import in_takalar
from tests.core.story import cast, force_state, report


async def test_load_counts_the_cases_each_officer_holds_here_and_the_menu_shows_it(ctx: Context) -> None:
    home = in_takalar(ctx)
    people = await cast(home)
    held = []
    for n in range(3):
        tid = await report(home, people.reporter, f"Lampu mati {n}")
        await verify_ticket(home, people.verifier, tid)
        await accept_ticket(home, people.officer, tid)
        held.append(tid)
    await force_state(home, held[0], TicketState.RESOLVED, assignee=people.officer)
    galesong = home.at("galesong")  # Baso works in Galesong too: that case is not Pattallassang's load
    await add_staff(galesong, 2001, "Baso Petugas", frozenset({Role.OFFICER}))
    theirs = (await submit_ticket(galesong, people.reporter, NewReport(
        description="Sampah di pasar", category="sampah", desa="Boddia"))).ticket_id
    await force_state(galesong, theirs, TicketState.IN_PROGRESS, assignee=people.officer)

    assert await officer_load(home) == {people.officer.id: 2}  # the resolved one is no longer on their desk

    officers = [s for s in await list_staff(home) if s.id in (people.officer.id, people.officer2.id)]
    menu = officer_menu(held[1], officers, await officer_load(home), limit=1)
    labels = [b.text for row in menu.inline_keyboard for b in row][:-1]
    assert labels == ["Cakra Petugas · 0", "Baso Petugas · 2 ⚠"]
    relaxed = officer_menu(held[1], officers, await officer_load(home), limit=2)
    assert [b.text for row in relaxed.inline_keyboard for b in row][1] == "Baso Petugas · 2"
