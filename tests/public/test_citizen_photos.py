"""The citizen's own photos reach the public only where the desk marked the case so (never a confidential one)."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import select

from core.context import Context
from core.db.models import Attachment, TicketEvent
from core.domain.reports import AttachmentKind, NewAttachment, Privacy
from core.usecases.desk import verify_ticket
from core.usecases.publicity import mark_citizen_photos
from tests.console.conftest import browser, csrf_in, sign_in
from tests.core.story import cast, report
from tests.public.conftest import small_jpeg, visitor, worked

PHOTO = re.compile(r'<img src="(/publik/pattallassang/kasus/PTL-00000\d/foto/\d+)"')


def own_photo(media_dir: Path, name: str) -> NewAttachment:
    media_dir.mkdir(parents=True, exist_ok=True)
    (media_dir / name).write_bytes(small_jpeg())
    return NewAttachment(AttachmentKind.PHOTO, "whatsapp", f"wa-{name}", mime="image/jpeg", size=30, stored_path=name)


async def photo_id(ctx: Context, name: str) -> int:
    async with ctx.sessions() as session:
        found = await session.scalar(select(Attachment.id).where(Attachment.stored_path == name))
    assert found is not None
    return found


async def test_the_desk_marks_a_cases_own_photos_public_and_back(ctx: Context, tmp_path: Path) -> None:
    people = await cast(ctx)
    lamp_case = await report(ctx, people.reporter, attachments=(own_photo(tmp_path, "lampu.jpg"),))  # PTL-000001
    await report(ctx, people.neighbour, "Pungutan liar", privacy=Privacy.CONFIDENTIAL,
                 attachments=(own_photo(tmp_path, "rahasia.jpg"),))  # PTL-000002
    lamp, secret = await photo_id(ctx, "lampu.jpg"), await photo_id(ctx, "rahasia.jpg")
    lookup = "/publik/pattallassang/kasus?nomor=PTL-000001"
    async with visitor(ctx, tmp_path) as web, browser(ctx, media_dir=tmp_path) as desk, \
            browser(ctx, media_dir=tmp_path) as officer:
        assert PHOTO.search((await web.get(lookup)).text) is None
        assert (await web.get(f"/publik/pattallassang/kasus/PTL-000001/foto/{lamp}")).status_code == 404

        await sign_in(desk, ctx, 1001)  # the verifier
        page = await desk.get("/konsol/kasus/PTL-000001")
        assert "<summary>Foto pelapor boleh publik</summary>" in page.text
        forged = await desk.post("/konsol/kasus/PTL-000001/foto-publik", data={"csrf": "palsu", "publik": "1"})
        assert forged.status_code == 403
        done = await desk.post("/konsol/kasus/PTL-000001/foto-publik", data={"csrf": csrf_in(page), "publik": "1"})
        assert done.status_code == 303 and done.headers["location"] == "/konsol/kasus/PTL-000001?selesai=foto-publik"
        after = await desk.get(done.headers["location"])
        assert "Pilihan foto pelapor disimpan." in after.text and 'value="1" checked' in after.text
        assert "foto pelapor dibuka untuk publik" in after.text  # the audit trail's line
        # marked, but the desk has not verified the report yet: nothing the citizen sent is public before then
        assert PHOTO.search((await web.get(lookup)).text) is None
        assert (await web.get(f"/publik/pattallassang/kasus/PTL-000001/foto/{lamp}")).status_code == 404
        await verify_ticket(ctx, people.verifier, lamp_case)

        shown = PHOTO.findall((await web.get(lookup)).text)
        assert shown == [f"/publik/pattallassang/kasus/PTL-000001/foto/{lamp}"]
        served = await web.get(shown[0])
        assert served.status_code == 200 and served.content == (tmp_path / "public" / f"{lamp}.jpg").read_bytes()

        secret_page = await desk.get("/konsol/kasus/PTL-000002")
        assert "foto-publik" not in secret_page.text  # never offered for a confidential case
        refused = await desk.post("/konsol/kasus/PTL-000002/foto-publik",
                                  data={"csrf": csrf_in(secret_page), "publik": "1"})
        assert refused.status_code == 409 and "rahasia" in refused.text
        assert (await web.get(f"/publik/pattallassang/kasus/PTL-000002/foto/{secret}")).status_code == 404

        await sign_in(officer, ctx, 2001)  # a field officer does not decide what the public sees
        theirs = await officer.get("/konsol/kasus/PTL-000001")
        assert "foto-publik" not in theirs.text
        not_theirs = await officer.post("/konsol/kasus/PTL-000001/foto-publik", data={"csrf": csrf_in(theirs)})
        assert not_theirs.status_code == 409

        page = await desk.get("/konsol/kasus/PTL-000001")
        undone = await desk.post("/konsol/kasus/PTL-000001/foto-publik", data={"csrf": csrf_in(page)})
        assert undone.status_code == 303
        assert PHOTO.search((await web.get(lookup)).text) is None
        assert (await web.get(f"/publik/pattallassang/kasus/PTL-000001/foto/{lamp}")).status_code == 404
    async with ctx.sessions() as session:
        marks = list(await session.scalars(select(TicketEvent.action).where(
            TicketEvent.action.in_(["photos_public", "photos_private"])).order_by(TicketEvent.id)))
    assert marks == ["photos_public", "photos_private"]


async def test_the_recent_resolved_list_shows_the_marked_citizen_photos_beside_the_proof(ctx: Context,
                                                                                       tmp_path: Path) -> None:
    people = await cast(ctx)
    lamp_case = await report(ctx, people.reporter, attachments=(own_photo(tmp_path, "lampu.jpg"),))  # PTL-000001
    await worked(ctx, people, lamp_case, tmp_path)
    lamp = await photo_id(ctx, "lampu.jpg")
    async with visitor(ctx, tmp_path) as web:
        unmarked = PHOTO.findall((await web.get("/publik/pattallassang")).text)
        assert len(unmarked) == 1 and not unmarked[0].endswith(f"/{lamp}")  # the proof alone
        assert await mark_citizen_photos(ctx, people.verifier, lamp_case, True)
        shown = PHOTO.findall((await web.get("/publik/pattallassang")).text)
        assert shown == [*unmarked, f"/publik/pattallassang/kasus/PTL-000001/foto/{lamp}"]
        assert [(await web.get(path)).status_code for path in shown] == [200, 200]
