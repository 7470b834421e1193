"""Starlette routes: ``/bot{token}/{method}`` (the Bot API) and ``/file/bot{token}/{path}`` (downloads)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..faults import FaultInjector, FaultPlan
from .methods import METHODS, Described
from .rules import NOT_FOUND, TOKEN_RE, UNAUTHORIZED, ApiError, too_many_requests
from .wire import read_params

if TYPE_CHECKING:
    from .simulator import TelegramSimulator

log = logging.getLogger(__name__)


def _summary(values: dict[str, Any], files: dict[str, Any]) -> dict[str, Any]:
    shown = dict(values)
    for name, upload in files.items():
        shown[name] = f"<file {upload.filename!r} {len(upload.data)} bytes>"
    return shown


def build_app(sim: TelegramSimulator) -> Starlette:
    def check_token(token: str) -> None:
        if not TOKEN_RE.match(token):
            raise NOT_FOUND
        if token != sim.token:
            raise UNAUTHORIZED

    async def api(request: Request) -> Response:
        method = request.path_params["method"]
        params_shown: dict[str, Any] = {}
        try:
            check_token(request.path_params["token"])
            handler = METHODS.get(method.lower())
            if handler is None:
                raise NOT_FOUND
            params = await read_params(request)
            params_shown = _summary(params.values, params.files)
            result = await handler(sim, params)
            body: dict[str, Any] = {"ok": True, "result": result}
            if isinstance(result, Described):
                body = {"ok": True, "result": result.result, "description": result.description}
            status = 200
        except ApiError as exc:
            body, status = exc.body(), exc.code
        sim.record(method, params_shown, status, body.get("result", body))
        return JSONResponse(body, status_code=status)

    async def download(request: Request) -> Response:
        try:
            check_token(request.path_params["token"])
        except ApiError as exc:
            return JSONResponse(exc.body(), status_code=exc.code)
        file = sim.files.by_path.get(request.path_params["path"])
        sim.record("file", {"path": request.path_params["path"]}, 200 if file else 404, None)
        if file is None:
            return JSONResponse(NOT_FOUND.body(), status_code=404)
        return Response(file.data, media_type=file.mime_type or "application/octet-stream")

    return Starlette(
        routes=[
            Route("/bot{token}/{method}", api, methods=["GET", "POST"]),
            Route("/file/bot{token}/{path:path}", download, methods=["GET"]),
        ],
        middleware=[Middleware(FaultInjector, plan=lambda: sim.fault_plan, error_body=_fault_body)],
    )


def _fault_body(kind: str, plan: FaultPlan) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Telegram's answers for an injected fault: 500, or 429 with ``parameters.retry_after``."""
    error = ApiError(500, "Internal Server Error") if kind == "500" else too_many_requests(plan.retry_after)
    return error.code, error.body(), {"Retry-After": str(plan.retry_after)} if kind == "429" else {}
