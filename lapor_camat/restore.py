"""`lapor-camat restore SRC`: a backup (lapor_camat/backup.py) into an empty database and MEDIA_DIR, checked."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import text

from core.db.migrate import alembic_config
from core.settings import Settings
from lapor_camat.backup import (
    FORMAT,
    MANIFEST,
    MEDIA,
    PATHS,
    BackupError,
    Say,
    Snapshot,
    connected,
    engine_of,
    fetcher,
    read_snapshot,
    sqlite_copy,
    sqlite_file,
    while_growing,
)
from lapor_camat.media_copy import copy_tree, inside
from lapor_camat.pg_tools import ToolError, find_tool, libpq_env, run_tool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Restored:
    manifest: dict[str, Any]
    replaced: dict[str, int]  # the rows the target held before (only with force)
    media_files: int
    seconds: float
    behind: bool  # the backup's schema is older than this code's: `db upgrade` next


def read_manifest(src: Path) -> dict[str, Any]:
    """SRC's manifest, or a BackupError saying why SRC is not a backup this code can restore."""
    path = src / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} is not a backup made by `lapor-camat backup` (no {MANIFEST} in it)")
    try:
        manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        fmt, database = int(manifest["format"]), src / str(manifest["database_file"])
    except (ValueError, KeyError, TypeError):
        raise BackupError(f"{path} cannot be read: not a manifest of `lapor-camat backup`") from None
    if fmt > FORMAT:
        raise BackupError(f"{src} was made by a newer lapor-camat (backup format {fmt}); upgrade lapor-camat first")
    if not database.is_file():
        raise BackupError(f"{src} is incomplete: {database.name} is missing")
    return manifest


def _schema_check(url: str, revision: list[str]) -> bool:
    """Whether the backup's schema is behind this code's; a BackupError if this code does not know it."""
    script = ScriptDirectory.from_config(alembic_config(url))
    known = {r.revision for r in script.walk_revisions()}
    if unknown := [r for r in revision if r not in known]:
        raise BackupError(f"the backup's schema revision {', '.join(unknown)} is unknown to this lapor-camat "
                          f"(newest here: {', '.join(script.get_heads())}); restore it with the version that made it")
    return set(revision) != set(script.get_heads())


async def occupied(url: str) -> tuple[dict[str, int], bool]:
    """Rows per table of the target database (tables with none left out), and whether it has tables at all."""
    engine = engine_of(url)
    if engine == "sqlite" and not sqlite_file(url).exists():
        return {}, False
    async with connected(url) as conn:
        snapshot = await read_snapshot(fetcher(conn), engine)
    return {t: n for t, n in snapshot.rows.items() if n}, bool(snapshot.rows)


