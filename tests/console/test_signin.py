"""Signing in to the console with a one-time link: once, in time, for active staff; sessions that end."""

from __future__ import annotations

import logging

import pytest

from console.signin import LinkRefused, issue_link, redeem_link
from core.context import Context
from core.domain.errors import NotRegistered
from core.usecases.staff import remove_staff
from tests.conftest import Clock
from tests.console.conftest import browser, csrf_in, open_link, sign_in
from tests.core.story import cast

VERIFIER = 1001


async def test_a_link_signs_in_once_and_only_once(ctx: Context) -> None:
    await cast(ctx)
    token = await issue_link(ctx, VERIFIER)
    async with browser(ctx) as phone:
        page = await phone.get(f"/konsol/masuk/{token}")
        assert page.status_code == 200 and "Masuk sebagai Andi Verifikator?" in page.text
        signed_in = await phone.post(f"/konsol/masuk/{token}", data={"csrf": csrf_in(page)})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/konsol/kasus"
        cases = await phone.get("/konsol/kasus")
        assert cases.status_code == 200 and "Masuk sebagai Andi Verifikator" in cases.text
        again = await phone.get(f"/konsol/masuk/{token}")
        assert again.status_code == 403 and "sudah dipakai" in again.text
    async with browser(ctx) as other:
        assert (await open_link(other, token)).status_code == 403
    with pytest.raises(LinkRefused) as refused:
        await redeem_link(ctx, token)
    assert refused.value.reason == "used"


async def test_the_session_cookie_is_httponly_secure_and_samesite(ctx: Context) -> None:
    await cast(ctx)
    async with browser(ctx) as phone:
        page = await phone.get(f"/konsol/masuk/{await issue_link(ctx, VERIFIER)}")
        answer = await phone.post(page.url.path, data={"csrf": csrf_in(page)})
    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith("konsol_sesi="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/konsol"} <= flags
    assert f"max-age={7 * 24 * 3600}" in flags


async def test_an_expired_link_is_refused(ctx: Context, clock: Clock) -> None:
    await cast(ctx)
    token = await issue_link(ctx, VERIFIER)
    clock.advance(minutes=10, seconds=1)
    async with browser(ctx) as phone:
        page = await phone.get(f"/konsol/masuk/{token}")
        assert page.status_code == 403 and "kedaluwarsa" in page.text
    with pytest.raises(LinkRefused):
        await redeem_link(ctx, token)


async def test_a_deactivated_staff_members_link_is_refused_and_none_is_issued(ctx: Context) -> None:
    await cast(ctx)
    token = await issue_link(ctx, VERIFIER)
    await remove_staff(ctx, VERIFIER)
    async with browser(ctx) as phone:
        page = await phone.get(f"/konsol/masuk/{token}")
    assert page.status_code == 403 and "tidak aktif lagi" in page.text
    with pytest.raises(NotRegistered):
        await issue_link(ctx, VERIFIER)
    with pytest.raises(NotRegistered):
        await issue_link(ctx, 7777)  # no staff at all


async def test_a_forged_link_is_refused_and_logged_without_the_token(ctx: Context,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    await cast(ctx)
    forged = "x" * 43
    caplog.set_level(logging.INFO, logger="console")
    async with browser(ctx) as phone:
        page = await phone.get(f"/konsol/masuk/{forged}")
        token = await issue_link(ctx, VERIFIER)
        await open_link(phone, token)
    assert page.status_code == 400 and "tidak dikenal" in page.text
    refused = [r for r in caplog.records if r.getMessage() == "console sign-in refused"]
    assert refused and refused[0].reason == "unknown"  # type: ignore[attr-defined]
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert forged not in logged and token not in logged


async def test_signing_in_without_the_forms_token_is_refused(ctx: Context) -> None:
    await cast(ctx)
    token = await issue_link(ctx, VERIFIER)
    async with browser(ctx) as phone:
        answer = await phone.post(f"/konsol/masuk/{token}", data={"csrf": "guess"})
        assert answer.status_code == 403
        assert (await open_link(phone, token)).status_code == 303  # the link was not used up


async def test_a_form_without_its_csrf_token_is_refused(ctx: Context) -> None:
    await cast(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, VERIFIER)
        assert (await phone.post("/konsol/keluar", data={})).status_code == 403
        assert (await phone.post("/konsol/keluar-semua", data={"csrf": "0" * 64})).status_code == 403
        assert (await phone.get("/konsol/kasus")).status_code == 200  # still signed in


async def test_sign_out_ends_this_session_and_sign_out_everywhere_ends_the_others(ctx: Context) -> None:
    await cast(ctx)
    async with browser(ctx) as phone, browser(ctx) as office, browser(ctx) as laptop:
        for client in (phone, office, laptop):
            await sign_in(client, ctx, VERIFIER)
        page = await laptop.get("/konsol/kasus")
        assert (await laptop.post("/konsol/keluar", data={"csrf": csrf_in(page)})).status_code == 200
        assert (await laptop.get("/konsol/kasus")).status_code == 303
        assert (await office.get("/konsol/kasus")).status_code == 200
        page = await phone.get("/konsol/kasus")
        ended = await phone.post("/konsol/keluar-semua", data={"csrf": csrf_in(page)})
        assert ended.status_code == 200 and "2 sesi" in ended.text
        for client in (phone, office):
            gone = await client.get("/konsol/kasus")
            assert gone.status_code == 303 and gone.headers["location"] == "/konsol/masuk"


async def test_deactivation_ends_a_live_session_at_once(ctx: Context) -> None:
    await cast(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, VERIFIER)
        assert (await phone.get("/konsol/kasus")).status_code == 200
        await remove_staff(ctx, VERIFIER)
        assert (await phone.get("/konsol/kasus")).status_code == 303


async def test_an_idle_session_ends(ctx: Context, clock: Clock) -> None:
    await cast(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, VERIFIER)
        clock.advance(hours=11)
        assert (await phone.get("/konsol/kasus")).status_code == 200  # seen: the idle clock starts again
        clock.advance(hours=11)
        assert (await phone.get("/konsol/kasus")).status_code == 200
        clock.advance(hours=12, seconds=1)
        assert (await phone.get("/konsol/kasus")).status_code == 303


async def test_a_session_ends_after_seven_days_however_busy(ctx: Context, clock: Clock) -> None:
    await cast(ctx)
    async with browser(ctx) as phone:
        await sign_in(phone, ctx, VERIFIER)
        for _ in range(14):  # 6 days 23 h 46 min, never idle for 12 hours
            clock.advance(hours=11, minutes=59)
            assert (await phone.get("/konsol/kasus")).status_code == 200
        clock.advance(minutes=15)
        assert (await phone.get("/konsol/kasus")).status_code == 303
