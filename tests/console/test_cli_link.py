"""`lapor-camat staff link ID`: the first admin's way in, without Telegram."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from core.context import Context
from tests.console.conftest import browser, open_link
from tests.core.story import cast
from tests.core.test_cli import run


async def test_the_cli_prints_a_link_that_signs_in(db_url: str, ctx: Context, tmp_path: Path) -> None:
    await cast(ctx)
    env = {"DATABASE_URL": db_url, "CONSOLE_URL": "https://lapor.example.go.id/"}
    printed = await asyncio.to_thread(run, tmp_path, "staff", "link", "9001", **env)
    assert printed.returncode == 0, printed.stderr
    found = re.fullmatch(r"https://lapor\.example\.go\.id/konsol/masuk/([A-Za-z0-9_-]{40,})\n", printed.stdout)
    assert found, printed.stdout
    async with browser(ctx) as office:
        assert (await open_link(office, found[1])).status_code == 303
    unknown = await asyncio.to_thread(run, tmp_path, "staff", "link", "4444", **env)
    assert unknown.returncode == 1 and "not registered" in unknown.stderr and "Traceback" not in unknown.stderr
