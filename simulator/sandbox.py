"""Both simulators set up for an install (a kabupaten, or one kecamatan profile), served on loopback: for the
demo and for training."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
import uvicorn

from core.kabupaten import Kabupaten
from core.profile import Profile
from simulator.telegram import TelegramSimulator
from simulator.whatsapp import WhatsAppSimulator

# Credentials the sandbox accepts; they look like real ones so `check-config` passes on them.
SANDBOX_SETTINGS = {
    "WHATSAPP_TOKEN": "EAAGsandbox000000000000000000000000",
    "WHATSAPP_PHONE_ID": "106540352242922",
    "WHATSAPP_WABA_ID": "102290129340398",
    "WHATSAPP_APP_SECRET": "5a4d0b0c5e1f4a7b9c3d2e1f0a9b8c7d",
    "WHATSAPP_VERIFY_TOKEN": "sandbox-verify-token",
    "TELEGRAM_BOT_TOKEN": "7000000001:AAsandbox_token_000000000000000000",
}
DISPLAY_BASE = 6241100000001  # the default number's display number; the others count up from it


@dataclass
class Sandbox:
    whatsapp: WhatsAppSimulator
    telegram: TelegramSimulator


def as_install(install: Profile | Kabupaten) -> Kabupaten:
    """A kecamatan profile alone is a kabupaten of one."""
    return install if isinstance(install, Kabupaten) else Kabupaten.of_one(install)


def build_sandbox(install: Profile | Kabupaten, webhook_url: str, whatsapp_url: str, telegram_url: str,
                  clock: Callable[[], datetime] | None = None,
                  webhook_transport: httpx.AsyncBaseTransport | None = None) -> Sandbox:
    """Simulators with every WhatsApp number the install answers on, its approved templates, each kecamatan's
    desk and field groups and camat, the kabupaten's chat and the agencies' groups; `clock` for the 24-hour window."""
    s, kabupaten = SANDBOX_SETTINGS, as_install(install)
    wa = WhatsAppSimulator(phone_id=s["WHATSAPP_PHONE_ID"], waba_id=s["WHATSAPP_WABA_ID"], token=s["WHATSAPP_TOKEN"],
                           app_secret=s["WHATSAPP_APP_SECRET"], webhook_url=webhook_url, base_url=whatsapp_url,
                           clock=clock, display_phone_number=str(DISPLAY_BASE), webhook_transport=webhook_transport)
    dialled = {p.whatsapp_phone_id: p.whatsapp_number for p in kabupaten if p.whatsapp_number}
    for phone_id in _numbers(kabupaten, wa.phone_id):
        wa.add_number(phone_id, dialled.get(phone_id) or str(DISPLAY_BASE + len(wa.accounts)))
    for profile in kabupaten:
        for template in profile.templates.values():
            wa.approve_template(template.name, template.language, template.params)
    tg = TelegramSimulator(token=s["TELEGRAM_BOT_TOKEN"])
    tg.base_url = telegram_url
    several = len(kabupaten) > 1  # then titles name the kecamatan shortly ("Meja Verifikasi Galesong")
    for profile in kabupaten:
        chats, place = profile.telegram, profile.name.removeprefix("Kecamatan ") if several else profile.name
        tg.group(f"Meja Verifikasi {place}", chat_id=chats.desk_chat_id, supergroup=_is_super(chats.desk_chat_id))
        for n, chat_id in enumerate(chats.field_chat_ids, start=1):
            title = f"Petugas Lapangan {place}" if several else f"Petugas Lapangan {n}"
            if several and n > 1:  # the first keeps the plain name; the others are numbered
                title += f" {n}"
            tg.group(title, chat_id=chat_id, supergroup=_is_super(chat_id))
        if chats.camat_user_id not in tg.people:
            tg.user(f"Camat {place}" if several else "Camat", user_id=chats.camat_user_id)
    if kabupaten.telegram.chat_id is not None:
        tg.group(kabupaten.name, chat_id=kabupaten.telegram.chat_id, supergroup=_is_super(kabupaten.telegram.chat_id))
    for agency in kabupaten.agencies:
        if agency.telegram_chat_id is not None:
            tg.group(agency.name, chat_id=agency.telegram_chat_id, supergroup=_is_super(agency.telegram_chat_id))
    return Sandbox(wa, tg)


def _numbers(kabupaten: Kabupaten, default: str) -> list[str]:
    """The install's WhatsApp numbers other than the simulator's default one: the kecamatan's in order, then any
    other (a kabupaten-wide number)."""
    own = [p.whatsapp_phone_id for p in kabupaten if p.whatsapp_phone_id]
    rest = sorted(kabupaten.phone_ids(default) - set(own))
    return [n for n in (*own, *rest) if n != default]


def _is_super(chat_id: int) -> bool:
    return str(chat_id).startswith("-100")


async def serve(sandbox: Sandbox, host: str, whatsapp_port: int, telegram_port: int,
                on_ready: Callable[[], None] = lambda: None) -> None:
    """Serve both simulators until interrupted; `on_ready` runs once both are listening."""
    servers = [
        uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off"))
        for app, port in ((sandbox.whatsapp.app, whatsapp_port), (sandbox.telegram.app, telegram_port))
    ]
    tasks = [asyncio.create_task(server.serve()) for server in servers]
    try:
        while not all(server.started for server in servers):
            if any(task.done() for task in tasks):  # failed to start (e.g. port in use): surface the error
                break
            await asyncio.sleep(0.02)  # uvicorn has no "started" event to await
        else:
            on_ready()
        await asyncio.gather(*tasks)
    finally:
        await sandbox.whatsapp.aclose()
        await sandbox.telegram.aclose()
