"""Polling mode on a database shared by replicas: a second process polling the same bot is refused at start
with a message saying what to do (instead of fighting over getUpdates with Telegram's 409 Conflict)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.context import Context
from core.settings import SettingsError
from simulator.telegram import TelegramSimulator
from tests.officer.conftest import TOKEN, bot_for


async def test_a_second_poller_of_the_same_bot_is_refused_and_may_start_once_the_first_stops(
        ctx: Context, tmp_path: Path, postgres: None) -> None:
    async with TelegramSimulator(token=TOKEN) as sim:
        first, second = bot_for(ctx, sim, tmp_path / "a"), bot_for(ctx, sim, tmp_path / "b")
        await first.start()
        try:
            with pytest.raises(SettingsError) as refused:
                await second.start()
            assert "another lapor-camat process already polls Telegram for @LaporCamatBot" in refused.value.problems[0]
            assert "TELEGRAM_WEBHOOK_URL" in refused.value.problems[0]
            assert not second.app.running
        finally:
            await first.stop()
        third = bot_for(ctx, sim, tmp_path / "c")
        await third.start()  # the first one's lock went with it
        await third.stop()
        conflicts = [e for e in sim.transcript if e["method"] == "getUpdates" and e["status"] == 409]
        assert conflicts == []
