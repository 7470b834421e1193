"""Helpers for the Telegram simulator tests: the real PTB Bot/Application wired to the simulator in-process."""

from __future__ import annotations

import contextlib
import json
import struct
import zlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from telegram import Bot
from telegram.ext import Application, ApplicationBuilder, BaseHandler
from telegram.request import HTTPXRequest

from simulator.telegram import TelegramSimulator

TOKEN = "123456:TEST-token_abc"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "telegram"


def request_for(sim: TelegramSimulator) -> HTTPXRequest:
    return HTTPXRequest(httpx_kwargs={"transport": httpx.ASGITransport(app=sim.app)})


def bot_for(sim: TelegramSimulator, token: str | None = None) -> Bot:
    base = sim.base_url
    return Bot(
        token or sim.token,
        base_url=f"{base}/bot",
        base_file_url=f"{base}/file/bot",
        request=request_for(sim),
        get_updates_request=request_for(sim),
    )


def application_for(sim: TelegramSimulator, token: str | None = None, updater: bool = True) -> Application:
    base = sim.base_url
    builder = (
        ApplicationBuilder()
        .token(token or sim.token)
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .request(request_for(sim))
        .get_updates_request(request_for(sim))
    )
    if not updater:
        builder = builder.updater(None)
    return builder.build()


@contextlib.asynccontextmanager
async def polling(
    sim: TelegramSimulator, handlers: Sequence[BaseHandler[Any, Any, Any]], timeout: float = 1.0
) -> AsyncIterator[Application]:
    """The real Application, started and long polling the simulator (not run_polling)."""
    app = application_for(sim)
    for handler in handlers:
        app.add_handler(handler)
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=timeout)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@contextlib.asynccontextmanager
async def simulator(**kwargs: Any) -> AsyncIterator[TelegramSimulator]:
    kwargs.setdefault("token", TOKEN)
    async with TelegramSimulator(**kwargs) as sim:
        yield sim


@contextlib.asynccontextmanager
async def started_bot(sim: TelegramSimulator) -> AsyncIterator[Bot]:
    async with bot_for(sim) as bot:
        yield bot


def png(width: int = 4, height: int = 3, shade: int = 0) -> bytes:
    """A valid tiny PNG (so the photo sizes have real dimensions)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes([shade % 256, 80, 160]) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def load_fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


def key_paths(data: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value (``message.chat.id``; list items share ``[]``)."""
    paths: set[str] = set()
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            paths.add(path)
            paths |= key_paths(value, path)
    elif isinstance(data, list):
        for item in data:
            paths |= key_paths(item, f"{prefix}[]")
    return paths
