"""The Open311 GeoReport v2 API under /open311/v2: one per install, `jurisdiction_id` names a kecamatan.

Reading needs no key and answers any origin (CORS, with the preflight's OPTIONS); posting a report needs
a key (`open311.keys`: one an admin made, or one of OPEN311_API_KEYS) and stays same-origin. Every answer
is XML or JSON by the path's ending, UTF-8, datetimes in the kecamatan's time with its offset; every
refusal is the specification's errors list (400, 403, 404; 429 over a key's per-minute limit).
What of a case is shown is `public.view`'s to say.
"""

from __future__ import annotations

import logging
import mimetypes
import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl

from sqlalchemy import or_, select
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from core.context import Context
from core.db.models import Ticket
from core.settings import Settings
from core.texts import LOCALES, text
from open311 import services as catalogue
from open311.keys import Caller, caller, rate_wait
from open311.render import FORMATS, Problem, Value, document, errors
from open311.requests import paging, parse_query, request_row, window
from open311.submit import CHANNEL, file_report, tenant
from open311.updates import request_updates
from public.view import PublicCase, public_case, public_cases, public_photo

log = logging.getLogger(__name__)
BASE = "/open311/v2"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-07T06:00:00+08:00"  # when this endpoint's behaviour last changed (discovery: a W3C datetime)
MAX_FORM = 65_536
TOKEN = re.compile(r"[0-9a-f]{32}")  # what submit.file_report makes (secrets.token_hex(16))
GET_HEADERS = {"Access-Control-Allow-Origin": "*"}
# The preflight of a cross-origin GET: any origin may read, with the headers a page's fetch() may add.
PREFLIGHT = {**GET_HEADERS, "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
             "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Language, Content-Type, "
                                             "If-Modified-Since, If-None-Match",
             "Access-Control-Max-Age": "86400"}
READ = ["GET", "HEAD", "OPTIONS"]
ALL = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
FILE_HEADERS = {"Content-Security-Policy": "default-src 'none'; sandbox", "X-Content-Type-Options": "nosniff",
                "Cache-Control": "public, max-age=3600", **GET_HEADERS}

Handler = Callable[[Request, str], Awaitable[Response]]


def open311_routes(ctx: Context, settings: Settings) -> list[BaseRoute]:
    """The GeoReport v2 endpoints, mounted at /open311/v2."""
    api = Api(ctx, settings)
    return [Mount(BASE, routes=[
        Route("/discovery.{fmt}", api.answer(api.discovery), methods=ALL),
        Route("/services.{fmt}", api.answer(api.services), methods=ALL),
        Route("/services/{code}.{fmt}", api.answer(api.definition), methods=ALL),
        Route("/requests.{fmt}", api.answer(api.requests, [*READ, "POST"]), methods=ALL),
        Route("/requests/{id}.{fmt}", api.answer(api.request), methods=ALL),
        Route("/servicerequestupdates.{fmt}", api.answer(api.updates), methods=ALL),
        Route("/tokens/{token}.{fmt}", api.answer(api.token), methods=ALL),
        Route("/media/{number}/{attachment:int}", api.media),
        Route("/{rest:path}", api.answer(api.unknown, ALL), methods=ALL),
    ])]


def _params(request: Request) -> dict[str, str]:
    """The query's parameters; one given several times is read as their comma list (as the specification allows)."""
    q = request.query_params
    return {key: ",".join(v for v in q.getlist(key) if v) for key in q}


