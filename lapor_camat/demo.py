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
from core.kabupaten import SAMPLE_KABUPATEN, Kabupaten, load_install
from core.settings import Settings, load_settings
from core.usecases.duty import home_group
from core.usecases.staff import add_staff, sync_kabupaten_staff
from lapor_camat.bootstrap import open_context
from lapor_camat.run import PARTS, Server, build_parts, serve
from simulator.sandbox import SANDBOX_SETTINGS, Sandbox, build_sandbox
from simulator.web import SandboxControls, StaffMember, build_sandbox_web

log = logging.getLogger(__name__)
DEMO_DIR = Path("var/demo")
# The sample kabupaten's kecamatan shown with people in their desk and field groups (every kecamatan has its
# groups; these three have staff): verifiers and field officers by kecamatan; each camat comes from its profile,
# the kabupaten's people (its admin, the Inspektorat) from its file's [[staff]].
DEMO_STAFF: dict[str, tuple[tuple[int, str, Role], ...]] = {
    "pattallassang": ((1001, "Andi", Role.VERIFIER), (1002, "Sitti", Role.VERIFIER), (2001, "Budi", Role.OFFICER),
                      (2002, "Cakra", Role.OFFICER), (2003, "Dewi", Role.OFFICER)),
    "galesong": ((1011, "Rahmat", Role.VERIFIER), (2011, "Nurul", Role.OFFICER), (2012, "Syamsul", Role.OFFICER)),
    "polombangkeng_utara": ((1021, "Haris", Role.VERIFIER), (2021, "Irma", Role.OFFICER)),
}
# The desa an officer keeps (none: any desa no route names): Syamsul the town's, which galesong.toml's
# field_routes send to "Petugas Lapangan Galesong 2", so its cards name him on duty. Each officer is in the
# field group they work in (core.usecases.duty.home_group).
OFFICER_DESA = {2012: ("Galesong Baru", "Galesong Kota", "Kalukuang")}
AGENCY_STAFF = {"pupr": (4001, "Yusuf"), "pdam": (4002, "Mira")}  # one in each agency's group
ROLE_LABEL = {Role.VERIFIER: "verifikator", Role.OFFICER: "petugas lapangan", Role.CAMAT: "camat",
              Role.KABUPATEN_ADMIN: "admin kabupaten", Role.INSPECTOR: "inspektorat"}


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
                          "kabupaten_file": SAMPLE_KABUPATEN,  # the demo names its sample: there is no default
                          "media_dir": data_dir / "media",
                          "whatsapp_api_url": f"http://{host}:{whatsapp_port}",
                          "telegram_api_url": f"http://{host}:{telegram_port}", "http_host": host,
                          "http_port": system_port,
                          "console_url": f"http://{host}:{system_port}"})  # the cards' "Buka di konsol"


async def _register_staff(settings: Settings, install: Kabupaten, sandbox: Sandbox,
                          clock: FastClock) -> list[StaffMember]:
    """The demo's people: staff rows for the kecamatan staff and every camat, each a member of the groups they work
    in; the kabupaten file's people given their roles as `lapor-camat run` does, in the kabupaten's chat; an agency
    staffer in each agency's group (agencies hold no staff rows)."""
    tg, shown = sandbox.telegram, list[StaffMember]()
    placed: list[tuple[int, str, Role | None, str, list[int], str | None]] = []  # who, name, role, label, groups, where
    for profile in install:  # every camat is in their kecamatan's groups; three kecamatan have staff too
        chats = profile.telegram
        for telegram_id, name, role in DEMO_STAFF.get(profile.code, ()):
            desa = list(OFFICER_DESA.get(telegram_id, ()))
            groups = [chats.desk_chat_id] if role is Role.VERIFIER else [home_group(chats, desa, [])]
            placed.append((telegram_id, name, role, ROLE_LABEL[role], groups, profile.code))
        placed.append((chats.camat_user_id, "", Role.CAMAT, ROLE_LABEL[Role.CAMAT],
                       [chats.desk_chat_id, *chats.field_chat_ids], profile.code))
    for person in install.staff:  # their roles come from the file (below): here only their place
        role = Role(person.role)
        groups = [install.telegram.chat_id] if install.telegram.chat_id is not None else []
        placed.append((person.telegram_id, person.name, None, ROLE_LABEL[role], groups, None))
    for agency in install.agencies:
        if agency.telegram_chat_id is not None and agency.code in AGENCY_STAFF:
            telegram_id, name = AGENCY_STAFF[agency.code]
            placed.append((telegram_id, name, None, f"petugas {agency.name}", [agency.telegram_chat_id], None))
    async with open_context(settings, clock) as ctx:
        await sync_kabupaten_staff(ctx)  # the kabupaten file's [[staff]] their roles, as `lapor-camat run` does
        for telegram_id, name, staff_role, label, groups, kecamatan in placed:
            user = tg.people.get(telegram_id) or tg.user(name, user_id=telegram_id)
            if staff_role is not None:  # a kecamatan's staff hold their roles there, with the desa they keep
                await add_staff(ctx, telegram_id, user.first_name, frozenset({staff_role}),
                                OFFICER_DESA.get(telegram_id, ()), kecamatan=kecamatan)
            for chat_id in groups:
                tg.chat(chat_id).members[user.user_id] = user
            shown.append(StaffMember(telegram_id, user.first_name, label))
    return shown


def _flood(sandbox: Sandbox, install: Kabupaten) -> SandboxControls:
    kecamatan = [install.profile(code) for code in DEMO_STAFF]

    async def flood(n: int = 50) -> str:
        """Fifty citizens report flooding at once, spread over the staffed kecamatan's numbers, each with text,
        a location near its kecamatan office and a landmark."""
        async def one(i: int) -> None:
            profile = kecamatan[i % len(kecamatan)]
            lat, lon = profile.office or (-5.43, 119.60)
            citizen = sandbox.whatsapp.citizen(f"0813{900000 + i:06d}", name=f"Warga {i + 1}",
                                               business=profile.whatsapp_phone_id)
            await citizen.sends_location(lat + random.uniform(-0.02, 0.02), lon + random.uniform(-0.02, 0.02),
                                         name=f"Dekat {random.choice(profile.desa).name}")
            await citizen.sends_text(f"Banjir setinggi lutut, saluran tersumbat (laporan uji {i + 1})")

        await asyncio.gather(*(one(i) for i in range(n)))
        return f"{n} warga di {len(kecamatan)} kecamatan mengirim laporan banjir"

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
    install = load_install(settings.kabupaten_file, settings.kecamatan_profile)
    clock = FastClock()
    sandbox = build_sandbox(install, f"http://{host}:{system_port}/webhook/whatsapp",
                            settings.whatsapp_api_url, settings.telegram_api_url, clock=clock)
    controls = _flood(sandbox, install)
    controls.staff = await _register_staff(settings, install, sandbox, clock)

    async def set_speed(factor: float) -> str:
        clock.set_factor(factor)
        return "1 menit = 1 jam" if factor > 1 else "waktu normal"

    controls.set_speed = set_speed
    page = build_sandbox_web(sandbox, install, controls)
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
        system = f"http://{host}:{settings.http_port}"
        print(f"\n  Lapor Camat demo: open http://{host}:{port}\n"
              f"  the public page: {system}/publik · Open311: {system}/open311/v2/discovery.json\n"
              "  (Ctrl-C stops everything)\n", flush=True)

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
