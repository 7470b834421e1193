"""Every console page for every role: allowed (200) or refused with a short explanation (403), never an error;
and signed out, every page sends to the sign-in page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from core.context import Context
from core.domain.reports import AttachmentKind, NewAttachment
from core.usecases.desk import verify_ticket
from core.usecases.field import accept_ticket, resolve_ticket
from tests.console.conftest import browser, sign_in
from tests.core.story import cast, report

ROLES = {"verifier": 1001, "officer": 2001, "camat": 3001, "admin": 9001, "kabupaten_admin": 9101,
         "inspektorat": 9201}
FIGURES = set(ROLES) - {"officer"}  # the figures and exports: who may read them (console/export.py export_scope)
MUSRENBANG = {"camat", "admin", "kabupaten_admin", "inspektorat"}  # console/musrenbang.py musrenbang_places
# page -> the roles that may open it (the rest get 403)
PAGES = {
    "/konsol/kasus": set(ROLES),
    "/konsol/kasus/PTL-000001": set(ROLES),
    "/konsol/kasus/PTL-000001/lampiran/1": set(ROLES),  # the report's photo
    "/konsol/kasus/PTL-000001/sebelum-sesudah.jpg": set(ROLES),  # the report's photo beside the proof
    "/konsol/peta": set(ROLES),
    "/konsol/statistik": FIGURES,
    "/konsol/ekspor": FIGURES,
    "/konsol/ekspor.csv": FIGURES,
    "/konsol/ekspor.xlsx": FIGURES,
    "/konsol/ekspor/bulanan.xlsx": FIGURES,
    "/konsol/ekspor/musrenbang.csv?tahun=2027": MUSRENBANG,
    "/konsol/petugas": {"camat", "admin", "kabupaten_admin"},
    "/konsol/profil": set(ROLES),
    "/konsol/kunci-api": {"kabupaten_admin"},
}


def _photo(path: Path, colour: tuple[int, int, int]) -> NewAttachment:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return NewAttachment(AttachmentKind.PHOTO, "whatsapp", path.stem, mime="image/jpeg", stored_path=str(path))


@pytest.mark.parametrize("role", list(ROLES))
async def test_each_page_is_allowed_or_refused_by_role(ctx: Context, role: str, tmp_path: Path) -> None:
    people = await cast(ctx)
    ticket_id = await report(ctx, people.reporter, attachments=(_photo(tmp_path / "photo.jpg", (200, 20, 20)),))
    await verify_ticket(ctx, people.verifier, ticket_id)
    await accept_ticket(ctx, people.officer, ticket_id)
    proof = _photo(tmp_path / "proof.jpg", (20, 180, 40))
    await resolve_ticket(ctx, people.officer, ticket_id, "Sudah menyala", (proof,))
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
