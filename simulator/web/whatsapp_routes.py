"""JSON API of the WhatsApp pane: citizens, their chat, and what they send and tap."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.whatsapp import Citizen

from . import directory, whatsapp_view
from .state import BadInput, SandboxState, action, body, decode_file, point_field, sample, text_field

IMAGE_TYPES = ("image/jpeg", "image/png")
SAMPLE_PHOTO, SAMPLE_VOICE = "sample-photo.jpg", "sample-voice.ogg"


def _number(state: SandboxState, number: str | None) -> str:
    """The business number a request names (the default one if none)."""
    sim = state.sandbox.whatsapp
    if number is None:
        return sim.phone_id
    if number not in sim.accounts:
        raise BadInput("Nomor WhatsApp itu tidak ada di simulator.")
    return number


def _known(state: SandboxState, request: Request) -> tuple[str, str, Citizen | None, str | None]:
    """The number, the citizen's wa_id, their chat with that number (None if not started) and their name."""
    sim = state.sandbox.whatsapp
    number, wa_id = _number(state, request.path_params.get("number")), request.path_params["wa_id"]
    chats = [c for c in sim.all_chats() if c.wa_id == wa_id]
    if not chats:
        raise BadInput("Warga ini belum ada; tambahkan dulu.")
    return number, wa_id, sim.chats.get((number, wa_id)), next((c.name for c in chats if c.name), None)


def _citizen(request: Request) -> tuple[SandboxState, Citizen]:
    """The citizen's chat with the request's number, started now if it was not yet."""
    state = SandboxState.of(request)
    number, wa_id, found, name = _known(state, request)
    return state, found or state.sandbox.whatsapp.citizen(wa_id, name=name, business=number)


def _chat(state: SandboxState, citizen: Citizen) -> JSONResponse:
    return JSONResponse(whatsapp_view.chat_view(state.sandbox.whatsapp, citizen, state.profile.zone))


@action
async def citizens(request: Request) -> Response:
    state = SandboxState.of(request)
    if request.method == "POST":
        data = await body(request)
        phone = text_field(data, "phone") or ""
        number = _number(state, text_field(data, "number", required=False))
        try:
            citizen = state.sandbox.whatsapp.citizen(phone, name=text_field(data, "name", required=False),
                                                     business=number)
        except ValueError:
            raise BadInput(f"Nomor HP tidak sah: {phone!r}. Contoh: 0812 3456 7890.") from None
        return JSONResponse(whatsapp_view.citizen_summary(citizen))
    return JSONResponse(whatsapp_view.citizen_list(state.sandbox.whatsapp))


@action
async def chat(request: Request) -> Response:
    """The chat with one number; one not started yet is shown empty (reading starts nothing)."""
    state = SandboxState.of(request)
    number, wa_id, found, name = _known(state, request)
    if found is None:
        return JSONResponse(whatsapp_view.empty_chat(wa_id, name, number))
    return _chat(state, found)


async def numbers(request: Request) -> Response:
    state = SandboxState.of(request)
    return JSONResponse(directory.numbers(state.sandbox.whatsapp, state.install))


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
    latitude, longitude = point_field(data)
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
    """A chat is `/api/whatsapp/numbers/{number}/citizens/{wa_id}`; without the number, the default number's."""
    chat_routes = [("", chat, "GET"), ("/text", send_text, "POST"), ("/image", send_image, "POST"),
                   ("/voice", send_voice, "POST"), ("/location", send_location, "POST"), ("/tap", tap, "POST"),
                   ("/choose", choose, "POST")]
    return [
        Route("/api/whatsapp/citizens", citizens, methods=["GET", "POST"]),
        Route("/api/whatsapp/numbers", numbers, methods=["GET"]),
        *(Route(f"{prefix}/citizens/{{wa_id}}{path}", endpoint, methods=[method])
          for prefix in ("/api/whatsapp", "/api/whatsapp/numbers/{number}")
          for path, endpoint, method in chat_routes),
        Route("/api/whatsapp/media/{media_id}", media, methods=["GET"]),
    ]

