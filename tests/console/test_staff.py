"""The Petugas page: an admin approves or refuses a /daftar request, changes roles and desa, deactivates and
reactivates, through the same staff use cases as the desk's buttons; every change audited and told to the
person; CSRF, roles and kecamatan guard it. And the read-only Profil page."""

from __future__ import annotations

from html import escape

import httpx
import pytest
from sqlalchemy import func, select

from core.context import Context
from core.db.models import OutboxMessage, Staff, StaffEvent
from core.domain.errors import NotRegistered
from core.domain.lifecycle import Role
from core.usecases.staff import STAFF_CHANGED_KIND, add_staff, staff_actor, staff_history
from officer_bot.store import open_registration
from tests.conftest import in_takalar
from tests.console.conftest import browser, csrf_in, sign_in
from tests.core.story import cast
from tests.officer.conftest import World

VERIFIER, OFFICER, CAMAT, ADMIN, KABUPATEN_ADMIN, INSPEKTORAT = 1001, 2001, 3001, 9001, 9101, 9201
NEWCOMER = 4242


async def daftar(ctx: Context, user_id: int = NEWCOMER, name: str = "Dewi Baru") -> int:
    """A registration request as /daftar opens it at the kecamatan's desk."""
    prompt_id = await open_registration(ctx, ctx.profile.telegram.desk_chat_id, user_id, name)
    assert prompt_id is not None
    return prompt_id


async def staff_page(client: httpx.AsyncClient, kecamatan: str = "") -> httpx.Response:
    page = await client.get("/konsol/petugas" + (f"?kecamatan={kecamatan}" if kecamatan else ""))
    assert page.status_code == 200, page.text
    return page


async def change(client: httpx.AsyncClient, ctx: Context, action: str, **fields: object) -> httpx.Response:
    """Press a button of the Petugas page (with the page's CSRF token)."""
    page = await staff_page(client, ctx.kecamatan)
    data = {"csrf": csrf_in(page), "kecamatan": ctx.kecamatan, **fields}
    return await client.post(f"/konsol/petugas/{action}", data=data)  # type: ignore[arg-type]


async def staff_id(ctx: Context, telegram_id: int) -> int:
    async with ctx.sessions() as session:
        found = await session.scalar(select(Staff.id).where(Staff.telegram_id == telegram_id))
    assert found is not None
    return found


async def told(ctx: Context, recipient: str) -> list[dict[str, object]]:
    """What the person was told of their staff changes (outbox rows), oldest first."""
    async with ctx.sessions() as session:
        rows = await session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == STAFF_CHANGED_KIND, OutboxMessage.recipient == recipient).order_by(OutboxMessage.id))
        return [dict(r.data) for r in rows]


async def counts(ctx: Context) -> tuple[int, int]:
    async with ctx.sessions() as session:
        events = await session.scalar(select(func.count()).select_from(StaffEvent))
        rows = await session.scalar(select(func.count()).select_from(OutboxMessage))
    return events or 0, rows or 0


async def test_an_admin_approves_a_registration_with_a_role(ctx: Context) -> None:
    await cast(ctx)
    prompt = await daftar(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, ADMIN)
        page = await staff_page(phone)
        assert "Dewi Baru" in page.text and f"ID Telegram {NEWCOMER}" in page.text
        done = await change(phone, ctx, "setujui", registration=prompt, role="verifier")
        assert done.status_code == 303, done.text
        after = await phone.get(done.headers["location"])
        assert "Pendaftaran disetujui" in after.text and "Tidak ada pendaftaran yang menunggu." in after.text
        again = await change(phone, ctx, "setujui", registration=prompt, role="officer")
        assert again.status_code == 409  # decided once: a second press (or the Telegram button) is refused
    assert (await staff_actor(ctx, NEWCOMER)).roles == {Role.VERIFIER}
    trail = await staff_history(ctx, NEWCOMER)
    assert [(e.action, e.actor_name) for e in trail] == [("approve", "Admin")]
    notices = await told(ctx, f"staff:{await staff_id(ctx, NEWCOMER)}")
    assert [(n["action"], n["roles"], n["telegram_id"]) for n in notices] == [("approve", ["verifier"], NEWCOMER)]


async def test_an_admin_refuses_a_registration(ctx: Context) -> None:
    await cast(ctx)
    prompt = await daftar(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, ADMIN)
        done = await change(phone, ctx, "tolak", registration=prompt)
        assert done.status_code == 303, done.text
        assert "Dewi Baru" not in (await staff_page(phone)).text
    with pytest.raises(NotRegistered):
        await staff_actor(ctx, NEWCOMER)
    assert [e.action for e in await staff_history(ctx, NEWCOMER)] == ["decline"]
    assert [n["action"] for n in await told(ctx, f"telegram:{NEWCOMER}")] == ["decline"]


