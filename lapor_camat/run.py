"""`lapor-camat run`: every part of the system on one event loop, or one part for scaling out."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from console.routes import console_routes
from core.context import Context
from core.db.migrate import upgrade_async
from core.kabupaten import sole_kecamatan
from core.settings import Component, Settings, SettingsError
from core.usecases.staff import sync_kabupaten_staff
from lapor_camat.bootstrap import open_context
from lapor_camat.web import health_routes
from open311 import open311_routes
from public.pages import public_routes

log = logging.getLogger(__name__)
PARTS = ("reporter", "officer", "scheduler")
NEEDS: dict[str, tuple[Component, ...]] = {"reporter": ("whatsapp",), "officer": ("telegram",), "scheduler": ()}


class Server(uvicorn.Server):
    """uvicorn leaving SIGINT/SIGTERM to `serve`: its own handling re-raises the signal after shutdown, which
    kills the process (exit 143) before the parts are drained."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class Part(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass
class Running:
    """The parts started in this process, in start order."""

    parts: dict[str, Part]
    routes: list[BaseRoute]
    started: set[str] = field(default_factory=set)  # started and not yet told to stop

    def alive(self) -> dict[str, bool]:
        """Each part: started (and not stopping), and alive if it says."""
        return {name: name in self.started and bool(getattr(part, "alive", True)) for name, part in self.parts.items()}


def check(settings: Settings, parts: tuple[str, ...]) -> None:
    """Refuse to start on bad configuration, naming every problem (the check-config messages)."""
    components: tuple[Component, ...] = ("database", *[c for p in parts for c in NEEDS[p]])
    problems = settings.problems(components)
    if problems:
        raise SettingsError(problems)


def build_parts(ctx: Context, settings: Settings, parts: tuple[str, ...],
                overrides: dict[str, Callable[[Context, Settings], Any]] | None = None) -> Running:
    """Construct (not start) the requested parts; `overrides` lets the demo inject in-process transports."""
    os.environ.setdefault("PTB_TIMEDELTA", "true")  # python-telegram-bot 22: durations as timedelta
    factories = dict(_factories(), **(overrides or {}))
    running = Running({}, [])
    for name in parts:
        part = factories[name](ctx, settings)
        running.parts[name] = part
        running.routes += list(getattr(part, "routes", []))
    return running


def _factories() -> dict[str, Callable[[Context, Settings], Any]]:
    def reporter(ctx: Context, settings: Settings) -> Any:
        from reporter_bot import ReporterBot

        return ReporterBot(ctx, settings)

    def officer(ctx: Context, settings: Settings) -> Any:
        from officer_bot import OfficerBot

        return OfficerBot(ctx, settings, webhook_url=settings.telegram_webhook_url)

    def scheduler(ctx: Context, settings: Settings) -> Any:
        from scheduler import Scheduler

        return Scheduler(ctx, name=replica(settings))

    return {"reporter": reporter, "officer": officer, "scheduler": scheduler}


async def serve(ctx: Context, settings: Settings, running: Running, extra_routes: list[BaseRoute] | None = None,
                ready: Callable[[], Awaitable[None]] | None = None) -> None:
    """Start the parts, serve HTTP until SIGINT/SIGTERM, then stop the parts in reverse order (draining)."""
    app = Starlette(routes=[*running.routes, *health_routes(ctx, running.alive, replica(settings)),
                            *console_routes(ctx, settings),
                            *open311_routes(ctx, settings), *public_routes(ctx, settings), *(extra_routes or [])])
    server = Server(uvicorn.Config(app, host=settings.http_host, port=settings.http_port, lifespan="off",
                                   log_config=None, access_log=False, timeout_graceful_shutdown=5))
    with _stop_on_signals(server):
        await _serve_parts(server, running, ready)


def replica(settings: Settings) -> str:
    """This replica's name on its metrics: REPLICA_NAME, or host name and port."""
    return settings.replica_name or f"{socket.gethostname()}:{settings.http_port}"


def settle_garbage_collector() -> None:
    """Keep the collector's full passes short: they stop the loop, and acknowledgements with it.

    Everything loaded so far (the libraries, the profile, the calendars) lives as long as the process:
    `gc.freeze()` takes it out of every later collection (measured: full passes of up to 176 ms during
    the intake benchmark before, see bench/README.md). Young collections run less often, too.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


async def _serve_parts(server: uvicorn.Server, running: Running, ready: Callable[[], Awaitable[None]] | None) -> None:
    started: list[Part] = []
    try:
        for name, part in running.parts.items():
            await part.start()
            started.append(part)
            running.started.add(name)
            log.info("part started", extra={"part": name})
        settle_garbage_collector()
        serving = asyncio.create_task(server.serve())
        while not server.started and not serving.done():
            await asyncio.sleep(0.02)  # uvicorn offers no event for "listening"
        if server.started and ready is not None:
            await ready()
        await serving
    finally:
        running.started.clear()  # /readyz answers 503 while the parts drain
        for part in reversed(started):
            try:
                await part.stop()
            except Exception:
                log.exception("part did not stop cleanly")
        log.info("stopped")


@contextlib.contextmanager
def _stop_on_signals(server: uvicorn.Server) -> Iterator[None]:
    """SIGINT/SIGTERM stop taking requests (then `serve` drains the parts); a second one stops at once."""
    loop = asyncio.get_running_loop()

    def stop(sig: signal.Signals) -> None:
        log.info("stopping", extra={"signal": sig.name})
        server.force_exit = server.should_exit
        server.should_exit = True

    installed = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop, sig)
            installed.append(sig)
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread, or no signals here
            pass
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


async def run(settings: Settings, parts: tuple[str, ...] = PARTS, migrate: bool = False) -> None:
    """The production entry point."""
    check(settings, parts)
    if migrate:
        await upgrade_async(settings.database_url,
                            kecamatan=sole_kecamatan(settings.kabupaten_file, settings.kecamatan_profile))
    async with open_context(settings) as ctx:
        for line in await sync_kabupaten_staff(ctx):  # the kabupaten file's [[staff]]: their roles
            log.info("kabupaten staff: %s", line)
        await serve(ctx, settings, build_parts(ctx, settings, parts))
