"""The intake baseline: a bare Starlette app answering 200 to the webhook POST, under run.serve's uvicorn settings.

.venv/bin/python bench/_bare_app.py PORT   (started by bench/intake.py)
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route


async def webhook(request: Request) -> Response:
    await request.body()
    return PlainTextResponse("ok")


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok", "inbox_pending": {}, "outbox_pending": {}})


app = Starlette(routes=[Route("/webhook/whatsapp", webhook, methods=["POST"]), Route("/healthz", healthz)])

if __name__ == "__main__":
    # the same Config as lapor_camat.run.serve
    uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[1]), lifespan="off", log_config=None,
                                  access_log=False, timeout_graceful_shutdown=5)).run()