async def test_an_admin_changes_roles_and_desa(ctx: Context) -> None:
    await cast(ctx)
    officer = await staff_id(ctx, OFFICER)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, ADMIN)
        page = await phone.post("/konsol/petugas/peran", data={
            "csrf": csrf_in(await staff_page(phone)), "kecamatan": ctx.kecamatan, "staff": str(officer),
            "roles": ["officer", "verifier"], "desa": ["Bajeng"]})  # type: ignore[dict-item]
        assert page.status_code == 303, page.text
        shown = await phone.get(page.headers["location"])
        assert "Perubahan disimpan" in shown.text
    assert (await staff_actor(ctx, OFFICER)).roles == {Role.OFFICER, Role.VERIFIER}
    event = (await staff_history(ctx, OFFICER))[-1]
    assert (event.action, event.data["roles"], event.data["desa"], event.data["before"]["roles"]) == (
        "update", ["officer", "verifier"], ["Bajeng"], ["officer"])
    assert [(n["action"], n["roles"], n["by"]) for n in await told(ctx, f"staff:{officer}")] == [
        ("update", ["officer", "verifier"], "Admin")]


async def test_deactivating_ends_their_sessions_and_reactivating_brings_them_back(ctx: Context) -> None:
    await cast(ctx)
    officer = await staff_id(ctx, OFFICER)
    async with browser(ctx) as desk, browser(ctx) as field:
        await sign_in(field, ctx, OFFICER)
        assert (await field.get("/konsol/kasus")).status_code == 200
        await sign_in(desk, ctx, ADMIN)
        assert (await change(desk, ctx, "nonaktifkan", staff=officer)).status_code == 303
        page = await field.get("/konsol/kasus")
        assert page.status_code == 303 and page.headers["location"] == "/konsol/masuk"
        assert "NONAKTIF" in (await staff_page(desk)).text
        assert (await change(desk, ctx, "aktifkan", staff=officer)).status_code == 303
    assert (await staff_actor(ctx, OFFICER)).roles == {Role.OFFICER}
    assert [e.action for e in await staff_history(ctx, OFFICER)] == ["add", "deactivate", "reactivate"]
    assert [n["action"] for n in await told(ctx, f"staff:{officer}")] == ["deactivate", "reactivate"]


async def test_an_admin_cannot_deactivate_themselves(ctx: Context) -> None:
    await cast(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, ADMIN)
        refused = await change(phone, ctx, "nonaktifkan", staff=await staff_id(ctx, ADMIN))
        assert refused.status_code == 409
    assert (await staff_actor(ctx, ADMIN)).roles == {Role.ADMIN}


async def test_without_the_csrf_token_nothing_changes(ctx: Context) -> None:
    await cast(ctx)
    prompt, officer = await daftar(ctx), await staff_id(ctx, OFFICER)
    before = await counts(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, ADMIN)
        for action, fields in [("setujui", {"registration": prompt, "role": "admin"}),
                               ("nonaktifkan", {"staff": officer}), ("peran", {"staff": officer, "roles": "camat"})]:
            for token in ({}, {"csrf": "forged"}):
                refused = await phone.post(f"/konsol/petugas/{action}",
                                           data={"kecamatan": ctx.kecamatan, **fields, **token})
                assert refused.status_code == 403 and "token keamanan" in refused.text
        assert "Dewi Baru" in (await staff_page(phone)).text
    assert await counts(ctx) == before
    assert (await staff_actor(ctx, OFFICER)).roles == {Role.OFFICER}


async def test_the_camat_approves_a_registration_and_the_newcomer_is_told(ctx: Context) -> None:
    await cast(ctx)
    prompt = await daftar(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, CAMAT)
        page = await staff_page(phone)
        assert "Dewi Baru" in page.text
        done = await change(phone, ctx, "setujui", registration=prompt, role="officer")
        assert done.status_code == 303, done.text
    assert (await staff_actor(ctx, NEWCOMER)).roles == {Role.OFFICER}
    assert [(e.action, e.actor_name) for e in await staff_history(ctx, NEWCOMER)] == [("approve", "Pak Camat")]
    notices = await told(ctx, f"staff:{await staff_id(ctx, NEWCOMER)}")
    assert [(n["action"], n["roles"], n["by"]) for n in notices] == [("approve", ["officer"], "Pak Camat")]


@pytest.mark.parametrize("who", [VERIFIER, OFFICER, INSPEKTORAT])
async def test_other_roles_get_a_403(ctx: Context, who: int) -> None:
    await cast(ctx)
    prompt = await daftar(ctx)
    before = await counts(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, who)
        page = await phone.get("/konsol/petugas")
        assert page.status_code == 403 and "hanya untuk camat, admin" in page.text
        token = csrf_in(page)
        refused = await phone.post("/konsol/petugas/setujui", data={
            "csrf": token, "kecamatan": ctx.kecamatan, "registration": str(prompt), "role": "admin"})
        assert refused.status_code == 403
    assert await counts(ctx) == before


