"""`lapor-camat demo`: the whole system against local simulators, with a browser sandbox to drive it.

The same code path as production (`run.serve` with real sockets); only the API URLs point at the
simulators. A clock that can run fast lets reminders, escalations and the 07.00 digest happen in minutes.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import uvicorn

from core.context import Context
from core.db.migrate import upgrade_async
from core.domain.lifecycle import Role
from core.kabupaten import load_install
from core.profile import SAMPLE_PROFILE
from core.settings import Settings, load_settings
from core.usecases.staff import add_staff
from lapor_camat.bootstrap import open_context
from lapor_camat.run import PARTS, Server, build_parts, serve
from simulator.sandbox import SANDBOX_SETTINGS, Sandbox, build_sandbox
from simulator.web import SandboxControls, StaffMember, build_sandbox_web

log = logging.getLogger(__name__)
DEMO_DIR = Path("var/demo")
# Sample staff: two verifiers, three field officers; the camat comes from the profile.
DEMO_STAFF = ((1001, "Andi", Role.VERIFIER), (1002, "Sitti", Role.VERIFIER), (2001, "Budi", Role.OFFICER),
              (2002, "Cakra", Role.OFFICER), (2003, "Dewi", Role.OFFICER))
ROLE_LABEL = {Role.VERIFIER: "verifikator", Role.OFFICER: "petugas lapangan", Role.CAMAT: "camat"}


class FastClock:
    """Wall-clock time that can run `factor` times faster from the moment the factor is set."""

    def __init__(self) -> None:
        self._anchor_real, self._anchor_virtual, self.factor = time.monotonic(), datetime.now(UTC), 1.0

    def __call__(self) -> datetime:
        return self._anchor_virtual + timedelta(seconds=(time.monotonic() - self._anchor_real) * self.factor)

    def set_factor(self, factor: float) -> None:
        self._anchor_virtual, self._anchor_real, self.factor = self(), time.monotonic(), factor


def demo_settings(host: str, system_port: int, whatsapp_port: int, telegram_port: int,
                  data_dir: Path = DEMO_DIR) -> Settings:
    return load_settings({**{key.lower(): value for key, value in SANDBOX_SETTINGS.items()},
                          "database_url": f"sqlite+aiosqlite:///{data_dir}/lapor-camat.db",
                          "kecamatan_profile": SAMPLE_PROFILE,  # the demo names its sample: there is no default
                          "media_dir": data_dir / "media",
                          "whatsapp_api_url": f"http://{host}:{whatsapp_port}",
                          "telegram_api_url": f"http://{host}:{telegram_port}", "http_host": host,
                          "http_port": system_port})


async def _register_staff(ctx_settings: Settings, sandbox: Sandbox, clock: FastClock) -> list[StaffMember]:
    profile = load_install(ctx_settings.kabupaten_file, ctx_settings.kecamatan_profile).first
    people = [*DEMO_STAFF, (profile.telegram.camat_user_id, "Pak Camat", Role.CAMAT)]
    groups = [sandbox.telegram.chat(profile.telegram.desk_chat_id),
              *(sandbox.telegram.chat(c) for c in profile.telegram.field_chat_ids)]
    async with open_context(ctx_settings, clock) as ctx:
        for telegram_id, name, role in people:
            await add_staff(ctx, telegram_id, name, frozenset({role}))
            user = sandbox.telegram.people.get(telegram_id) or sandbox.telegram.user(name, user_id=telegram_id)
            for group in groups:
                group.members[user.user_id] = user
    return [StaffMember(t, n, ROLE_LABEL[r]) for t, n, r in people]


def _flood(sandbox: Sandbox, profile_desa: list[str]) -> SandboxControls:
    async def flood(n: int = 50) -> str:
        """Fifty citizens report flooding at once, each with text, location and a landmark."""
        async def one(i: int) -> None:
            citizen = sandbox.whatsapp.citizen(f"0813{900000 + i:06d}", name=f"Warga {i + 1}")
            await citizen.sends_location(-5.43 + random.uniform(-0.02, 0.02), 119.60 + random.uniform(-0.02, 0.02),
                                         name=f"Dekat {random.choice(profile_desa)}")
            await citizen.sends_text(f"Banjir setinggi lutut, saluran tersumbat (laporan uji {i + 1})")

        await asyncio.gather(*(one(i) for i in range(n)))
        return f"{n} warga mengirim laporan banjir"

    return SandboxControls(flood=flood)


def _brisk_scheduler(ctx: Context, _settings: Settings) -> object:
    """The scheduler ticking every 10 s, so a sped-up clock shows reminders and the digest promptly."""
    from scheduler import Scheduler

    return Scheduler(ctx, intervals={"scan_deadlines": 10, "daily_digest": 10, "auto_close": 30})


async def demo(host: str = "127.0.0.1", port: int = 8080, data_dir: Path = DEMO_DIR) -> None:
    """Start the simulators, the whole system and the sandbox page; print the one URL to open.

    `data_dir` holds the SQLite database and the media (./var/demo by default).
    """
    system_port, whatsapp_port, telegram_port = port + 8, port + 1, port + 2
    settings = demo_settings(host, system_port, whatsapp_port, telegram_port, data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    await upgrade_async(settings.database_url)
    profile = load_install(settings.kabupaten_file, settings.kecamatan_profile).first
    clock = FastClock()
    sandbox = build_sandbox(profile, f"http://{host}:{system_port}/webhook/whatsapp",
                            settings.whatsapp_api_url, settings.telegram_api_url, clock=clock)
    staff = await _register_staff(settings, sandbox, clock)
    controls = _flood(sandbox, [d.name for d in profile.desa])
    controls.staff = staff

    async def set_speed(factor: float) -> str:
        clock.set_factor(factor)
        return "1 menit = 1 jam" if factor > 1 else "waktu normal"

    controls.set_speed = set_speed
    page = build_sandbox_web(sandbox, profile, controls)
    servers = [Server(uvicorn.Config(app, host=host, port=p, log_level="warning", lifespan="off",
                                     timeout_graceful_shutdown=2))
               for app, p in ((sandbox.whatsapp.app, whatsapp_port), (sandbox.telegram.app, telegram_port),
                              (page, port))]
    tasks = [asyncio.create_task(server.serve()) for server in servers]

    async def ready() -> None:
        while not all(server.started for server in servers):  # the page and simulators listen before the URL shows
            if any(task.done() for task in tasks):
                return  # uvicorn has logged why (e.g. the port is in use)
            await asyncio.sleep(0.02)  # uvicorn offers no event for "listening"
        print(f"\n  Lapor Camat demo: open http://{host}:{port}\n  (Ctrl-C stops everything)\n", flush=True)

    try:
        async with open_context(settings, clock) as ctx:
            running = build_parts(ctx, settings, PARTS, overrides={"scheduler": _brisk_scheduler})
            await serve(ctx, settings, running, ready=ready)
    finally:
        page.state.feed.close()
        for server in servers:
            server.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await sandbox.whatsapp.aclose()
        await sandbox.telegram.aclose()
