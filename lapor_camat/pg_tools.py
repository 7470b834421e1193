"""PostgreSQL's client tools (pg_dump, pg_restore) for `backup` and `restore`: found by version, given the
connection through libpq's environment (never on the command line, never logged)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

from sqlalchemy.engine import make_url

DEBIAN_BINDIRS = Path("/usr/lib/postgresql")
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?")
# libpq's sslmode values; asyncpg also takes true/false in `ssl`.
_SSLMODES = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}


class ToolError(Exception):
    """A client tool is missing, too old, or failed; the message is one line for the operator."""


def libpq_env(database_url: str, application: str) -> dict[str, str]:
    """The environment a libpq tool needs to reach DATABASE_URL's database: PGHOST, PGPASSWORD, ... ."""
    url = make_url(database_url)
    env = dict(os.environ)
    host = url.host or url.query.get("host")
    given = {"PGHOST": host, "PGPORT": str(url.port) if url.port else None, "PGUSER": url.username,
             "PGPASSWORD": url.password, "PGDATABASE": url.database, "PGAPPNAME": application}
    ssl = url.query.get("ssl") or url.query.get("sslmode")
    if isinstance(ssl, str):
        given["PGSSLMODE"] = ssl if ssl in _SSLMODES else {"true": "require", "false": "disable"}.get(ssl.lower())
    env.update({key: str(value) for key, value in given.items() if value})
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return env


def version_of(tool: Path) -> tuple[int, str] | None:
    """The major version and the full version string `tool --version` prints, or None if it does not run."""
    try:
        out = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=20, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    found = _VERSION.search(out)
    return (int(found.group(1)), out.strip().split(") ", 1)[-1]) if found else None


def find_tool(name: str, need: int, prefer: int, given_dir: Path | None = None) -> tuple[Path, str]:
    """`name` (pg_dump, pg_restore) of major version `need` or newer, preferring major `prefer` (the server's).

    Looks in `given_dir` only when given; else Debian's /usr/lib/postgresql/<prefer>/bin, then PATH, then
    every other /usr/lib/postgresql/*/bin, newest first."""
    if given_dir is not None:
        candidates = [given_dir / name]
    else:
        others = sorted(DEBIAN_BINDIRS.glob(f"*/bin/{name}"), key=lambda p: _number(p.parent.parent.name),
                        reverse=True)
        on_path = shutil.which(name)
        candidates = [DEBIAN_BINDIRS / str(prefer) / "bin" / name, *([Path(on_path)] if on_path else []), *others]
    seen: list[str] = []
    for candidate in dict.fromkeys(candidates):
        if not candidate.is_file() or (found := version_of(candidate)) is None:
            continue
        major, full = found
        if major >= need:
            return candidate, full
        seen.append(f"{candidate} ({full})")
    where = f" in {given_dir}" if given_dir else ""
    raise ToolError(f"{name} {need} or newer is needed{where} (the server is PostgreSQL {prefer}); found "
                    f"{', '.join(seen) or 'none'}. Install Debian's postgresql-client-{prefer} or pass --pg-bin DIR")


def _number(text: str) -> int:
    return int(text) if text.isdigit() else 0


async def run_tool(argv: Sequence[str], env: dict[str, str], watch: Path | None = None,
                   say: Callable[[str], None] | None = None, every: float = 5.0) -> None:
    """Run a client tool; while it runs, say every `every` s how big `watch` (its output file) has grown.

    Raises ToolError with the end of its stderr when it fails."""
    proc = await asyncio.create_subprocess_exec(*argv, env=env, stdin=asyncio.subprocess.DEVNULL,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    errors = asyncio.create_task(proc.stderr.read())
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(proc.wait()), every)
            break
        if say is not None and watch is not None and watch.exists():
            say(f"  … {Path(argv[0]).name}: {watch.stat().st_size / 1e6:,.1f} MB written")
    stderr = (await errors).decode(errors="replace").strip()
    if proc.returncode != 0:
        last = " / ".join(stderr.splitlines()[-3:]) or f"exit status {proc.returncode}"
        raise ToolError(f"{Path(argv[0]).name} failed: {last}")