async def test_an_admin_of_another_kecamatan_cannot_touch_this_ones_staff(ctx: Context) -> None:
    home = in_takalar(ctx)
    galesong = home.at("galesong")
    await cast(home)
    await add_staff(galesong, 9301, "Admin Galesong", frozenset({Role.ADMIN}))
    await daftar(home)
    officer = await staff_id(home, OFFICER)
    before = await counts(home)
    async with browser(home) as phone:
        await sign_in(phone, home, 9301)
        theirs = await staff_page(phone)
        assert "Galesong" in theirs.text and "Baso Petugas" not in theirs.text and "Dewi Baru" not in theirs.text
        assert (await phone.get("/konsol/petugas?kecamatan=pattallassang")).status_code == 403
        token = csrf_in(theirs)
        for place in ("pattallassang", "galesong"):
            refused = await phone.post("/konsol/petugas/nonaktifkan",
                                       data={"csrf": token, "kecamatan": place, "staff": str(officer)})
            assert refused.status_code in (403, 409), refused.text  # not theirs; not staff of Galesong
    assert await counts(home) == before
    assert (await staff_actor(home, OFFICER)).roles == {Role.OFFICER}
    async with browser(home) as kabupaten:
        await sign_in(kabupaten, home, KABUPATEN_ADMIN)
        assert "Baso Petugas" in (await staff_page(kabupaten, "pattallassang")).text
        assert "Admin Galesong" in (await staff_page(kabupaten, "galesong")).text


async def test_the_profile_page_shows_categories_hours_holidays_and_chats(ctx: Context) -> None:
    await cast(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, OFFICER)
        page = await phone.get("/konsol/profil")
        assert page.status_code == 200, page.text
    body, profile = page.text, ctx.profile
    for category in profile.categories:
        assert escape(category.label) in body
    assert "Kategori dan batas waktu" in body and "Verifikasi" in body and "Senin" in body and "Minggu" in body
    assert "Tahun Baru Masehi" in body and str(profile.telegram.desk_chat_id) in body
    assert "<form" not in body.split("<main>")[1].replace('action="/konsol/profil"', "")  # read-only


async def test_a_telegram_registration_approved_on_the_console_is_refused_on_the_desk(world: World) -> None:
    newcomer = world.sim.user("Dewi", user_id=NEWCOMER)
    await newcomer.sends(newcomer.private_chat, "/daftar")
    request = await world.desk.wait_for(lambda m: m.from_bot and f"Dewi (Telegram {NEWCOMER})" in (m.text or ""))
    async with browser(world.ctx) as phone:
        await sign_in(phone, world.ctx, ADMIN)
        page = await staff_page(phone)
        assert "Dewi" in page.text
        prompt = page.text.split('name="registration" value="')[1].split('"')[0]
        assert (await change(phone, world.ctx, "setujui", registration=prompt, role="officer")).status_code == 303
    assert (await world.admin.taps(request, "Jadikan petugas")).text != "Dewi terdaftar sebagai petugas."
    assert (await staff_actor(world.ctx, NEWCOMER)).roles == {Role.OFFICER}
    assert [e.action for e in await staff_history(world.ctx, NEWCOMER)] == ["approve"]
    await world.settled()


async def test_an_admin_puts_a_staff_member_in_an_agency_and_takes_them_out(ctx: Context) -> None:
    await cast(ctx)
    officer = await staff_id(ctx, OFFICER)
    agency = ctx.kabupaten.agencies[0]
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, ADMIN)
        assert f'<option value="{agency.code}">{escape(agency.name)}</option>' in (await staff_page(phone)).text
        done = await change(phone, ctx, "instansi", staff=officer, agency=agency.code)
        assert done.status_code == 303, done.text
        shown = await phone.get(done.headers["location"])
        assert "Instansi disimpan" in shown.text and f"Instansi: {escape(agency.name)}" in shown.text
        assert (await change(phone, ctx, "instansi", staff=officer, agency="tidak_ada")).status_code == 409
        assert (await change(phone, ctx, "instansi", staff=officer, agency=agency.code)).status_code == 303  # same
        assert (await change(phone, ctx, "instansi", staff=officer, agency="")).status_code == 303
        assert f"Instansi: {escape(agency.name)}" not in (await staff_page(phone)).text
    trail = [e for e in await staff_history(ctx, OFFICER) if e.action == "agency"]
    assert [(e.data["before"]["agency"], e.data["agency"], e.actor_name) for e in trail] == [
        (None, agency.code, "Admin"), (agency.code, None, "Admin")]  # the unchanged save wrote nothing
    assert [(n["action"], n["agency"], n["agency_name"]) for n in await told(ctx, f"staff:{officer}")] == [
        ("agency", agency.code, agency.name), ("agency", None, None)]
    assert (await staff_actor(ctx, OFFICER)).roles == {Role.OFFICER}  # roles untouched


async def test_an_agency_change_needs_the_csrf_token(ctx: Context) -> None:
    await cast(ctx)
    officer = await staff_id(ctx, OFFICER)
    before = await counts(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, ADMIN)
        refused = await phone.post("/konsol/petugas/instansi", data={
            "kecamatan": ctx.kecamatan, "staff": str(officer), "agency": ctx.kabupaten.agencies[0].code})
        assert refused.status_code == 403
    assert await counts(ctx) == before
