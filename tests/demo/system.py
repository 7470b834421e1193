"""The real `lapor-camat` command as a subprocess whose output can be awaited; the simulators' settings for it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.profile import SAMPLE_PROFILE
from simulator.sandbox import SANDBOX_SETTINGS
from simulator.telegram import TelegramSimulator
from simulator.whatsapp import WhatsAppSimulator

CLI = str(Path(sys.executable).parent / "lapor-camat")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(home: Path) -> dict[str, str]:
    """A clean environment: nothing of the developer's shell or .env leaks into the command."""
    return {"PATH": os.environ["PATH"], "HOME": str(home), "PTB_TIMEDELTA": "true", "PYTHONUNBUFFERED": "1",
            "PYTHONFAULTHANDLER": "1"}  # SIGABRT on a hung process prints where each thread is


class Cli:
    """One `lapor-camat …` process; its output (stdout and stderr together) is kept, line by line, and awaitable."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str]) -> None:
        self.args, self.cwd, self.env = args, cwd, env
        self.lines: list[str] = []
        self.proc: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def start(self) -> Cli:
        self.proc = await asyncio.create_subprocess_exec(CLI, *self.args, cwd=self.cwd, env=self.env,
                                                         stdout=asyncio.subprocess.PIPE,
                                                         stderr=asyncio.subprocess.STDOUT)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        async for raw in self.proc.stdout:
            self.lines.append(raw.decode(errors="replace").rstrip("\n"))
            self._changed.set()
        self._changed.set()

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    async def line(self, fragment: str, timeout: float = 30) -> str:
        """The first output line containing `fragment`; fails with the output so far if the process ends first."""
        assert self._reader is not None
        try:
            async with asyncio.timeout(timeout):
                while True:
                    self._changed.clear()
                    found = next((line for line in self.lines if fragment in line), None)
                    if found is not None:
                        return found
                    if self._reader.done():
                        break
                    await self._changed.wait()
        except TimeoutError:
            pass
        pytest.fail(f"`lapor-camat {' '.join(self.args)}` never printed {fragment!r}; output:\n{self.output[-4000:]}")

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 10) -> int:
        """Send `sig` and wait for the exit; the exit code (negative: killed by a signal)."""
        assert self.proc is not None
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        try:
            async with asyncio.timeout(timeout):
                code = await self.proc.wait()
        except TimeoutError:
            self.proc.send_signal(signal.SIGABRT)  # faulthandler prints every thread's stack, then it dies
            await self.proc.wait()
            assert self._reader is not None
            await self._reader
            saved = self.cwd / f"lapor-camat-{self.args[0]}-{self.proc.pid}.log"
            saved.write_text(self.output)
            pytest.fail(f"`lapor-camat {self.args[0]}` still running {timeout}s after signal {sig}; its output is in "
                        f"{saved}; the end:\n{self.output[-4000:]}")
        assert self._reader is not None
        await self._reader
        return code

    async def aclose(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            await self._reader


@contextlib.asynccontextmanager
async def running(*args: str, cwd: Path, env: dict[str, str]) -> AsyncIterator[Cli]:
    """A started `lapor-camat` process, killed at the end if still alive."""
    cli = Cli(*args, cwd=cwd, env=env)
    try:
        yield await cli.start()
    finally:
        await cli.aclose()


@dataclass
class Loopback:
    """Both simulators served on 127.0.0.1, set up for the sample profile; the system's port is chosen up front."""

    whatsapp: WhatsAppSimulator
    telegram: TelegramSimulator
    system_port: int

    def settings(self, data: Path) -> dict[str, str]:
        """The settings (as environment or .env lines) of `lapor-camat run` against these simulators."""
        return {**SANDBOX_SETTINGS, "WHATSAPP_API_URL": self.whatsapp.base_url,
                "TELEGRAM_API_URL": self.telegram.base_url, "DATABASE_URL": f"sqlite+aiosqlite:///{data}/lapor.db",
                "MEDIA_DIR": str(data / "media"), "HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(self.system_port),
                "LOG_FORMAT": "json", "KECAMATAN_PROFILE": str(SAMPLE_PROFILE)}

    @property
    def system_url(self) -> str:
        return f"http://127.0.0.1:{self.system_port}"


def counting(sim: WhatsAppSimulator, done: Callable[[], bool]) -> asyncio.Event:
    """An event set once `done()` holds, checked on every change the simulator reports (no polling)."""
    event = asyncio.Event()

    def check(_citizen: object) -> None:
        if done():
            event.set()

    sim.observers.append(check)
    return event
