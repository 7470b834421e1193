"""The sandbox page as a Starlette app: the page, its JSON API, its static files and its event stream."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from core.kabupaten import Kabupaten
from core.profile import Profile
from simulator.sandbox import Sandbox, as_install

from . import directory, telegram_routes, telegram_view, whatsapp_routes
from .controls import SandboxControls
from .feed import ChangeFeed
from .places import kabupaten_map, map_centre, map_config
from .state import STATIC, BadInput, SandboxState, action, body, int_field

log = logging.getLogger(__name__)


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def _number_map(state: SandboxState, kecamatan: str | None) -> dict[str, object]:
    """A kecamatan's number shows its kecamatan; a kabupaten-wide number every kecamatan's office."""
    if kecamatan is not None and kecamatan != state.profile.code:
        profile = state.install.profile(kecamatan)
        return map_config(profile, map_centre(profile))
    if kecamatan is None and len(state.install) > 1:
        return kabupaten_map(state.install)
    return map_config(state.profile, state.center)


async def config(request: Request) -> Response:
    state = SandboxState.of(request)
    chats, install = state.profile.telegram, state.install
    numbers = [{**n, "map": _number_map(state, n["kecamatan"])}
               for n in directory.numbers(state.sandbox.whatsapp, install)]
    return JSONResponse({
        "kecamatan": state.profile.name,
        "kabupaten": state.profile.kabupaten,
        "title": state.profile.name if len(install) == 1 else f"{install.name} · {len(install)} kecamatan",
        "map": map_config(state.profile, state.center),
        "numbers": numbers,
        "default_number": state.sandbox.whatsapp.phone_id,
        "desk_chat": chats.desk_chat_id,
        "field_chats": chats.field_chat_ids,
        "camat": chats.camat_user_id,
        "bot_name": state.sandbox.telegram.bot_user.first_name,
        "speed": state.controls.speed,
        "fast_factor": state.controls.fast_factor,
        "flood_size": state.controls.flood_size,
    })


async def events(request: Request) -> Response:
    state = SandboxState.of(request)
    raw_limit = request.query_params.get("limit", "")
    limit = int(raw_limit) if raw_limit.isdigit() else None
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(state.feed.events(limit), media_type="text/event-stream", headers=headers)


@action
async def set_speed(request: Request) -> Response:
    state = SandboxState.of(request)
    data = await body(request)
    factor = state.controls.fast_factor if data.get("fast") else 1.0
    result = await state.controls.set_speed(factor)
    state.controls.speed = factor
    note = str(result) if result is not None else (
        f"Jam dipercepat: 1 menit = {factor / 60:g} jam." if factor != 1.0 else "Jam kembali normal.")
    state.feed.publish("controls", {"speed": factor, "note": note})
    return JSONResponse({"speed": factor, "note": note})


@action
async def flood(request: Request) -> Response:
    state = SandboxState.of(request)
    n = int_field(await body(request), "n", required=False) or state.controls.flood_size
    if not 1 <= n <= 500:
        raise BadInput("Banjir: antara 1 dan 500 laporan.")
    result = await state.controls.flood(n=n)
    note = str(result) if result is not None else f"Banjir: {n} laporan dikirim."
    state.feed.publish("controls", {"speed": state.controls.speed, "note": note})
    return JSONResponse({"n": n, "note": note})


def build_sandbox_web(sandbox: Sandbox, install: Profile | Kabupaten, controls: SandboxControls | None = None,
                      *, center: tuple[float, float] | None = None) -> Starlette:
    """The sandbox page for these simulators and the install they serve (a kabupaten, or one kecamatan);
    ``center`` moves the first kecamatan's map. ``app.state.feed.close()`` ends open event streams."""
    kabupaten = as_install(install)
    controls = controls or SandboxControls()
    telegram_view.ensure_staff(sandbox.telegram, controls.staff_members())
    feed = ChangeFeed(sandbox)
    routes = [
        Route("/", index, methods=["GET"]),
        Route("/api/config", config, methods=["GET"]),
        Route("/api/events", events, methods=["GET"]),
        Route("/api/controls/speed", set_speed, methods=["POST"]),
        Route("/api/controls/flood", flood, methods=["POST"]),
        *whatsapp_routes.routes(),
        *telegram_routes.routes(),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = SandboxState(sandbox, kabupaten, controls, feed, center or map_centre(kabupaten.first))
    app.state.feed = feed
    return app
