"""`lapor-camat telegram chats` lists the chats the running bot has seen, for filling in the profile."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from core.profile import SAMPLE_PROFILE
from tests.officer.conftest import World

CLI = str(Path(sys.executable).parent / "lapor-camat")


async def test_chats_the_bot_has_seen(world: World, db_url: str, tmp_path: Path) -> None:
    other = world.sim.group("Grup Baru RT 03", members=[world.verifier])
    await world.verifier.sends(other, "/start@LaporCamatBot")
    await world.verifier.sends(world.desk, "/start@LaporCamatBot")
    await world.desk.wait_for(lambda m: m.from_bot)
    await world.bot.stop()  # stored updates are what the command reads
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "DATABASE_URL": db_url,
           "KECAMATAN_PROFILE": str(SAMPLE_PROFILE)}
    result = await asyncio.to_thread(subprocess.run, [CLI, "telegram", "chats"], cwd=tmp_path, env=env,
                                     capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(str(other.id) in line and "Grup Baru RT 03" in line for line in lines), lines
    assert any(str(world.desk.id) in line and "desk_chat_id" in line for line in lines), lines
