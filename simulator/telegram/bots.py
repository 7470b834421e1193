"""Several bots behind one Bot API address, as on api.telegram.org: each request goes to the simulator
whose token its path carries (`/bot{token}/…`, `/file/bot{token}/…`); a token none of them has is
refused as Telegram refuses it (401 Unauthorized; 404 for one that is not a token at all).

Each bot is a TelegramSimulator of its own, with its own chats and people: an install that gives a
kecamatan its own bot keeps that bot's chats apart from the kabupaten bot's (officer_bot/bots.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import httpx
from starlette.responses import JSONResponse

from .rules import NOT_FOUND, TOKEN_RE, UNAUTHORIZED

if TYPE_CHECKING:
    from .simulator import TelegramSimulator

_PATH = re.compile(r"^/(?:file/)?bot([^/]*)/")


class SeveralBots:
    """The ASGI app of one Bot API address serving `sims` (each with its own token)."""

    def __init__(self, sims: Sequence[TelegramSimulator]) -> None:
        self.sims = {sim.token: sim for sim in sims}
        if len(self.sims) != len(sims):
            raise ValueError("each simulated bot needs its own token")

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        match = _PATH.match(scope["path"])
        token = match.group(1) if match else ""
        sim = self.sims.get(token)
        if sim is not None:
            await sim.app(scope, receive, send)
            return
        error = UNAUTHORIZED if TOKEN_RE.match(token) else NOT_FOUND
        await JSONResponse(error.body(), status_code=error.code)(scope, receive, send)
