"""The transparency pages under /publik: the kabupaten, each kecamatan, and a case by its number (no sign-in).

Server-rendered, no JavaScript, one small stylesheet; the QR codes and the map are inline SVG. Figures come
from `public.figures` and are kept for `cache_for` seconds; anything about single cases comes from
`public.view`, the one place that says what of a case is public.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import segno
from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from core.context import Context
from core.digest import TYPE_ORDER, Compliance
from core.domain.lifecycle import TicketState
from core.domain.sla import Stage
from core.kabupaten_digest import STAGES
from core.profile import Profile
from core.settings import Settings
from core.texts import DEFAULT_LOCALE, LOCALES, duration, text
from public import figures
from public.plot import fitted
from public.view import PublicCase, public_case, public_cases, public_photo

log = logging.getLogger(__name__)
PATH = "/publik"
HERE = Path(__file__).parent
NUMBER = re.compile(r"^[A-Za-z]{2,5}-\d{1,10}$")
DONE = frozenset({TicketState.RESOLVED, TicketState.CLOSED})  # the officer has done their part
RECENT = 6  # resolved cases with their proof photo on a kecamatan's page
MAP_POINTS = 300  # cases drawn on a kecamatan's map (the newest)
HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
           "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                                      "base-uri 'none'; frame-ancestors 'none'"}
CACHED = "public, max-age=60"

Page = Callable[[Request], Awaitable[Response]]


class LongCachedFiles(StaticFiles):
    """The stylesheet: it changes only with a release, so browsers may keep it for a day."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=86400"
        return response


def public_routes(ctx: Context, settings: Settings, *, cache_for: float = 60.0) -> list[BaseRoute]:
    """The transparency pages, mounted at /publik."""
    pages = Pages(ctx, settings, cache_for)
    return [Route(PATH, pages.kabupaten), Mount(PATH, routes=[
        Route("/", pages.kabupaten),
        Route("/kasus", pages.find),
        Mount("/static", LongCachedFiles(directory=HERE / "static"), name="publik-static"),
        Route("/{code}", pages.kecamatan),
        Route("/{code}/kasus", pages.lookup),
        Route("/{code}/kasus/{number}/foto/{attachment:int}", pages.photo),
    ])]


@lru_cache(maxsize=64)
def qr_svg(content: str) -> Markup:
    """A QR code of `content` as inline SVG (dark modules on the page's own background)."""
    return Markup(segno.make(content, error="m", micro=False).svg_inline(scale=4, dark="#000", light="#fff"))


def whatsapp_link(profile: Profile) -> str | None:
    """wa.me link of the kecamatan's WhatsApp number, when its profile gives the number itself (the
    Graph API phone id is not a number people can dial)."""
    return f"https://wa.me/{profile.whatsapp_number}" if profile.whatsapp_number else None


