"""The console's pages under /konsol: sign-in by link, sign-out, the Kasus list (server-rendered, no JS needed)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from console import actions
from console import api_keys as api_keys_page
from console import export as export_page
from console import map as map_page
from console import musrenbang as musrenbang_page
from console import staff as staff_page
from console import stats as stats_page
from console.cases import SORTS, CaseRow, case_page, filter_from, list_scope, officer_choices, viewer_kecamatan
from console.detail import attachment_of, case_detail, case_place, note_label, stored_file, telegram_id_of, ticket_in
from console.language import Language, current
from console.pair import pair_of
from console.signin import (
    LINK_LIFETIME,
    PATH,
    SESSION_COOKIE,
    SESSION_LIFETIME,
    LinkRefused,
    Viewer,
    check_link,
    csrf_ok,
    redeem_link,
    sign_out,
    viewer_of,
)
from core.context import Context
from core.domain.errors import Refused
from core.domain.lifecycle import TicketState
from core.domain.reports import Outcome
from core.musrenbang import planning_years
from core.settings import Settings
from core.texts import refusal, text
from core.usecases.staff import staff_actor

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
PRE_COOKIE = "konsol_pra"  # the sign-in form's CSRF token (double submit): no session exists yet
OTHER = {"id": "en", "en": "id"}  # the language the switch offers
REFUSED_STATUS = {"unknown": 400, "used": 403, "expired": 403, "inactive": 403}
HEADERS = {"Cache-Control": "no-store", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
           "Referrer-Policy": "no-referrer", "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'"}

Page = Callable[[Request], Awaitable[Response]]


def console_routes(ctx: Context, settings: Settings) -> list[BaseRoute]:
    """The console, mounted at /konsol."""
    pages = Pages(ctx, settings)
    return [Mount(PATH, middleware=[Middleware(Language, path=PATH)], routes=[
        Route("/", pages.home),
        Route("/masuk", pages.signin_help),
        Route("/masuk/{token}", pages.link, methods=["GET", "POST"]),
        Route("/keluar", pages.sign_out, methods=["POST"]),
        Route("/keluar-semua", pages.sign_out_all, methods=["POST"]),
        Route("/kasus", pages.signed_in(pages.cases)),
        Route("/kasus/{number}", pages.signed_in(pages.case)),
        Route("/kasus/{number}/lampiran/{attachment:int}", pages.signed_in(pages.attachment)),
        Route("/kasus/{number}/sebelum-sesudah.jpg", pages.signed_in(pages.before_after)),
        Route("/kasus/{number}/{action}", pages.signed_in(pages.act), methods=["POST"]),
        Route("/petugas", pages.signed_in(pages.staff)),
        Route("/petugas/{action}", pages.signed_in(pages.staff_act), methods=["POST"]),
        Route("/profil", pages.signed_in(pages.profile)),
        Route("/ekspor", pages.signed_in(pages.export)),
        Route("/ekspor.csv", pages.signed_in(pages.export)),
        Route("/ekspor.xlsx", pages.signed_in(pages.export)),
        Route("/ekspor/bulanan.xlsx", pages.signed_in(pages.export)),
        Route("/ekspor/musrenbang.csv", pages.signed_in(pages.musrenbang)),
        Route("/statistik", pages.signed_in(pages.stats)),
        Route("/peta", pages.signed_in(pages.map)),
        Route("/kunci-api", pages.signed_in(pages.api_keys)),
        Route("/kunci-api/buat", pages.signed_in(pages.api_keys), methods=["POST"]),
        Route("/kunci-api/{key:int}/cabut", pages.signed_in(pages.api_keys), methods=["POST"]),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="konsol-static"),
    ])]


def _set_cookie(response: Response, name: str, value: str, max_age: int, path: str) -> None:
    response.set_cookie(name, value, max_age=max_age, path=path, secure=True, httponly=True, samesite="lax")


class Pages:
    """The console's request handlers over one install's context."""

    def __init__(self, ctx: Context, settings: Settings) -> None:
        self.ctx, self.settings = ctx, settings
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))
        self.env.globals["t"] = lambda key, **kw: text(key, current(), **kw)

    def render(self, name: str, status: int = 200, viewer: Viewer | None = None, **values: Any) -> HTMLResponse:
        locale = current()
        body = self.env.get_template(name).render(locale=locale, other_locale=OTHER[locale], viewer=viewer, **values)
        return HTMLResponse(body, status_code=status, headers=HEADERS)

    def message(self, status: int, key: str, viewer: Viewer | None = None, show_how: bool = False,
                **values: Any) -> HTMLResponse:
        return self.render("message.html", status, viewer, heading=text("konsol.signin.title", current()),
                           message=text(key, current(), **values), kind="error" if status >= 400 else "note",
                           show_how=show_how)

    async def viewer(self, request: Request) -> Viewer | None:
        return await viewer_of(self.ctx, request.cookies.get(SESSION_COOKIE, ""))

    def signed_in(self, page: Callable[[Request, Viewer], Awaitable[Response]]) -> Page:
        """A page for signed-in staff only; anyone else is sent to the sign-in page."""
        async def guarded(request: Request) -> Response:
            viewer = await self.viewer(request)
            if viewer is None:
                return RedirectResponse(f"{PATH}/masuk", status_code=303)
            return await page(request, viewer)
        return guarded

    async def home(self, request: Request) -> Response:
        return RedirectResponse(f"{PATH}/kasus", status_code=303)

    async def signin_help(self, request: Request) -> Response:
        return self.render("message.html", heading=text("konsol.signin.title", current()),
                           message=text("konsol.signin.how", current()))

    async def link(self, request: Request) -> Response:
        """GET: say whom the link signs in and offer the button (a link preview must not use it up); POST: sign in."""
        token = request.path_params["token"]
        try:
            if request.method == "GET":
                name = await check_link(self.ctx, token)
                pre = secrets.token_urlsafe(24)
                response = self.render("message.html", heading=text("konsol.signin.title", current()),
                                       message=text("konsol.signin.confirm", current(), name=name),
                                       form_action=request.url.path, form_csrf=pre)
                _set_cookie(response, PRE_COOKIE, pre, int(LINK_LIFETIME.total_seconds()), f"{PATH}/masuk")
                return response
            form = await _form(request)
            given, expected = str(form.get("csrf", "")), request.cookies.get(PRE_COOKIE, "")
            if not expected or not secrets.compare_digest(given.encode(), expected.encode()):
                log.warning("console sign-in refused", extra={"reason": "csrf"})
                return self.message(403, "konsol.signin.csrf")
            session_token = await redeem_link(self.ctx, token)
        except LinkRefused as refused:
            log.warning("console sign-in refused", extra={"reason": refused.reason, "staff_id": refused.staff_id})
            return self.message(REFUSED_STATUS[refused.reason], f"konsol.signin.{refused.reason}")
        signed_in = RedirectResponse(f"{PATH}/kasus", status_code=303)
        _set_cookie(signed_in, SESSION_COOKIE, session_token, int(SESSION_LIFETIME.total_seconds()), PATH)
        signed_in.delete_cookie(PRE_COOKIE, path=f"{PATH}/masuk", secure=True, httponly=True, samesite="lax")
        return signed_in

    async def _signed_out(self, request: Request, everywhere: bool) -> Response:
        viewer = await self.viewer(request)
        if viewer is None:
            return RedirectResponse(f"{PATH}/masuk", status_code=303)
        form = await _form(request)
        if not csrf_ok(request.cookies.get(SESSION_COOKIE, ""), str(form.get("csrf", ""))):
            log.warning("console form refused without its CSRF token", extra={"staff_id": viewer.staff_id})
            return self.message(403, "konsol.signin.csrf", viewer)
        count = await sign_out(self.ctx, viewer, everywhere)
        response = (self.message(200, "konsol.signin.signed_out_all", count=count) if everywhere
                    else self.message(200, "konsol.signin.signed_out"))
        response.delete_cookie(SESSION_COOKIE, path=PATH, secure=True, httponly=True, samesite="lax")
        return response

    async def sign_out(self, request: Request) -> Response:
        return await self._signed_out(request, everywhere=False)

    async def sign_out_all(self, request: Request) -> Response:
        return await self._signed_out(request, everywhere=True)

    async def cases(self, request: Request, viewer: Viewer) -> Response:
        """The Kasus list of the viewer's kecamatan (one, or all of theirs), filtered by the GET parameters."""
        places, mine_first = await list_scope(self.ctx, viewer)
        if not places:
            return self.message(403, "konsol.signin.no_role", viewer)
        parsed = filter_from(self.ctx, places, request.query_params)
        if parsed is None:
            return self.message(403, "konsol.signin.not_yours", viewer)
        wanted, choices = replace(parsed[0], mine_first=mine_first), parsed[1]
        chosen, categories, desa = choices.chosen, choices.categories, choices.desa
        page = await case_page(self.ctx, wanted)

        def link(**change: Any) -> str:
            params = {"kecamatan": chosen, "status": wanted.state, "kategori": wanted.category, "desa": wanted.desa,
                      "terlambat": "1" if wanted.overdue else "", "dari": wanted.since or "",
                      "sampai": wanted.until or "", "q": wanted.search, "urut": wanted.sort, "hal": page.page,
                      "jenis": wanted.kind, "petugas": wanted.officer or "", "instansi": wanted.agency}
            params |= {"status" if k == "state" else "hal" if k == "page" else k: v for k, v in change.items()}
            kept = {k: v for k, v in params.items() if v not in ("", None) and not (k == "urut" and v == "baru")
                    and not (k == "hal" and v == 1)}
            return f"{PATH}/kasus" + (f"?{urlencode(kept)}" if kept else "")

        return self.render("cases.html", viewer=viewer, page=page, wanted=wanted, chosen=chosen, link=link,
                           places=[(c, self.ctx.kabupaten.profile(c).name) for c in places],
                           states=[s.value for s in TicketState], categories=sorted(categories.items(),
                                                                                     key=lambda c: c[1]),
                           desa=desa, sorts=SORTS, kinds=choices.kinds, agencies=choices.agencies,
                           officers=await officer_choices(self.ctx, wanted.kecamatan), **self._helpers())

    async def case(self, request: Request, viewer: Viewer, refused: str = "", status: int = 200) -> Response:
        """One case: its story, timeline, files, map point, clock, reporter (masked) and the viewer's actions."""
        number = request.path_params["number"]
        here = await case_place(self.ctx, viewer, number)
        ticket = await ticket_in(here, number) if here else None
        if here is None or ticket is None:
            return self.render("message.html", 404, viewer, heading=number[:20],
                               message=text("konsol.case.not_found", current(), number=number[:20]), kind="error")
        actor = await staff_actor(here, await telegram_id_of(self.ctx, viewer))
        can = actions.offered(here, ticket, actor)
        done = request.query_params.get("selesai", "")
        detail = await case_detail(here, ticket, self.settings.media_dir, current(), actor.roles)
        return self.render("case.html", status, viewer, detail=detail,
                           map=map_page.case_drawing(here, ticket, bool(detail.overdue), current()),
                           here=here, can=can, refused=refused, done=done if done in actions.RUN else "",
                           open311_contact=await actions.open311_contact(here, ticket, actor.roles),
                           officers=await actions.officers(here) if "tugaskan" in can else [],
                           outcomes=[o.value for o in Outcome], years=_years(here),
                           note_label=lambda key: note_label(key, current()), **self._helpers())

    async def attachment(self, request: Request, viewer: Viewer) -> Response:
        """A case's file, for a signed-in viewer of its kecamatan only (anyone else: 404)."""
        number = request.path_params["number"]
        here = await case_place(self.ctx, viewer, number)
        found = await attachment_of(here, number, request.path_params["attachment"]) if here else None
        path = stored_file(self.settings.media_dir, found) if found else None
        if found is None or path is None:
            return self.message(404, "konsol.detail.file_missing", viewer)
        inline = found.kind in ("photo", "voice")
        return FileResponse(path, media_type=found.mime or "application/octet-stream",
                            filename=None if inline else path.name,
                            headers={**HEADERS, "Content-Security-Policy": "default-src 'none'; sandbox"},
                            content_disposition_type="inline" if inline else "attachment")

    async def before_after(self, request: Request, viewer: Viewer) -> Response:
        """The report's photo and the proof side by side (console/pair.py), for a viewer of its kecamatan only."""
        number = request.path_params["number"]
        here = await case_place(self.ctx, viewer, number)
        ticket = await ticket_in(here, number) if here else None
        path = await pair_of(here, ticket, self.settings.media_dir) if here and ticket else None
        if path is None:
            return self.message(404, "konsol.detail.file_missing", viewer)
        return FileResponse(path, media_type="image/jpeg",
                            headers={**HEADERS, "Content-Security-Policy": "default-src 'none'; sandbox"},
                            content_disposition_type="inline")

    async def act(self, request: Request, viewer: Viewer) -> Response:
        """A POSTed action: checked CSRF, the same use case as the Telegram button, then back to the page."""
        number, slug = request.path_params["number"], request.path_params["action"]
        form = await _form(request)
        if not csrf_ok(request.cookies.get(SESSION_COOKIE, ""), str(form.get("csrf", ""))):
            log.warning("console form refused without its CSRF token", extra={"staff_id": viewer.staff_id})
            return self.message(403, "konsol.signin.csrf", viewer)
        here = await case_place(self.ctx, viewer, number)
        ticket = await ticket_in(here, number) if here else None
        if here is None or ticket is None or slug not in actions.RUN:
            return self.render("message.html", 404, viewer, heading=number[:20],
                               message=text("konsol.case.not_found", current(), number=number[:20]), kind="error")
        try:
            actor = await staff_actor(here, await telegram_id_of(self.ctx, viewer))
            await actions.carry_out(here, actor, ticket, slug, form)
        except Refused as exc:
            log.info("console action refused", extra={"staff_id": viewer.staff_id, "action": slug,
                                                      "code": exc.code})
            return await self.case(request, viewer, refused=refusal(exc, current()), status=409)
        log.info("console action", extra={"staff_id": viewer.staff_id, "action": slug, "ticket": ticket.number})
        return RedirectResponse(f"{PATH}/kasus/{ticket.number}?selesai={slug}", status_code=303)

    async def staff(self, request: Request, viewer: Viewer, chosen: str = "", refused: str = "",
                    status: int = 200) -> Response:
        """Petugas: the kecamatan's pending registrations and staff, for its admins (and kabupaten admins)."""
        places = await staff_page.managed_kecamatan(self.ctx, viewer)
        chosen = chosen or request.query_params.get("kecamatan", "") or (places[0] if places else "")
        if chosen not in places:
            return self.message(403, "konsol.staff.not_yours" if places else "konsol.staff.not_admin", viewer)
        here, done = self.ctx.at(chosen), request.query_params.get("selesai", "")
        return self.render("staff.html", status, viewer, here=here, refused=refused,
                           places=[(c, self.ctx.kabupaten.profile(c).name) for c in places],
                           registrations=await staff_page.pending(here), members=await staff_page.roster(here),
                           roles=[r.value for r in staff_page.LOCAL_ROLES], desa=[d.name for d in here.profile.desa],
                           agencies=[(a.code, a.name) for a in self.ctx.kabupaten.agencies],
                           done=done if done in staff_page.SLUGS else "", **self._helpers())

    async def staff_act(self, request: Request, viewer: Viewer) -> Response:
        """A change on the Petugas page: checked CSRF and scope, then the same staff use case as Telegram's."""
        form, slug = staff_page.read_form(await request.body()), request.path_params["action"]
        if not csrf_ok(request.cookies.get(SESSION_COOKIE, ""), staff_page.one(form, "csrf")):
            log.warning("console form refused without its CSRF token", extra={"staff_id": viewer.staff_id})
            return self.message(403, "konsol.signin.csrf", viewer)
        chosen = staff_page.one(form, "kecamatan")
        here = self.ctx.at(chosen) if chosen in await staff_page.managed_kecamatan(self.ctx, viewer) else None
        actor = await staff_page.manager_at(here, await telegram_id_of(self.ctx, viewer)) if here else None
        if here is None or actor is None:
            return self.message(403, "konsol.staff.not_yours", viewer)
        try:
            await staff_page.carry_out(here, actor, slug, form)
        except Refused as exc:
            log.info("console staff change refused", extra={"staff_id": viewer.staff_id, "action": slug,
                                                            "code": exc.code})
            return await self.staff(request, viewer, chosen, refusal(exc, current()), 409)
        log.info("console staff change", extra={"staff_id": viewer.staff_id, "action": slug, "kecamatan": chosen})
        return RedirectResponse(f"{PATH}/petugas?{urlencode({'kecamatan': chosen, 'selesai': slug})}",
                                status_code=303)

    async def profile(self, request: Request, viewer: Viewer) -> Response:
        """Profil: the kecamatan's profile as the running system reads it (read-only)."""
        places = await viewer_kecamatan(self.ctx, viewer)
        chosen = request.query_params.get("kecamatan", "") or (places[0] if places else "")
        if chosen not in places:
            return self.message(403, "konsol.signin.not_yours" if places else "konsol.signin.no_role", viewer)
        here = self.ctx.at(chosen)
        year = self.ctx.now().astimezone(here.profile.zone).year
        return self.render("profile.html", viewer=viewer, here=here, year=year,
                           places=[(c, self.ctx.kabupaten.profile(c).name) for c in places],
                           groups={g.code: g.label_for(current()) for g in here.profile.category_groups},
                           weekdays=staff_page.opening_hours(here),
                           holidays=staff_page.closed_days(here, year, current()),
                           agencies=self.ctx.kabupaten.agencies, span=lambda s: staff_page.span_label(s, current()))

    async def export(self, request: Request, viewer: Viewer) -> Response:
        """Ekspor: its form, the CSV and XLSX of the list's filter, the month's report (console/export.py)."""
        return await export_page.answer(self, request, viewer, current())

    async def musrenbang(self, request: Request, viewer: Viewer) -> Response:
        """The year's Musrenbang list of a kecamatan as CSV (console/musrenbang.py)."""
        return await musrenbang_page.answer(self, request, viewer, current())

    async def stats(self, request: Request, viewer: Viewer) -> Response:
        """Statistik: this week's or month's figures against the last (console/stats.py)."""
        return await stats_page.answer(self, request, viewer, current())

    async def map(self, request: Request, viewer: Viewer) -> Response:
        """Peta: the open and recent cases as points (console/map.py)."""
        return await map_page.answer(self, request, viewer, current())

    async def api_keys(self, request: Request, viewer: Viewer) -> Response:
        """Kunci API: the Open311 keys, for kabupaten admins (console/api_keys.py)."""
        form = await _form(request) if request.method == "POST" else {}
        return await api_keys_page.answer(self, request, viewer, form)

    def _helpers(self) -> dict[str, Any]:
        kabupaten, zone = self.ctx.kabupaten, self.ctx.profile.zone

        def category_label(row: CaseRow) -> str:
            found = kabupaten.profile(row.kecamatan).category(row.category) if row.category else None
            locale = current()
            return found.label_for(locale) if found else (row.category or text("konsol.cases.no_category", locale))

        def local(moment: datetime) -> str:
            return moment.astimezone(zone).strftime("%d-%m-%Y %H:%M")

        return {"category_label": category_label, "local": local,
                "kecamatan_name": lambda code: kabupaten.profile(code).name}


async def _form(request: Request) -> dict[str, str]:
    """A small urlencoded form (the console's forms carry a few fields; python-multipart is not needed)."""
    body = await request.body()
    if len(body) > 16_384:
        return {}
    return dict(parse_qsl(body.decode("utf-8", "replace")))


def _years(here: Context) -> list[int]:
    """The planning years an aspiration may be noted for (core.musrenbang.planning_years)."""
    return list(planning_years(here))
