"""JSON API of the Telegram columns: chats, users, and what staff send, reply and tap."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulator.telegram import SimChat, SimMessage, SimUser

from . import telegram_view
from .state import BadInput, SandboxState, action, body, decode_file, int_field, point_field, sample, text_field

TAP_TIMEOUT = 8.0
SAMPLE_PHOTO = "sample-photo.jpg"


def _chat(request: Request) -> tuple[SandboxState, SimChat]:
    state = SandboxState.of(request)
    raw = request.path_params["chat_id"]
    chat = state.sandbox.telegram.chats.get(int(raw)) if raw.lstrip("-").isdigit() else None
    if chat is None:
        raise BadInput("Chat ini tidak ada.")
    return state, chat


def _user(state: SandboxState, data: dict[str, object]) -> SimUser:
    user = state.sandbox.telegram.people.get(int_field(data, "user_id") or 0)
    if user is None:
        raise BadInput("Pilih dulu sebagai siapa Anda menulis.")
    return user


def _message(chat: SimChat, message_id: int | None) -> SimMessage | None:
    if message_id is None:
        return None
    message = chat.get(message_id)
    if message is None:
        raise BadInput("Pesan itu sudah tidak ada di chat ini.")
    return message


def _view(state: SandboxState, chat: SimChat) -> JSONResponse:
    return JSONResponse(telegram_view.chat_view(chat, state.profile.zone, state.install))


async def chats(request: Request) -> Response:
    state = SandboxState.of(request)
    return JSONResponse(telegram_view.chat_list(state.sandbox.telegram, state.install))


@action
async def users(request: Request) -> Response:
    state = SandboxState.of(request)
    sim = state.sandbox.telegram
    if request.method == "POST":
        name = text_field(await body(request), "name") or ""
        user = sim.user(name.strip()[:64])
        return JSONResponse({"id": user.user_id, "name": user.first_name, "label": user.first_name})
    return JSONResponse(telegram_view.user_list(sim, state.controls.staff_members()))


@action
async def chat(request: Request) -> Response:
    return _view(*_chat(request))


@action
async def send_text(request: Request) -> Response:
    state, chat = _chat(request)
    data = await body(request)
    reply_to = _message(chat, int_field(data, "reply_to", required=False))
    await _user(state, data).sends(chat, text_field(data, "text") or "", reply_to=reply_to)
    return _view(state, chat)


@action
async def send_photo(request: Request) -> Response:
    """One photo, or an album of 2-10, optionally as a reply (an officer's proof on a card)."""
    state, chat = _chat(request)
    data = await body(request)
    user = _user(state, data)
    reply_to = _message(chat, int_field(data, "reply_to", required=False))
    caption = text_field(data, "caption", required=False)
    files = data.get("photos")
    photos = [sample(SAMPLE_PHOTO)] if data.get("sample") else [decode_file(f) for f in files or ()]
    if not photos or len(photos) > 10:
        raise BadInput("Kirim 1 sampai 10 foto.")
    if len(photos) == 1:
        await user.sends_photo(chat, photos[0], caption=caption, reply_to=reply_to)
    else:
        await user.sends_album(chat, photos, caption=caption, reply_to=reply_to)
    return _view(state, chat)


@action
async def send_location(request: Request) -> Response:
    """A point shared as Telegram's 📎 → Location does, optionally as a reply (an officer's proof of place)."""
    state, chat = _chat(request)
    data = await body(request)
    user = _user(state, data)
    reply_to = _message(chat, int_field(data, "reply_to", required=False))
    latitude, longitude = point_field(data)
    await user.shares_location(chat, latitude, longitude, reply_to=reply_to)
    return _view(state, chat)


@action
async def tap(request: Request) -> Response:
    """Tap an inline button and wait (briefly) for the bot's answer, shown as a toast."""
    state, chat = _chat(request)
    data = await body(request)
    message = _message(chat, int_field(data, "message_id"))
    assert message is not None
    pending = _user(state, data).tap(message, text_field(data, "button") or "")
    try:
        answer = await pending.answered(TAP_TIMEOUT)
    except TimeoutError:
        return JSONResponse({"answered": False, "text": "Bot belum menjawab ketukan ini."})
    return JSONResponse({"answered": True, "text": answer.text, "show_alert": answer.show_alert, "url": answer.url})


async def file(request: Request) -> Response:
    sim = SandboxState.of(request).sandbox.telegram
    found = sim.files.by_id.get(request.path_params["file_id"])
    if found is None:
        return Response(b"", status_code=404)
    return Response(found.data, media_type=found.mime_type or "application/octet-stream",
                    headers={"Cache-Control": "private, max-age=86400, immutable"})


def routes() -> list[Route]:
    prefix = "/api/telegram/chats/{chat_id}"
    return [
        Route("/api/telegram/chats", chats, methods=["GET"]),
        Route("/api/telegram/users", users, methods=["GET", "POST"]),
        Route(prefix, chat, methods=["GET"]),
        Route(prefix + "/text", send_text, methods=["POST"]),
        Route(prefix + "/photo", send_photo, methods=["POST"]),
        Route(prefix + "/location", send_location, methods=["POST"]),
        Route(prefix + "/tap", tap, methods=["POST"]),
        Route("/api/telegram/files/{file_id}", file, methods=["GET"]),
    ]
