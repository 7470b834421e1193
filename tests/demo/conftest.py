"""Fixtures: both simulators served on loopback sockets in the test process, set up for the sample profile."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.profile import SAMPLE_PROFILE, Profile, load_profile
from simulator.sandbox import SANDBOX_SETTINGS
from simulator.telegram import TelegramSimulator
from simulator.whatsapp import WhatsAppSimulator
from tests.demo.system import Loopback, free_port
from tests.sandbox.browser import serve


@pytest.fixture(scope="session")
def sample_profile() -> Profile:
    """The profile `lapor-camat run` loads by default (no test overrides)."""
    return load_profile(SAMPLE_PROFILE)


@pytest.fixture
def simulator_options() -> dict[str, object]:
    """Override in a module to change the WhatsApp simulator's webhook retries."""
    return {}


@pytest.fixture
async def loopback(sample_profile: Profile, simulator_options: dict[str, object]) -> AsyncIterator[Loopback]:
    s, chats = SANDBOX_SETTINGS, sample_profile.telegram
    port = free_port()
    wa = WhatsAppSimulator(phone_id=s["WHATSAPP_PHONE_ID"], waba_id=s["WHATSAPP_WABA_ID"], token=s["WHATSAPP_TOKEN"],
                           app_secret=s["WHATSAPP_APP_SECRET"],
                           webhook_url=f"http://127.0.0.1:{port}/webhook/whatsapp", **simulator_options)  # type: ignore[arg-type]
    for template in sample_profile.templates.values():
        wa.approve_template(template.name, template.language, template.params)
    tg = TelegramSimulator(token=s["TELEGRAM_BOT_TOKEN"])
    tg.group("Meja Verifikasi", chat_id=chats.desk_chat_id, supergroup=str(chats.desk_chat_id).startswith("-100"))
    for chat_id in chats.field_chat_ids:
        tg.group("Petugas Lapangan", chat_id=chat_id, supergroup=str(chat_id).startswith("-100"))
    tg.user("Camat", user_id=chats.camat_user_id)
    try:
        async with serve(wa.app) as wa_url, serve(tg.app) as tg_url:
            wa.base_url, tg.base_url = wa_url, tg_url
            yield Loopback(wa, tg, port)
    finally:
        await wa.aclose()
        await tg.aclose()

