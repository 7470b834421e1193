"""The Petugas page sets an officer's trades (categories) beside their desa: shown, ticked, audited."""

from __future__ import annotations

from core.context import Context
from core.usecases.staff import list_staff, staff_history
from tests.console.conftest import browser, csrf_in, sign_in
from tests.console.test_staff import ADMIN, OFFICER, staff_id, staff_page
from tests.core.story import cast


async def test_an_admin_gives_an_officer_a_trade_and_takes_it_away(ctx: Context) -> None:
    await cast(ctx)
    officer = await staff_id(ctx, OFFICER)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, ADMIN)
        page = await staff_page(phone)
        assert 'name="categories" value="lampu_jalan"' in page.text
        saved = await phone.post("/konsol/petugas/peran", data={
            "csrf": csrf_in(page), "kecamatan": ctx.kecamatan, "staff": str(officer), "roles": ["officer"],
            "desa": ["Bajeng"], "categories": ["lampu_jalan"]})  # type: ignore[dict-item]
        assert saved.status_code == 303, saved.text
        shown = await staff_page(phone)
        assert "Bidang tugas: Lampu jalan" in shown.text
        assert 'value="lampu_jalan" checked' in shown.text
        [baso] = [m for m in await list_staff(ctx) if m.id == officer]
        assert baso.categories == ("lampu_jalan",) and baso.desa == ("Bajeng",)
        cleared = await phone.post("/konsol/petugas/peran", data={
            "csrf": csrf_in(shown), "kecamatan": ctx.kecamatan, "staff": str(officer), "roles": ["officer"]})
        assert cleared.status_code == 303, cleared.text
    events = [(e.data["before"]["categories"], e.data["categories"]) for e in await staff_history(ctx, OFFICER)
              if e.action == "update"]
    assert events == [([], ["lampu_jalan"]), (["lampu_jalan"], [])]
