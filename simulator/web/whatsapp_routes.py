"""JSON API of the WhatsApp pane: citizens, their chat, and what they send and tap."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.whatsapp import Citizen

from . import whatsapp_view
from .state import BadInput, SandboxState, action, body, decode_file, sample, text_field

IMAGE_TYPES = ("image/jpeg", "image/png")
SAMPLE_PHOTO, SAMPLE_VOICE = "sample-photo.jpg", "sample-voice.ogg"


def _citizen(request: Request) -> tuple[SandboxState, Citizen]:
    state = SandboxState.of(request)
    citizen = state.sandbox.whatsapp.citizens.get(request.path_params["wa_id"])
    if citizen is None:
        raise BadInput("Warga ini belum ada; tambahkan dulu.")
    return state, citizen


def _chat(state: SandboxState, citizen: Citizen) -> JSONResponse:
    return JSONResponse(whatsapp_view.chat_view(state.sandbox.whatsapp, citizen, state.profile.zone))


@action
async def citizens(request: Request) -> Response:
    state = SandboxState.of(request)
    if request.method == "POST":
        data = await body(request)
        phone = text_field(data, "phone") or ""
        try:
            citizen = state.sandbox.whatsapp.citizen(phone, name=text_field(data, "name", required=False))
        except ValueError:
            raise BadInput(f"Nomor HP tidak sah: {phone!r}. Contoh: 0812 3456 7890.") from None
        return JSONResponse(whatsapp_view.citizen_summary(citizen))
    return JSONResponse(whatsapp_view.citizen_list(state.sandbox.whatsapp))


@action
async def chat(request: Request) -> Response:
    return _chat(*_citizen(request))


@action
async def send_text(request: Request) -> Response:
    state, citizen = _citizen(request)
    text = text_field(await body(request), "text") or ""
    await citizen.sends_text(text)
    return _chat(state, citizen)


@action
async def send_image(request: Request) -> Response:
    state, citizen = _citizen(request)
    data = await body(request)
    caption = text_field(data, "caption", required=False)
    if data.get("sample"):
        photo, mime = sample(SAMPLE_PHOTO), "image/jpeg"
    else:
        photo, mime = decode_file(data.get("data")), str(data.get("mime") or "image/jpeg")
        if mime not in IMAGE_TYPES:
            raise BadInput(f"WhatsApp hanya menerima foto JPEG atau PNG, bukan {mime}.")
    await citizen.sends_image(photo, caption=caption, mime=mime)
    return _chat(state, citizen)


@action
async def send_voice(request: Request) -> Response:
    state, citizen = _citizen(request)
    await citizen.sends_voice(sample(SAMPLE_VOICE))
    return _chat(state, citizen)


@action
async def send_location(request: Request) -> Response:
    state, citizen = _citizen(request)
    data = await body(request)
    try:
        latitude, longitude = float(data["latitude"]), float(data["longitude"])
    except (KeyError, TypeError, ValueError):
        raise BadInput("Lokasi butuh latitude dan longitude berupa angka.") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise BadInput("Koordinat di luar bumi.")
    await citizen.sends_location(latitude, longitude, name=text_field(data, "name", required=False),
                                 address=text_field(data, "address", required=False))
    return _chat(state, citizen)


@action
async def tap(request: Request) -> Response:
    state, citizen = _citizen(request)
    await citizen.taps(text_field(await body(request), "title") or "")
    return _chat(state, citizen)


@action
async def choose(request: Request) -> Response:
    state, citizen = _citizen(request)
    await citizen.chooses(text_field(await body(request), "title") or "")
    return _chat(state, citizen)


async def media(request: Request) -> Response:
    state = SandboxState.of(request)
    stored = state.sandbox.whatsapp.media.get(request.path_params["media_id"])
    if stored is None:
        return Response(b"", status_code=404)
    return Response(stored.data, media_type=stored.mime_type.split(";")[0],
                    headers={"Cache-Control": "private, max-age=86400, immutable"})


def routes() -> list[Route]:
    prefix = "/api/whatsapp/citizens/{wa_id}"
    return [
        Route("/api/whatsapp/citizens", citizens, methods=["GET", "POST"]),
        Route(prefix, chat, methods=["GET"]),
        Route(prefix + "/text", send_text, methods=["POST"]),
        Route(prefix + "/image", send_image, methods=["POST"]),
        Route(prefix + "/voice", send_voice, methods=["POST"]),
        Route(prefix + "/location", send_location, methods=["POST"]),
        Route(prefix + "/tap", tap, methods=["POST"]),
        Route(prefix + "/choose", choose, methods=["POST"]),
        Route("/api/whatsapp/media/{media_id}", media, methods=["GET"]),
    ]

