"""The intake peer: the plain pywa bot a user would otherwise write, under run.serve's uvicorn settings.

.venv/bin/python bench/_pywa_peer.py PORT GRAPH_URL [pywa|pywa_async]   (started by bench/intake.py)

pywa 4.5's own Starlette integration (`WhatsApp(server=app, ...)`: it registers the webhook routes,
checks `X-Hub-Signature-256` against `app_secret` like our intake does, answers 200 and then runs the
handlers as a Starlette background task) and one `@wa.on_message` handler that replies from memory
(a per-citizen count in a dict): no storage, so what it acknowledged is lost if it stops. Settings
come from the environment as for the system (WHATSAPP_TOKEN, _PHONE_ID, _WABA_ID, _APP_SECRET,
_VERIFY_TOKEN); its Graph calls go to GRAPH_URL (bench/intake.py's stub) through a transport that
rewrites graph.facebook.com. `pywa` is the synchronous client (handlers in Starlette's thread pool),
`pywa_async` the asyncio one the project itself builds on. It imports nothing of the project, so
bench/compare.py can measure any tree against the same peer.

/healthz reports the replies not yet sent as `inbox_pending` (webhooks received minus handlers
finished), so bench/intake.py times its backlog the way it times ours.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections import Counter
from typing import Any

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

PATH = "/webhook/whatsapp"


def _to(api_url: str, request: httpx.Request) -> None:
    """Point a graph.facebook.com request at `api_url` (pywa hard-codes the host as the session's base URL)."""
    target = httpx.URL(api_url)
    if request.url.host == "graph.facebook.com":
        request.url = request.url.copy_with(scheme=target.scheme, host=target.host, port=target.port)


class GraphTransport(httpx.HTTPTransport):
    def __init__(self, api_url: str) -> None:
        super().__init__()
        self.api_url = api_url

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        _to(self.api_url, request)
        return super().handle_request(request)


class AsyncGraphTransport(httpx.AsyncHTTPTransport):
    def __init__(self, api_url: str) -> None:
        super().__init__()
        self.api_url = api_url

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        _to(self.api_url, request)
        return await super().handle_async_request(request)


class Tally:
    """Webhooks received and handlers finished: the difference is what is still owed a reply."""

    def __init__(self, app: Starlette) -> None:
        self.app, self.received, self.replied = app, 0, 0
        self._lock = threading.Lock()  # the synchronous client's handlers finish in several threads

    def done(self) -> None:
        with self._lock:
            self.replied += 1

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != PATH:
            return await self.app(scope, receive, send)

        async def counted(message: Message) -> None:
            # what was answered 200 is owed a reply (a refused signature is not)
            if message["type"] == "http.response.start" and message["status"] == 200:
                self.received += 1
            await send(message)

        await self.app(scope, receive, counted)

    async def healthz(self, _request: Request) -> Response:
        return JSONResponse({"status": "ok", "inbox_pending": {"replies": self.received - self.replied},
                             "outbox_pending": {}})


def build(graph_url: str, flavour: str) -> Tally:
    s = os.environ
    app = Starlette()
    tally = Tally(app)
    app.add_route("/healthz", tally.healthz)
    seen: Counter[str] = Counter()  # the bot's whole memory
    common: dict[str, Any] = dict(phone_id=s["WHATSAPP_PHONE_ID"], token=s["WHATSAPP_TOKEN"], server=app,
                                  webhook_endpoint=PATH, verify_token=s["WHATSAPP_VERIFY_TOKEN"],
                                  app_secret=s["WHATSAPP_APP_SECRET"], waba_id=s["WHATSAPP_WABA_ID"])
    if flavour == "pywa_async":
        from pywa_async.client import WhatsApp as AsyncWhatsApp
        from pywa_async.types.message import Message as AsyncMessage

        wa = AsyncWhatsApp(session=httpx.AsyncClient(transport=AsyncGraphTransport(graph_url)), **common)

        # (the ignores: pywa types on_message for the class and the instance at once)
        @wa.on_message  # type: ignore[misc]
        async def reply_async(_: AsyncWhatsApp, msg: AsyncMessage) -> None:
            try:
                who = msg.from_user.bsuid or msg.from_user.wa_id or ""
                seen[who] += 1
                await msg.reply_text(f"Terima kasih, pesan ke-{seen[who]} kami terima.")
            finally:
                tally.done()
    else:
        from pywa.client import WhatsApp
        from pywa.types.message import Message as WaMessage

        sync_wa = WhatsApp(session=httpx.Client(transport=GraphTransport(graph_url)), **common)

        @sync_wa.on_message  # type: ignore[misc]
        def reply(_: WhatsApp, msg: WaMessage) -> None:
            try:
                who = msg.from_user.bsuid or msg.from_user.wa_id or ""
                seen[who] += 1
                msg.reply_text(f"Terima kasih, pesan ke-{seen[who]} kami terima.")
            finally:
                tally.done()
    return tally


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING)  # as the system runs (LOG_LEVEL=WARNING)
    port, graph = int(sys.argv[1]), sys.argv[2]
    flavour = sys.argv[3] if len(sys.argv) > 3 else "pywa"
    # the same Config as lapor_camat.run.serve
    uvicorn.Server(uvicorn.Config(build(graph, flavour), host="127.0.0.1", port=port, lifespan="off", log_config=None,
                                  access_log=False, timeout_graceful_shutdown=5)).run()
