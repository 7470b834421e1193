"""The console's language: Indonesian by default, English on `?lang=en`, kept in a cookie for the pages after
(`?lang=id` goes back). Every page reads it through `current()`."""

from __future__ import annotations

from contextvars import ContextVar
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.texts import DEFAULT_LOCALE, LOCALES

COOKIE = "konsol_bahasa"
_current: ContextVar[str] = ContextVar("konsol_locale", default=DEFAULT_LOCALE)


def current() -> str:
    """The language of the page being answered."""
    return _current.get()


def _cookie(scope: Scope) -> str:
    raw = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"cookie"), "")
    try:
        found = SimpleCookie(raw).get(COOKIE)
    except CookieError:
        return ""
    return found.value if found is not None else ""


class Language:
    """ASGI middleware of the console's mount: picks the page's language and remembers a choice."""

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app, self.path = app, path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[0]
        kept = _cookie(scope)
        token = _current.set(asked if asked in LOCALES else kept if kept in LOCALES else DEFAULT_LOCALE)

        async def sending(message: Message) -> None:
            if asked in LOCALES and message["type"] == "http.response.start":
                cookie = f"{COOKIE}={asked}; Path={self.path}; Max-Age=31536000; SameSite=Lax; HttpOnly"
                message = {**message, "headers": [*message.get("headers", []), (b"set-cookie", cookie.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            _current.reset(token)
