"""Kunci API: a kabupaten admin makes an Open311 key in the console (shown once, only its hash kept), the API's
key store accepts it, and revoking it in the console makes the store refuse it; anyone else gets a 403, and a
form without the session's CSRF token changes nothing."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from core.context import Context
from core.db.models import Open311Key
from open311.keys import Caller, Refusal, caller, key_hash, list_keys
from tests.conftest import in_takalar
from tests.console.conftest import browser, csrf_in, sign_in
from tests.core.story import cast

VERIFIER, CAMAT, ADMIN, KABUPATEN_ADMIN = 1001, 3001, 9001, 9101
SECRET = re.compile(r'<code class="secret">([^<]+)</code>')


async def key_count(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return await session.scalar(select(func.count()).select_from(Open311Key)) or 0


async def test_a_kabupaten_admin_makes_a_key_the_api_accepts_then_revokes_it(ctx: Context) -> None:
    await cast(ctx)
    async with browser(ctx) as desk:
        await sign_in(desk, ctx, KABUPATEN_ADMIN)
        listing = await desk.get("/konsol/kunci-api")
        assert listing.status_code == 200 and "Belum ada kunci." in listing.text
        assert 'href="/konsol/kunci-api"' in listing.text  # in the header, for them
        made = await desk.post("/konsol/kunci-api/buat", data={"csrf": csrf_in(listing), "nama": "FixMyStreet Takalar",
                                                                "per_menit": "12"})
        assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
        secret = SECRET.findall(made.text)
        assert len(secret) == 1 and len(secret[0]) >= 40 and "hanya ditampilkan sekali" in made.text
        key = secret[0]
        again = await desk.get("/konsol/kunci-api")
        assert key not in again.text and key_hash(key) not in again.text  # never shown again
        assert "FixMyStreet Takalar" in again.text and "<td>12</td>" in again.text
        assert await caller(ctx, key, []) == Caller(f"key {(await list_keys(ctx))[0].id}", 12)

        row = (await list_keys(ctx))[0]
        assert row.key_hash == key_hash(key) and row.revoked_at is None
        revoked = await desk.post(f"/konsol/kunci-api/{row.id}/cabut", data={"csrf": csrf_in(again)})
        assert revoked.status_code == 303 and revoked.headers["location"] == "/konsol/kunci-api?selesai=cabut"
        shown = await desk.get(revoked.headers["location"])
        assert "Kunci dicabut" in shown.text and f'action="/konsol/kunci-api/{row.id}/cabut"' not in shown.text
    assert await caller(ctx, key, []) == Refusal("revoked", row.id)
    assert (await list_keys(ctx))[0].revoked_at is not None


async def test_a_key_needs_a_name_and_a_sane_limit(ctx: Context) -> None:
    await cast(ctx)
    async with browser(ctx) as desk:
        await sign_in(desk, ctx, KABUPATEN_ADMIN)
        token = csrf_in(await desk.get("/konsol/kunci-api"))
        for fields in ({"nama": " "}, {"nama": "X", "per_menit": "0"}, {"nama": "X", "per_menit": "100000"}):
            refused = await desk.post("/konsol/kunci-api/buat", data={"csrf": token, **fields})
            assert refused.status_code == 400 and "Isi nama" in refused.text and "secret" not in refused.text
        missing = await desk.post("/konsol/kunci-api/999/cabut", data={"csrf": token})
        assert missing.status_code == 404
    assert await key_count(ctx) == 0


@pytest.mark.parametrize("who", [VERIFIER, CAMAT, ADMIN])
async def test_anyone_but_a_kabupaten_admin_gets_a_403(ctx: Context, who: int) -> None:
    home = in_takalar(ctx)
    await cast(home)
    async with browser(home) as boss:
        await sign_in(boss, home, KABUPATEN_ADMIN)
        page = await boss.get("/konsol/kunci-api")
        await boss.post("/konsol/kunci-api/buat", data={"csrf": csrf_in(page), "nama": "Sistem A"})
    row = (await list_keys(home))[0]
    async with browser(home) as phone:
        await sign_in(phone, home, who)
        page = await phone.get("/konsol/kunci-api")
        assert page.status_code == 403 and "hanya untuk admin kabupaten" in page.text
        assert 'href="/konsol/kunci-api"' not in page.text
        token = csrf_in(page)  # their own session's token: still not theirs to use here
        assert (await phone.post("/konsol/kunci-api/buat", data={"csrf": token, "nama": "Siluman"})).status_code == 403
        assert (await phone.post(f"/konsol/kunci-api/{row.id}/cabut", data={"csrf": token})).status_code == 403
    assert await key_count(home) == 1 and (await list_keys(home))[0].revoked_at is None


async def test_without_the_csrf_token_no_key_is_made_or_revoked(ctx: Context) -> None:
    await cast(ctx)
    async with browser(ctx) as desk:
        await sign_in(desk, ctx, KABUPATEN_ADMIN)
        page = await desk.get("/konsol/kunci-api")
        await desk.post("/konsol/kunci-api/buat", data={"csrf": csrf_in(page), "nama": "Sistem A"})
        row = (await list_keys(ctx))[0]
        for token in ({}, {"csrf": "forged"}):
            made = await desk.post("/konsol/kunci-api/buat", data={"nama": "Siluman", **token})
            assert made.status_code == 403 and "token keamanan" in made.text
            revoked = await desk.post(f"/konsol/kunci-api/{row.id}/cabut", data=token)
            assert revoked.status_code == 403
    assert await key_count(ctx) == 1 and (await list_keys(ctx))[0].revoked_at is None
