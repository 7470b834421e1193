"""`lapor-camat backup` and `restore` over 100,000 tickets: seconds for each, against plain copies.

.venv/bin/python bench/backup.py [N] [--photos P]                           # SQLite only
scripts/with-postgres.sh .venv/bin/python bench/backup.py [N] [--photos P]  # SQLite and PostgreSQL

N tickets (100,000) with their events, filled as bench/export.py does, and P of them (10,000) with a photo
of 20 kB in MEDIA_DIR (named by content, as the WhatsApp fetcher stores them). Both commands run as the
operator runs them: `lapor-camat` subprocesses (their start-up, about a second, is in the figures and
printed alone as `lapor-camat --help`). The restore goes into a fresh database and an empty MEDIA_DIR.
Baselines in the same run: a plain copy of the SQLite file (`cp`), pg_dump -Fc and pg_restore on their own
(the tools `backup` and `restore` call), and `cp -r` of MEDIA_DIR.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import time
from typing import Any

from _common import LAPOR_CAMAT, fresh_postgres, postgres_admin_url  # (also puts the tree under test on sys.path)
from export import NOW, fill
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from core.db.engine import make_engine
from core.db.migrate import upgrade_async
from core.db.models import Attachment
from lapor_camat.pg_tools import find_tool, libpq_env

PHOTO_BYTES = 20_000


async def add_photos(url: str, media: pathlib.Path, photos: int) -> None:
    """A photo for each of the first `photos` tickets: a file under MEDIA_DIR and its attachment row."""
    rows: list[dict[str, Any]] = []
    for tid in range(1, photos + 1):
        data = tid.to_bytes(4, "big") * (PHOTO_BYTES // 4)
        digest = hashlib.sha256(data).hexdigest()
        path = media / digest[:2] / f"{digest}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        rows.append({"ticket_id": tid, "kind": "photo", "role": "report", "platform": "whatsapp",
                     "platform_ref": str(tid), "sha256": digest, "mime": "image/jpeg", "size": len(data),
                     "stored_path": str(path), "caption": "", "added_by_kind": "citizen", "created_at": NOW})
    engine = make_engine(url)
    try:
        for start in range(0, len(rows), 10_000):
            async with engine.begin() as conn:
                await conn.execute(insert(Attachment), rows[start:start + 10_000])
    finally:
        await engine.dispose()


def timed(argv: list[str], env: dict[str, str] | None = None, cwd: pathlib.Path | None = None,
          phases: str = "") -> float:
    """Seconds `argv` took; its progress lines starting with one of `phases` (a regex) are printed indented."""
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:2])} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    took = time.perf_counter() - started
    for line in done.stderr.splitlines() if phases else ():
        if re.match(phases, line):
            print(f"      {line}")
    return took


def cli_env(url: str, media: pathlib.Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "MEDIA_"))}
    return env | {"DATABASE_URL": url, "MEDIA_DIR": str(media)}


def size_mb(path: pathlib.Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 1e6


async def measure(url: str, restore_url: str, n: int, photos: int, tmp: pathlib.Path) -> None:
    engine_name = make_url(url).get_backend_name()
    print(f"\n== {engine_name}: {n:,} tickets, {photos:,} photos of {PHOTO_BYTES / 1000:.0f} kB ==")
    media = tmp / f"{engine_name}-media"
    await upgrade_async(url)
    engine = make_engine(url)
    try:
        started = time.perf_counter()
        made, events = await fill(engine, n)
        if engine_name == "postgresql":
            async with engine.connect() as conn:
                server = int((await conn.exec_driver_sql("SHOW server_version_num")).scalar() or 0) // 10000
    finally:
        await engine.dispose()
    await add_photos(url, media, photos)
    print(f"filled {made:,} tickets, {events:,} events, {photos:,} photos in {time.perf_counter() - started:.1f} s")

    dest = tmp / f"{engine_name}-backup"
    backup_s = timed([str(LAPOR_CAMAT), "backup", str(dest)], cli_env(url, media), cwd=tmp)
    dump = next(p for p in dest.iterdir() if p.name.startswith("database."))
    phases = json.loads((dest / "manifest.json").read_text())["seconds"]
    print(f"lapor-camat backup:  {backup_s:6.1f} s  (database {size_mb(dump):,.0f} MB in {phases['database']:.1f} s, "
          f"media {size_mb(dest / 'media'):,.0f} MB in {phases['media']:.1f} s)")
    restore_s = timed([str(LAPOR_CAMAT), "restore", str(dest)], cli_env(restore_url, tmp / f"{engine_name}-restored"),
                      cwd=tmp, phases=r"(database: restored|media: \d|check:)")
    print(f"lapor-camat restore: {restore_s:6.1f} s  (into a fresh database and MEDIA_DIR, counts checked)")

    print(f"baseline lapor-camat --help (start-up): {timed([str(LAPOR_CAMAT), '--help']):6.1f} s")
    copy = tmp / f"{engine_name}-media-copy"
    print(f"baseline cp -r MEDIA_DIR:               {timed(['cp', '-r', str(media), str(copy)]):6.1f} s")
    if engine_name == "sqlite":
        source = make_url(url).database or ""
        print(f"baseline cp of the database file:       {timed(['cp', source, str(tmp / 'plain.db')]):6.1f} s  "
              f"({size_mb(pathlib.Path(source)):,.0f} MB; not consistent while the system writes)")
        return
    pg_dump, _ = find_tool("pg_dump", server, server)
    pg_restore, _ = find_tool("pg_restore", server, server)
    plain = tmp / "plain.pgdump"
    print(f"baseline pg_dump -Fc alone:             "
          f"{timed([str(pg_dump), '-Fc', f'--file={plain}'], libpq_env(url, 'bench')):6.1f} s")
    again = await fresh_postgres(postgres_admin_url() or "")
    target = libpq_env(again, "bench")
    argv = [str(pg_restore), "--no-owner", f"--dbname={target['PGDATABASE']}", str(plain)]
    print(f"baseline pg_restore alone:              {timed(argv, target):6.1f} s")


async def main(n: int, photos: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        tmp = pathlib.Path(folder)
        await measure(f"sqlite+aiosqlite:///{tmp}/bench.db", f"sqlite+aiosqlite:///{tmp}/restored.db", n, photos, tmp)
        shutil.rmtree(tmp / "sqlite-media-copy", ignore_errors=True)
        admin = postgres_admin_url()
        if admin:
            await measure(await fresh_postgres(admin), await fresh_postgres(admin), n, photos, tmp)
        else:
            print("\n(PostgreSQL skipped: run under scripts/with-postgres.sh)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(main(args.n, args.photos))
