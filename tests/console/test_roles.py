"""Every console page for every role: allowed (200) or refused with a short explanation (403), never an error;
and signed out, every page sends to the sign-in page."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.context import Context
from core.domain.reports import AttachmentKind, NewAttachment
from tests.console.conftest import browser, sign_in
from tests.core.story import cast, report

ROLES = {"verifier": 1001, "officer": 2001, "camat": 3001, "admin": 9001, "kabupaten_admin": 9101,
         "inspektorat": 9201}
FIGURES = set(ROLES) - {"officer"}  # the figures and exports: who may read them (console/export.py export_scope)
# page -> the roles that may open it (the rest get 403)
PAGES = {
    "/konsol/kasus": set(ROLES),
    "/konsol/kasus/PTL-000001": set(ROLES),
    "/konsol/kasus/PTL-000001/lampiran/1": set(ROLES),  # the report's photo
    "/konsol/peta": set(ROLES),
    "/konsol/statistik": FIGURES,
    "/konsol/ekspor": FIGURES,
    "/konsol/ekspor.csv": FIGURES,
    "/konsol/ekspor.xlsx": FIGURES,
    "/konsol/ekspor/bulanan.xlsx": FIGURES,
    "/konsol/petugas": {"camat", "admin", "kabupaten_admin"},
    "/konsol/profil": set(ROLES),
    "/konsol/kunci-api": {"kabupaten_admin"},
}
JPEG = b"\xff\xd8\xff\xe0" + b"0" * 64 + b"\xff\xd9"


@pytest.mark.parametrize("role", list(ROLES))
async def test_each_page_is_allowed_or_refused_by_role(ctx: Context, role: str, tmp_path: Path) -> None:
    people = await cast(ctx)
    (tmp_path / "photo.jpg").write_bytes(JPEG)
    await report(ctx, people.reporter, attachments=(NewAttachment(
        AttachmentKind.PHOTO, "whatsapp", "111", mime="image/jpeg", stored_path=str(tmp_path / "photo.jpg")),))
    async with browser(ctx, media_dir=tmp_path) as client:
        await sign_in(client, ctx, ROLES[role])
        for path, allowed in PAGES.items():
            answer = await client.get(path)
            assert answer.status_code == (200 if role in allowed else 403), (role, path, answer.status_code)
            if answer.status_code == 403:
                assert 'class="error"' in answer.text  # a short page saying why, in the console's frame


async def test_signed_out_every_page_sends_to_sign_in(ctx: Context) -> None:
    async with browser(ctx) as client:
        for path in PAGES:
            answer = await client.get(path)
            assert answer.status_code == 303 and answer.headers["location"] == "/konsol/masuk", path