class Cache:
    """Values kept for a while in this process (the figures: a page view must not cost a recount). While one
    request counts, the others asking for the same key wait for its answer instead of counting too. Once a
    value is older than `seconds`, the next request still gets it at once while it is counted again in the
    background (no visitor waits for a recount, only the very first one); a failed recount is logged and
    the old value stays until the next try."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._held: dict[str, tuple[float, Any]] = {}
        self._counting: dict[str, asyncio.Lock] = {}
        self._refreshing: dict[str, asyncio.Task[None]] = {}

    async def get(self, key: str, make: Callable[[], Awaitable[Any]]) -> Any:
        held = self._held.get(key)
        if held is not None:
            if held[0] <= time.monotonic() and key not in self._refreshing:
                self._refreshing[key] = asyncio.create_task(self._refresh(key, make))
            return held[1]
        async with self._counting.setdefault(key, asyncio.Lock()):
            held = self._held.get(key)
            if held is not None:
                return held[1]
            value = await make()
            if self.seconds > 0:
                self._held[key] = (time.monotonic() + self.seconds, value)
            return value

    async def _refresh(self, key: str, make: Callable[[], Awaitable[Any]]) -> None:
        try:
            value = await make()
            self._held[key] = (time.monotonic() + self.seconds, value)
        except Exception:
            log.exception("public figures could not be counted again; the last ones stay", extra={"key": key})
        finally:
            self._refreshing.pop(key, None)

    async def settled(self) -> None:
        """Wait for the recounts under way (tests; a stopping server)."""
        while self._refreshing:
            await asyncio.gather(*self._refreshing.values(), return_exceptions=True)


class Pages:
    """The public pages' handlers over one install's context."""

    def __init__(self, ctx: Context, settings: Settings, cache_for: float) -> None:
        self.ctx, self.settings, self.cache = ctx, settings, Cache(cache_for)
        self.env = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]))

    def locale(self, request: Request) -> str:
        wanted = request.query_params.get("lang", "")
        return wanted if wanted in LOCALES else DEFAULT_LOCALE

    def render(self, request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        locale = self.locale(request)
        body = self.env.get_template(name).render(locale=locale, **self.helpers(request, locale), **values)
        cache = CACHED if status == 200 else "no-store"
        return HTMLResponse(body, status_code=status, headers={**HEADERS, "Cache-Control": cache})

    def not_found(self, request: Request) -> HTMLResponse:
        locale = self.locale(request)
        return self.render(request, "message.html", 404, heading=text("publik.not_found_title", locale),
                           message=text("publik.not_found", locale))

    def tenant(self, request: Request) -> Context | None:
        code = request.path_params["code"]
        return self.ctx.at(code) if code in self.ctx.kabupaten.profiles else None

    def page_url(self, request: Request, path: str) -> str:
        """The page's address as people outside reach it (CONSOLE_URL, the server's public address)."""
        base = (self.settings.console_url or str(request.base_url)).rstrip("/")
        return base + path

    async def kabupaten(self, request: Request) -> Response:
        """The kabupaten's figures, each kecamatan's with a link to its page, the map, recent proof, the lookup."""
        board = await self.cache.get("kabupaten", lambda: figures.kabupaten_board(self.ctx))
        cases: list[PublicCase] = await self.cache.get(
            "cases:", lambda: public_cases(self.ctx, None, since=board.total.last_month.start, limit=MAP_POINTS,
                                           timeline=False))
        locale, profiles = self.locale(request), list(self.ctx.kabupaten)
        offices = [(p.name.removeprefix("Kecamatan "), p.office) for p in profiles if p.office is not None]
        return self.render(request, "kabupaten.html", board=board, profiles=profiles,
                           board_categories=category_rows(profiles, board.by_category, locale),
                           board_types=type_rows(board.by_type, locale), recent=recent_proof(cases),
                           map=points_map(offices, cases))

    async def find(self, request: Request) -> Response:
        """The kabupaten's lookup: a number goes to its kecamatan's lookup, by its ticket prefix."""
        number = request.query_params.get("nomor", "").strip().upper()[:20]
        profile = self.ctx.kabupaten.by_prefix(number.partition("-")[0]) if NUMBER.match(number) else None
        if profile is None:
            locale = self.locale(request)
            return self.render(request, "message.html", 404, heading=text("publik.lookup_title", locale),
                               message=text("publik.lookup_none", locale, number=number or "–"))
        query = {"nomor": number, **({"lang": "en"} if self.locale(request) == "en" else {})}
        return RedirectResponse(f"{PATH}/{profile.code}/kasus?{urlencode(query)}", status_code=303,
                                headers={**HEADERS, "Cache-Control": "no-store"})

    async def kecamatan(self, request: Request) -> Response:
        """One kecamatan: figures, per desa, per category, the map, recent proof, the poster block."""
        here = self.tenant(request)
        if here is None:
            return self.not_found(request)
        code = here.kecamatan
        board = await self.cache.get(f"kecamatan:{code}", lambda: figures.kecamatan_board(here))
        cases: list[PublicCase] = await self.cache.get(
            f"cases:{code}", lambda: public_cases(here, code, since=board.summary.last_month.start, limit=MAP_POINTS,
                                                  timeline=False))
        recent = recent_proof(cases)
        link = self.page_url(request, f"{PATH}/{code}")
        wa = whatsapp_link(here.profile)
        locale = self.locale(request)
        return self.render(request, "kecamatan.html", here=here.profile, board=board, recent=recent,
                           desa_rows=desa_rows(here.profile, board.by_desa, locale),
                           category_rows=category_rows([here.profile], board.by_category, locale),
                           type_rows=type_rows(board.by_type, locale),
                           map=case_map(here.profile, cases, locale), page_link=link, page_qr=qr_svg(link),
                           wa_link=wa, wa_qr=qr_svg(wa) if wa else None)

    async def lookup(self, request: Request) -> Response:
        """The form, and the case of the number asked for (only a public case of this kecamatan)."""
        here = self.tenant(request)
        if here is None:
            return self.not_found(request)
        number = request.query_params.get("nomor", "").strip().upper()[:20]
        found = None
        if number and NUMBER.match(number):
            case = await public_case(here, number)
            found = case if case is not None and case.kecamatan == here.kecamatan else None
        status = 404 if number and found is None else 200
        return self.render(request, "lookup.html", status, here=here.profile, number=number, case=found,
                           done=found is not None and found.state in DONE)

    async def photo(self, request: Request) -> Response:
        """A public case's photo of this kecamatan (`public.view.public_photo`: its public copy), nothing else."""
        here = self.tenant(request)
        number = str(request.path_params["number"]).upper()
        if here is None or not NUMBER.match(number) or not number.startswith(f"{here.profile.ticket_prefix}-"):
            return self.not_found(request)
        path = await public_photo(here, number, request.path_params["attachment"], self.settings.media_dir)
        if path is None:
            return self.not_found(request)
        return FileResponse(path, headers={**HEADERS, "Cache-Control": "public, max-age=3600",
                                           "Content-Security-Policy": "default-src 'none'; sandbox"})

    def helpers(self, request: Request, locale: str) -> dict[str, Any]:
        zone = self.ctx.kabupaten.first.zone

        def t(key: str, **params: Any) -> str:
            return text(key, locale, **params)

        def href(path: str, **params: str) -> str:
            query = {**params, **({"lang": "en"} if locale == "en" else {})}
            return path + (f"?{urlencode(query)}" if query else "")

        def percent(figure: Compliance) -> str:
            return f"{figure.percent}%" if figure.percent is not None else "–"

        def span(value: Any) -> str:
            return duration(value, locale) if value is not None else "–"

        def stars(value: float | None) -> str:
            return format_decimal(value, format="0.0", locale=locale) if value is not None else "–"

        def month(value: figures.Month) -> str:
            return format_date(value.first, "MMMM y", locale=locale)

        def local(moment: datetime) -> str:
            return moment.astimezone(zone).strftime("%d-%m-%Y %H:%M %Z")

        def category(profile: Profile, code: str | None) -> str:
            found = profile.category(code) if code else None
            return found.label_for(locale) if found else t("publik.no_category")

        other = "id" if locale == "en" else "en"
        switch = request.url.include_query_params(lang=other) if other == "en" else request.url.remove_query_params(
            "lang")
        return {"t": t, "href": href, "percent": percent, "span": span, "stars": stars, "month_name": month,
                "local": local, "category_label": category, "stages": STAGES, "resolve": Stage.RESOLVE, "base": PATH,
                "other_locale": other, "switch_url": str(switch.path) + (f"?{switch.query}" if switch.query else ""),
                "kabupaten": self.ctx.kabupaten, "profile_of": self.ctx.kabupaten.profile}