async def restore(settings: Settings, src: Path, say: Say, force: bool = False,
                  pg_bin: Path | None = None) -> Restored:
    """Restore SRC into DATABASE_URL and MEDIA_DIR; refuses a database with rows unless `force`."""
    started, url = time.monotonic(), settings.database_url
    manifest, engine = read_manifest(src), engine_of(url)
    if manifest.get("engine") != engine:
        raise BackupError(f"{src} is a backup of a {manifest.get('engine')} database; DATABASE_URL is {engine}")
    behind = _schema_check(url, list(manifest.get("schema_revision") or []))
    rows, has_tables = await occupied(url)
    if rows and not force:
        raise BackupError(f"the database {url.split('@')[-1]} is not empty ({rows.get('tickets', 0):,} tickets, "
                          f"{sum(rows.values()):,} rows in {len(rows)} tables); restore replaces it only with --force")
    if rows:
        say(f"--force: replacing {rows.get('tickets', 0):,} tickets and {sum(rows.values()):,} rows in "
            f"{len(rows)} tables of {url.split('@')[-1]} with the backup of {manifest['created_at']}")
    database = src / str(manifest["database_file"])
    say(f"database: restoring {manifest['tickets']:,} tickets from {manifest['created_at']} into {url.split('@')[-1]}")
    if engine == "sqlite":
        say("database: SQLite's file is replaced in place: lapor-camat must be stopped while it is restored")
        target = sqlite_file(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        await while_growing(lambda: sqlite_copy(database, target), target, say, "sqlite restore")
    else:
        await _pg_restore(url, database, manifest, has_tables, say, pg_bin)
    restored = time.monotonic()
    say(f"database: restored in {restored - started:.1f} s; media: copying {manifest['media']['files']:,} files "
        f"into {settings.media_dir}")
    present, files, _size = await asyncio.to_thread(copy_tree, src / MEDIA, settings.media_dir, say, True)
    copied = time.monotonic()
    say(f"media: {files:,} files copied in {copied - restored:.1f} s; checking against the manifest")
    mapping = json.loads((src / PATHS).read_text(encoding="utf-8"))
    await _check(url, settings.media_dir, present, manifest, mapping)
    say(f"check: {time.monotonic() - copied:.1f} s")
    done = Restored(manifest, rows, files, time.monotonic() - started, behind)
    log.info("backup restored", extra={"src": str(src), "tickets": manifest["tickets"], "media_files": files})
    return done


async def _pg_restore(url: str, dump: Path, manifest: dict[str, Any], has_tables: bool, say: Say,
                      pg_bin: Path | None) -> None:
    async with connected(url) as conn:
        server = int((await conn.exec_driver_sql("SHOW server_version_num")).scalar() or 0) // 10000
    made_by = str(manifest.get("versions", {}).get("pg_dump", "0"))
    dumped = re.match(r"\d+", made_by)  # "15.18 (Debian 15.18-0+deb12u1)": pg_dump 15's archive
    need = max(server, int(dumped.group()) if dumped else 0)
    try:
        tool, version = find_tool("pg_restore", need, server, pg_bin)
        say(f"database: {version} (server PostgreSQL {server}; the dump was made by {made_by})")
        # --clean drops what `db upgrade` made in an empty database first; one transaction: all or nothing.
        clean = ["--clean", "--if-exists"] if has_tables else []
        name = str(libpq_env(url, "")["PGDATABASE"])
        await run_tool([str(tool), "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", "--no-password",
                        *clean, f"--dbname={name}", str(dump)], libpq_env(url, "lapor-camat restore"))
    except ToolError as exc:
        raise BackupError(str(exc)) from None


async def _check(url: str, media_dir: Path, present: set[str], manifest: dict[str, Any],
                 mapping: dict[str, str]) -> None:
    """Make the attachments' paths relative to MEDIA_DIR (the old ones named the old place), then check that
    the database holds the manifest's rows and MEDIA_DIR every file it names."""
    async with connected(url) as conn:
        snapshot = await read_snapshot(fetcher(conn), engine_of(url))
        moved: dict[tuple[int, str], str] = {(i, c): mapping[p] for i, c, p in snapshot.paths if p in mapping}
        for column in {c for _i, c in moved}:
            pairs = [{"id": i, "path": p} for (i, c), p in moved.items() if c == column]
            await conn.execute(text(f"UPDATE attachments SET {column} = :path WHERE id = :id"), pairs)
        await conn.commit()
        after = await read_snapshot(fetcher(conn), engine_of(url))
    _compare(manifest, after, media_dir, present)


def _compare(manifest: dict[str, Any], after: Snapshot, media_dir: Path, present: set[str]) -> None:
    wrong = [f"{t}: {after.rows.get(t, 0):,} rows, the backup has {n:,}"
             for t, n in manifest["rows"].items() if after.rows.get(t, 0) != n]
    files = sum(1 for _i, _c, p in after.paths if p and inside(p, media_dir, present) is not None)
    if files != manifest["attachment_files"]:
        wrong.append(f"{files:,} attachment files found in {media_dir}, "
                     f"the backup has {manifest['attachment_files']:,}")
    if wrong:
        raise BackupError("the restored copy does not match the backup's manifest: " + "; ".join(wrong))
