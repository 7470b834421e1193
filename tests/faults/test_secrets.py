"""Secrets and privacy: a whole journey logged at DEBUG through core.logs, then grepped for what must not leak."""

from __future__ import annotations

import io
import logging
import re
import sys
from collections.abc import Iterator

import pytest
import structlog

from core.logs import configure_logging
from tests.officer.conftest import TOKEN as TELEGRAM_TOKEN
from tests.officer.conftest import World
from tests.reporter.conftest import APP_SECRET, TOKEN, VERIFY_TOKEN, Harness, has, report
from tests.simulator.telegram_fixtures import png

PHONE = "081355550077"


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    """The process's log output, configured as `lapor-camat run` configures it (DEBUG, JSON)."""
    out, stderr = io.StringIO(), sys.stderr
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    sys.stderr = out
    try:
        configure_logging("DEBUG", "json", [TOKEN, APP_SECRET, VERIFY_TOKEN, TELEGRAM_TOKEN])
    finally:
        sys.stderr = stderr
    try:
        yield out
    finally:
        root.handlers[:], root.level = handlers, level
        structlog.reset_defaults()


async def test_a_journey_leaks_no_secret_and_no_raw_number(logs: io.StringIO, world: World, harness: Harness) -> None:
    citizen = harness.sim.citizen(PHONE, name="Daeng Rahasia")
    number = await report(citizen, "Lampu jalan mati di depan masjid")
    card = await world.card(world.desk, number)
    answer = await world.verifier.taps(card, "Verifikasi")
    while "pilih" in (answer.text or ""):
        menu = await world.desk.wait_for(lambda m: m.message_id == card.message_id and len(m.buttons) > 2)
        answer = await world.verifier.taps(menu, "Lampu jalan" if menu.button("Lampu jalan") else "Bajeng")
    field_card = await world.card(world.field, number, "Diverifikasi")
    await world.officer.taps(field_card, "Ambil")
    field_card = await world.card(world.field, number, "Dikerjakan oleh")
    await world.officer.taps(field_card, "Selesaikan")
    prompt = await world.field.wait_for(lambda m: m.from_bot and "foto sesudah" in (m.text or ""))
    await world.officer.sends_photo(world.field, png(shade=9), caption="Sudah menyala", reply_to=prompt)
    await citizen.wait_for(lambda m: "Sudah beres" in m.button_titles)
    await citizen.taps("Sudah beres")
    await citizen.wait_for(has("Seberapa puas"))
    await citizen.sends_text("tidak jelas <script>")  # an odd message: the bot logs more around it
    await world.settled()
    await harness.settle()

    output = logs.getvalue()
    assert len(output.splitlines()) > 10, output  # the journey was logged at all
    for secret in (TOKEN, APP_SECRET, VERIFY_TOKEN, TELEGRAM_TOKEN, TELEGRAM_TOKEN.split(":", 1)[1]):
        assert secret not in output
    assert "81355550077" not in output  # neither 0813…, 62813… nor +62 813…

    shown = [m for chat in world.sim.chats.values() for m in chat.messages]
    said = " ".join(f"{m.text or ''} {m.caption or ''}" for m in shown)
    sent = " ".join(str(entry["params"]) for entry in world.sim.transcript)
    for words in (said, sent):
        assert "81355550077" not in re.sub(r"[\s-]", "", words), "raw number in Telegram"