Labelled = list[tuple[str, figures.Row]]


def desa_rows(profile: Profile, rows: dict[str | None, figures.Row], locale: str) -> Labelled:
    """Every desa of the profile in its order (none left out for having no reports), then any other."""
    named = [(d.name, rows.get(d.name, figures.Row(d.name))) for d in profile.desa]
    known = {d.name for d in profile.desa}
    rest = [(key or text("publik.no_desa", locale), row) for key, row in rows.items() if key not in known]
    return named + sorted(rest, key=lambda item: item[0])


def category_rows(profiles: list[Profile], rows: dict[str | None, figures.Row], locale: str) -> Labelled:
    """Every category of the profiles (the first that names a code labels it), then any other."""
    labels: dict[str, str] = {}
    for profile in profiles:
        for category in profile.categories:
            labels.setdefault(category.code, category.label_for(locale))
    named = [(label, rows.get(code, figures.Row(code))) for code, label in labels.items()]
    rest = [(key or text("publik.no_category", locale), row) for key, row in rows.items() if key not in labels]
    return named + sorted(rest, key=lambda item: item[0])


def type_rows(rows: dict[str | None, figures.Row], locale: str) -> Labelled:
    """Complaints, aspirations and questions counted apart (every kind, none left out when it has no case)."""
    return [(text(f"tg.type.{kind}", locale), rows.get(kind, figures.Row(kind))) for kind in TYPE_ORDER]


def recent_proof(cases: list[PublicCase]) -> list[PublicCase]:
    """The latest cases the officer has done, with their proof photo (the newest RECENT)."""
    return sorted((c for c in cases if c.state in DONE and c.proof_photo_id is not None),
                  key=lambda c: c.updated_at, reverse=True)[:RECENT]


def case_map(profile: Profile, cases: list[PublicCase], locale: str) -> dict[str, Any]:
    """A kecamatan's map: its desa centroids and office (labelled) and its cases."""
    marks = [(d.name, d.centroid) for d in profile.desa if d.centroid is not None]
    if profile.office is not None:
        marks.append((text("publik.map_office", locale), profile.office))
    return points_map(marks, cases)


def points_map(marks: list[tuple[str, tuple[float, float]]], cases: list[PublicCase], width: int = 320,
               height: int = 240) -> dict[str, Any]:
    """Points for an inline SVG map: the labelled places and the cases (already rounded by `public.view`),
    fitted and centred in the box; nothing when nothing has a place."""
    points = [(c.lat, c.long, c.state not in DONE) for c in cases if c.lat is not None and c.long is not None]
    xy = fitted([place for _, place in marks] + [(lat, lon) for lat, lon, _ in points], width, height)
    if xy is None:
        return {}
    return {"width": width, "height": height,
            "marks": [(name, *xy(*centre)) for name, centre in marks],
            "cases": [(*xy(lat, lon), is_open) for lat, lon, is_open in points]}