class Api:
    """The API's handlers over one install's context."""

    def __init__(self, ctx: Context, settings: Settings) -> None:
        self.ctx, self.settings = ctx, settings
        self.kabupaten = ctx.kabupaten

    def answer(self, handler: Handler, methods: list[str] = READ) -> Callable[[Request], Awaitable[Response]]:
        """The handler in the path's format, its Problems (and any failure) as the specification's errors; a
        method the resource does not take is refused the same way (405), in the format the path ends with."""
        allowed = ", ".join(m for m in methods if m != "OPTIONS")

        async def endpoint(request: Request) -> Response:
            if request.method == "OPTIONS":  # a browser's preflight: reading is open to any page, posting is not
                return Response(status_code=204, headers=PREFLIGHT)
            fmt = request.path_params.get("fmt") or ("json" if request.url.path.endswith(".json") else "xml")
            headers = GET_HEADERS if request.method in ("GET", "HEAD") else None
            locale = self.locale(request)
            try:
                if request.method not in methods:
                    raise Problem(405, "method", headers={"Allow": allowed}, method=request.method[:10],
                                  allowed=allowed)
                if fmt not in FORMATS:
                    raise Problem(400, "format", value=fmt[:10])
                response = await handler(request, fmt)
            except Problem as problem:
                log.log(logging.WARNING if problem.status == 403 else logging.INFO, "open311 refused",
                        extra={"path": request.url.path[:200], "status": problem.status, "reason": problem.key})
                return errors(fmt, problem.status, text(f"{problem.table}.{problem.key}", locale, **problem.params),
                              {**(headers or {}), **problem.headers})
            except Exception:  # a bug must not take the server down, nor show a traceback to the world
                log.exception("open311 failed", extra={"path": request.url.path[:200]})
                return errors(fmt, 400, text("open311.error.general", locale), headers)
            response.headers.update(headers or {})
            return response
        return endpoint

    def locale(self, request: Request) -> str:
        """`locale=en|id` (an extension), else the install's default."""
        asked = request.query_params.get("locale", "")
        return asked if asked in LOCALES else self.kabupaten.first.default_locale

    def base_url(self, request: Request) -> str:
        """Where clients reach this server: CONSOLE_URL (the public address) when set, else as asked."""
        return (self.settings.console_url or str(request.base_url)).rstrip("/")

    def media_url(self, request: Request, case: PublicCase) -> str | None:
        if case.proof_photo_id is None:
            return None
        return f"{self.base_url(request)}{BASE}/media/{case.number}/{case.proof_photo_id}"

    async def discovery(self, request: Request, fmt: str) -> Response:
        """Service Discovery: the specification's fields only (the endpoints are the specification's, and
        FixMyStreet's servicerequestupdates, named in the README); key_service says a POST's media_url is ignored."""
        locale, url = self.locale(request), f"{self.base_url(request)}{BASE}"
        body: Value = {
            "changeset": CHANGESET,
            "contact": " ".join((text("open311.contact", locale, name=self.kabupaten.name),
                                 text("open311.jurisdictions", locale, known=catalogue.known(self.kabupaten)))),
            "key_service": " ".join((text("open311.key_service", locale), text("open311.post_media", locale))),
            "endpoints": [{"specification": SPECIFICATION, "url": url, "changeset": CHANGESET, "type": "production",
                           "formats": ["text/xml", "application/json"]}]}
        return document(fmt, "discovery", body)

    async def services(self, request: Request, fmt: str) -> Response:
        profiles = catalogue.scope(self.kabupaten, request.query_params.get("jurisdiction_id"))
        return document(fmt, "services", catalogue.services(profiles, self.locale(request)))

    async def definition(self, request: Request, fmt: str) -> Response:
        profiles = catalogue.scope(self.kabupaten, request.query_params.get("jurisdiction_id"))
        code = request.path_params["code"]
        return document(fmt, "service_definition", catalogue.definition(profiles, code, self.locale(request)))

    async def requests(self, request: Request, fmt: str) -> Response:
        if request.method == "POST":
            return await self.post(request, fmt)
        params = _params(request)
        profiles = catalogue.scope(self.kabupaten, params.get("jurisdiction_id"))
        query = parse_query(params, self.ctx.now(), profiles[0].zone)
        # A case is a service request once it has a service: a report the desk has not yet given a category
        # (a WhatsApp one, before verification) is listed from then on; until the desk has read it, without
        # the citizen's text (`public.view`).
        services = query.categories or sorted({c.code for p in profiles for c in p.categories})
        cases = await public_cases(self.ctx, profiles[0].code, since=query.since,
                                   until=query.until, numbers=query.numbers, category=services,
                                   open=query.open, limit=query.limit, offset=query.offset, timeline=False)
        locale = self.locale(request)
        rows: list[Value] = [request_row(c, self.kabupaten, locale, self.media_url(request, c)) for c in cases]
        return document(fmt, "service_requests", rows)

    async def request(self, request: Request, fmt: str) -> Response:
        (here,) = catalogue.scope(self.kabupaten, request.query_params.get("jurisdiction_id"))
        number = request.path_params["id"]
        case = await public_case(self.ctx, number)
        if case is None or case.category is None or case.kecamatan != here.code:
            raise Problem(404, "request_unknown", value=number[:40])
        return document(fmt, "service_requests", [request_row(case, self.kabupaten, self.locale(request),
                                                              self.media_url(request, case))])

    async def updates(self, request: Request, fmt: str) -> Response:
        """GET servicerequestupdates: the public steps of public cases between start_date and end_date."""
        params = _params(request)
        (here,) = catalogue.scope(self.kabupaten, params.get("jurisdiction_id"))
        since, until = window(params, self.ctx.now(), here.zone)
        limit, offset = paging(params)
        rows = await request_updates(self.ctx, here.code, since, until,
                                     self.locale(request), lambda case: self.media_url(request, case), limit, offset)
        return document(fmt, "service_request_updates", rows)

    async def token(self, request: Request, fmt: str) -> Response:
        """The request a POST's token became. Vestigial here: every service is `realtime`, so POST answers the
        service_request_id at once; the endpoint stays for clients that ask anyway."""
        (here,) = catalogue.scope(self.kabupaten, request.query_params.get("jurisdiction_id"))
        token = request.path_params["token"]
        number = None
        if TOKEN.fullmatch(token):  # a token is hex: nothing in it can be a LIKE wildcard
            async with self.ctx.sessions() as session:
                number = await session.scalar(select(Ticket.number).where(or_(
                    Ticket.source_ref.like(f"{CHANNEL}:%:{token}"), Ticket.source_ref == f"{CHANNEL}:{token}")))
        case = await public_case(self.ctx, number) if number else None
        if case is None or case.kecamatan != here.code:
            raise Problem(404, "token_unknown", value=token[:40])
        return document(fmt, "service_requests", [{"service_request_id": case.number, "token": token}])

    async def post(self, request: Request, fmt: str) -> Response:
        """POST requests: form-encoded, with an api_key; answers the new request's id and what happens next."""
        body = await request.body()
        if len(body) > MAX_FORM:
            raise Problem(400, "general")
        posted = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        form = {**dict(request.query_params), **dict(posted)}
        who = await self.allowed(form.get("api_key", ""))
        here = self.ctx.at(tenant(self.kabupaten, form))
        filed = await file_report(here, form, who.ref)
        log.info("open311 report filed", extra={"ticket": filed.submitted.number, "kecamatan": here.kecamatan,
                                                "key": who.label})
        locale = self.locale(request)
        deadline = filed.submitted.deadline
        notice = (text("open311.service_notice", locale, number=filed.submitted.number,
                       deadline=deadline.astimezone(here.profile.zone).strftime("%d-%m-%Y %H:%M"))
                  if deadline else text("open311.service_notice_soon", locale, number=filed.submitted.number))
        return document(fmt, "service_requests", [{"service_request_id": filed.submitted.number,
                                                   "service_notice": notice}])

    async def allowed(self, given: str) -> Caller:
        """The caller `given` names, under its per-minute limit; else a Problem (403 or 429), logged keyless."""
        found = await caller(self.ctx, given, self.settings.open311_keys())
        if not isinstance(found, Caller):
            log.warning("open311 key refused", extra={"reason": found.reason, "key_id": found.key_id})
            raise Problem(403, "api_key")
        wait = await rate_wait(self.ctx, found, self.ctx.now())
        if wait:
            log.warning("open311 key over its limit", extra={"key": found.label, "per_minute": found.per_minute})
            raise Problem(429, "rate_limited", table="open311.keys", headers={"Retry-After": str(wait)},
                          most=found.per_minute, seconds=wait)
        return found

    async def media(self, request: Request) -> Response:
        """A public case's proof photo (nothing else is served)."""
        path = await public_photo(self.ctx, request.path_params["number"], request.path_params["attachment"],
                                  self.settings.media_dir)
        if path is None:
            return errors("xml", 404, text("open311.error.not_found", self.locale(request)), GET_HEADERS)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=kind, headers=FILE_HEADERS, content_disposition_type="inline")

    async def unknown(self, request: Request, fmt: str) -> Response:
        raise Problem(404, "not_found")
