"""Kunci API: the Open311 keys outside systems post reports with (open311/keys.py, the store the CLI uses too),
listed, made and revoked by a kabupaten admin. A key reaches every kecamatan of the install, so a kecamatan's
admin may not make one. A new key is shown once, on the page that answers its form, and never again: only
its SHA-256 is kept."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from console.signin import PATH, SESSION_COOKIE, Viewer, csrf_ok
from core.domain.lifecycle import Role
from open311.keys import PER_MINUTE, add_key, list_keys, revoke_key

if TYPE_CHECKING:
    from console.routes import Pages

log = logging.getLogger(__name__)
MOST_PER_MINUTE = 600


def may_manage(viewer: Viewer) -> bool:
    """Whether the viewer may see, make and revoke the install's Open311 keys."""
    return Role.KABUPATEN_ADMIN in viewer.kabupaten_roles


async def listing(pages: Pages, viewer: Viewer, made: tuple[str, str] | None = None, done: str = "",
                  refused: str = "", status: int = 200) -> Response:
    """The keys (never a secret but the one just made), the form for a new one, a revoke button each."""
    if not may_manage(viewer):
        return pages.message(403, "konsol.keys.forbidden", viewer)
    return pages.render("api_keys.html", status, viewer, keys=await list_keys(pages.ctx), made=made, done=done,
                        refused=refused, per_minute=PER_MINUTE, most=MOST_PER_MINUTE, **pages._helpers())


async def answer(pages: Pages, request: Request, viewer: Viewer, form: dict[str, str]) -> Response:
    """GET: the list; POST .../buat: make a key and show it once; POST .../{id}/cabut: revoke one."""
    if request.method == "GET":
        done = request.query_params.get("selesai", "")
        return await listing(pages, viewer, done=done if done == "cabut" else "")
    if not may_manage(viewer):
        return pages.message(403, "konsol.keys.forbidden", viewer)
    if not csrf_ok(request.cookies.get(SESSION_COOKIE, ""), form.get("csrf", "")):
        log.warning("console form refused without its CSRF token", extra={"staff_id": viewer.staff_id})
        return pages.message(403, "konsol.signin.csrf", viewer)
    key_id = request.path_params.get("key")
    if key_id is not None:
        revoked = await revoke_key(pages.ctx, key_id)
        if revoked is None:
            return pages.message(404, "konsol.keys.not_found", viewer)
        log.info("open311 key revoked in the console", extra={"staff_id": viewer.staff_id, "key_id": key_id})
        return RedirectResponse(f"{PATH}/kunci-api?selesai=cabut", status_code=303)
    name, limit = form.get("nama", "").strip(), form.get("per_menit", "").strip() or str(PER_MINUTE)
    if not name or not limit.isdigit() or not 1 <= int(limit) <= MOST_PER_MINUTE:
        return await listing(pages, viewer, refused="konsol.keys.invalid", status=400)
    made = await add_key(pages.ctx, name[:100], int(limit))
    log.info("open311 key made in the console", extra={"staff_id": viewer.staff_id, "key_id": made.id})
    return await listing(pages, viewer, made=(name[:100], made.key))
