"""Operations fixtures: the reporter bot on the test database, `lapor-camat` as a subprocess, a second database."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from core.context import Context
from core.settings import Settings
from simulator.whatsapp import WhatsAppSimulator
from tests.conftest import TEST_DATABASE, Clock, _create_database, _drop_database
from tests.reporter.conftest import API_URL, APP_SECRET, PHONE_ID, TOKEN, WABA_ID, Harness, settings  # noqa: F401

LAPOR_CAMAT = Path(sys.executable).parent / "lapor-camat"


@pytest.fixture
async def harness(ctx: Context, settings: Settings, clock: Clock) -> AsyncIterator[Harness]:  # noqa: F811
    """The reporter bot behind the WhatsApp simulator, which sends as fast as Meta's top tier allows."""
    h = Harness(ctx, settings, clock)
    await h.sim.aclose()
    h.sim = WhatsAppSimulator(
        phone_id=PHONE_ID, waba_id=WABA_ID, token=TOKEN, app_secret=APP_SECRET,
        webhook_url="http://bot/webhook/whatsapp", webhook_transport=httpx.ASGITransport(app=h.app),
        clock=clock, base_url=API_URL, webhook_retry_base_delay=0.0, webhook_max_attempts=2,
        messages_per_second=1000)
    template = ctx.profile.templates["ticket_update"]
    h.sim.approve_template(template.name, template.language, template.params)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
        await h.sim.aclose()


@dataclass(frozen=True)
class Ran:
    code: int
    out: str
    err: str


async def lapor_camat(*args: str, database_url: str, media_dir: Path, cwd: Path) -> Ran:
    """`lapor-camat ARGS` as its own process (as cron or an operator runs it), on this database and media."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MEDIA_", "KECAMATAN_", "KABUPATEN_"))}
    env |= {"DATABASE_URL": database_url, "MEDIA_DIR": str(media_dir)}
    proc = await asyncio.create_subprocess_exec(str(LAPOR_CAMAT), *args, env=env, cwd=cwd,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    assert proc.returncode is not None
    return Ran(proc.returncode, out.decode(), err.decode())


@pytest.fixture
def fresh_url(tmp_path: Path) -> Iterator[str]:
    """A second database with nothing in it, on the test engine: a SQLite file not made yet, or a new
    PostgreSQL database (dropped afterwards)."""
    if TEST_DATABASE == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'restored' / 'lapor-camat.db'}"
        return
    name = f"lapor_restore_{uuid.uuid4().hex[:10]}"
    asyncio.run(_create_database(TEST_DATABASE, name))
    try:
        yield make_url(TEST_DATABASE).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_drop_database(TEST_DATABASE, name))
