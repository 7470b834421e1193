"""Both simulators set up for one kecamatan profile, served on loopback: for the demo and for training."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import uvicorn

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


@dataclass
class Sandbox:
    whatsapp: WhatsAppSimulator
    telegram: TelegramSimulator


def build_sandbox(profile: Profile, webhook_url: str, whatsapp_url: str, telegram_url: str,
                  clock: Callable[[], datetime] | None = None) -> Sandbox:
    """Simulators with the profile's approved templates, Telegram groups and camat; `clock` for the 24-hour window."""
    s = SANDBOX_SETTINGS
    wa = WhatsAppSimulator(phone_id=s["WHATSAPP_PHONE_ID"], waba_id=s["WHATSAPP_WABA_ID"], token=s["WHATSAPP_TOKEN"],
                           app_secret=s["WHATSAPP_APP_SECRET"], webhook_url=webhook_url, base_url=whatsapp_url,
                           clock=clock)
    for template in profile.templates.values():
        wa.approve_template(template.name, template.language, template.params)
    tg = TelegramSimulator(token=s["TELEGRAM_BOT_TOKEN"])
    tg.base_url = telegram_url
    chats = profile.telegram
    tg.group(f"Meja Verifikasi {profile.name}", chat_id=chats.desk_chat_id, supergroup=_is_super(chats.desk_chat_id))
    for n, chat_id in enumerate(chats.field_chat_ids, start=1):
        tg.group(f"Petugas Lapangan {n}", chat_id=chat_id, supergroup=_is_super(chat_id))
    tg.user("Camat", user_id=chats.camat_user_id)
    return Sandbox(wa, tg)


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
