"""`lapor-camat backup DEST` and `restore SRC`: the database and MEDIA_DIR as one directory that restores.

A backup is a new directory holding `manifest.json` (written last: a directory without one is no backup),
the database (`database.sqlite3`, SQLite's online backup of the live file; or `database.pgdump`, pg_dump's
custom format) and `media/`, a copy of MEDIA_DIR taken after the dump, so every file the dump names is in it
(media files are write-once). Restore checks the manifest, refuses a database that has rows unless forced,
puts the database and the files in place, makes the attachments' paths relative to the new MEDIA_DIR and
checks the counts against the manifest.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import platform
import shutil
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from core.media_files import on_disk
from core.settings import Settings
from lapor_camat.media_copy import copy_tree, inside
from lapor_camat.pg_tools import ToolError, find_tool, libpq_env, run_tool

FORMAT = 1
MANIFEST, SQLITE_FILE, PG_FILE, MEDIA, PATHS = "manifest.json", "database.sqlite3", "database.pgdump", "media", \
    "media-paths.json"
log = logging.getLogger(__name__)
Say = Callable[[str], None]
Fetch = Callable[[str], Awaitable[list[Any]]]
_TABLES = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
           "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"}
_COLUMNS = {"sqlite": "SELECT name FROM pragma_table_info('attachments')",
            "postgresql": "SELECT column_name FROM information_schema.columns "
                          "WHERE table_schema = current_schema() AND table_name = 'attachments'"}
PATH_COLUMNS = ("stored_path", "citizen_path")


class BackupError(Exception):
    """Backup or restore cannot go on; the message is one line for the operator (no password in it)."""


@dataclass
class Snapshot:
    """What one consistent view of a database holds: rows per table, schema revision, the files it names."""

    rows: dict[str, int]
    revision: list[str]
    paths: list[tuple[int, str, str | None]] = field(default_factory=list)  # (attachment id, column, path)


async def read_snapshot(fetch: Fetch, engine: str) -> Snapshot:
    tables = sorted(r[0] for r in await fetch(_TABLES[engine]))
    rows = {t: int((await fetch(f'SELECT count(*) FROM "{t}"'))[0][0]) for t in tables if t != "alembic_version"}
    revision = sorted(r[0] for r in await fetch("SELECT version_num FROM alembic_version")) \
        if "alembic_version" in tables else []
    snapshot = Snapshot(rows, revision)
    if "attachments" in tables:
        columns = [c for c in PATH_COLUMNS if c in {r[0] for r in await fetch(_COLUMNS[engine])}]
        for row in await fetch(f"SELECT id, {', '.join(columns)} FROM attachments"):
            snapshot.paths += [(row[0], column, value) for column, value in zip(columns, row[1:], strict=True)]
    return snapshot


def engine_of(url: str) -> str:
    return "postgresql" if make_url(url).get_backend_name() == "postgresql" else "sqlite"


def sqlite_file(url: str) -> Path:
    name = make_url(url).database
    if not name or name == ":memory:":
        raise BackupError("DATABASE_URL names an in-memory SQLite database: nothing to back up or restore into")
    return Path(name)


@contextlib.asynccontextmanager
async def connected(url: str, **options: Any) -> AsyncIterator[AsyncConnection]:
    """One connection to `url`; a database that cannot be reached is a BackupError."""
    engine, where = create_async_engine(url, **options), url.split("@")[-1]
    try:
        try:
            conn = await engine.connect()
        except (DBAPIError, OSError) as exc:
            raise BackupError(f"cannot reach the database {where}: {getattr(exc, 'orig', exc)}") from None
        try:
            yield conn
        except DBAPIError as exc:
            raise BackupError(f"database error on {where}: {exc.orig}") from None
        finally:
            await conn.close()
    finally:
        await engine.dispose()


def fetcher(conn: AsyncConnection) -> Fetch:
    async def fetch(sql: str) -> list[Any]:
        return list((await conn.exec_driver_sql(sql)).all())
    return fetch


async def while_growing(work: Callable[[], Any], file: Path, say: Say, label: str, every: float = 5.0) -> Any:
    """Run blocking `work` in a thread, saying every `every` s how big `file` has grown."""
    task = asyncio.ensure_future(asyncio.to_thread(work))
    while True:
        with contextlib.suppress(TimeoutError):
            return await asyncio.wait_for(asyncio.shield(task), every)
        if file.exists():
            say(f"  … {label}: {file.stat().st_size / 1e6:,.1f} MB written")


def sqlite_copy(source: Path, target: Path, journal: str | None = None) -> None:
    """SQLite's online backup of `source` into `target`, in one step: one read transaction, so the copy is
    consistent while others write (WAL lets them go on), and never restarted by their writes. `journal`:
    the copy's journal mode afterwards (a backup file is one file: DELETE)."""
    with contextlib.closing(sqlite3.connect(source, timeout=30)) as src, \
            contextlib.closing(sqlite3.connect(target, timeout=30)) as dst:
        src.backup(dst)
        if journal:
            dst.execute(f"PRAGMA journal_mode={journal}")


# -- Media -------------------------------------------------------------------------------------------


def media_paths(snapshot: Snapshot, media_dir: Path, copied: set[str]) -> tuple[dict[str, str], int, list[str]]:
    """Each path the dump names, as a path relative to MEDIA_DIR (when it is not one already); how many
    references have their file in the copy; warnings for the ones that had no file or lie outside."""
    mapping, present, missing, outside = {}, 0, 0, 0
    for _id, _column, stored in snapshot.paths:
        if not stored:
            continue
        relative = inside(stored, media_dir, copied)
        if relative is None:
            found = on_disk(media_dir, stored)
            if found is None:
                missing += 1
                continue
            if found.is_relative_to(media_dir.resolve()):
                raise BackupError(f"{found} is in the database but was not copied from MEDIA_DIR")
            outside += 1
            continue
        present += 1
        if relative != stored:
            mapping[stored] = relative
    warnings = [f"{missing:,} attachment file(s) named in the database were already missing from MEDIA_DIR"] \
        if missing else []
    if outside:
        warnings.append(f"{outside:,} attachment file(s) lie outside MEDIA_DIR {media_dir} and are not in the backup")
    return mapping, present, warnings


# -- Backup ------------------------------------------------------------------------------------------


def _work_dir(dest: Path, media_dir: Path) -> Path:
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise BackupError(f"{dest} already exists and is not an empty directory; name a new one")
    if dest.absolute().resolve().is_relative_to(media_dir.absolute().resolve()):
        raise BackupError(f"{dest} is inside MEDIA_DIR {media_dir}; put backups elsewhere")
    work = dest.parent / f".{dest.name}.partial-{os.getpid()}"
    try:
        work.parent.mkdir(parents=True, exist_ok=True)
        work.mkdir(mode=0o700)  # it holds citizens' numbers and reports: the operator's eyes only
        (work / MEDIA).mkdir()
    except OSError as exc:
        raise BackupError(f"cannot write the backup under {dest.parent.absolute()}: {exc.strerror}") from None
    return work


async def backup(settings: Settings, dest: Path, say: Say, pg_bin: Path | None = None) -> dict[str, Any]:
    """Back up DATABASE_URL and MEDIA_DIR into the new directory `dest`; returns the manifest written."""
    started, engine = time.monotonic(), engine_of(settings.database_url)
    work = _work_dir(dest, settings.media_dir)
    try:
        versions = {"lapor_camat": _own_version(), "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version}
        say(f"database: {engine} {settings.database_url.split('@')[-1]}")
        if engine == "sqlite":
            snapshot = await _dump_sqlite(settings.database_url, work / SQLITE_FILE, say)
        else:
            snapshot = await _dump_postgres(settings.database_url, work / PG_FILE, say, pg_bin, versions)
        dumped = time.monotonic()
        say(f"database: {snapshot.rows.get('tickets', 0):,} tickets, {sum(snapshot.rows.values()):,} rows "
            f"({dumped - started:.1f} s); copying media from {settings.media_dir}")
        copied, files, size = await asyncio.to_thread(copy_tree, settings.media_dir, work / MEDIA, say)
        mapping, present, warnings = media_paths(snapshot, settings.media_dir, copied)
        (work / PATHS).write_text(json.dumps(mapping), encoding="utf-8")
        manifest = {
            "format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"), "engine": engine,
            "database_file": SQLITE_FILE if engine == "sqlite" else PG_FILE, "schema_revision": snapshot.revision,
            "tickets": snapshot.rows.get("tickets", 0), "rows": snapshot.rows, "attachment_files": present,
            "media": {"files": files, "bytes": size, "from": str(settings.media_dir.absolute())},
            "versions": versions, "warnings": warnings,
            "seconds": {"database": round(dumped - started, 2), "media": round(time.monotonic() - dumped, 2)},
        }
        _write_json(work / MANIFEST, manifest)
        if dest.exists():
            dest.rmdir()  # the empty directory named
        work.rename(dest)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    log.info("backup written", extra={"dest": str(dest), "tickets": manifest["tickets"], "media_files": files})
    return manifest


async def _dump_sqlite(url: str, target: Path, say: Say) -> Snapshot:
    source = sqlite_file(url)
    if not source.is_file():
        raise BackupError(f"the SQLite database {source} does not exist")
    await while_growing(lambda: sqlite_copy(source, target, "DELETE"), target, say, "sqlite backup")
    async with connected(f"sqlite+aiosqlite:///{target}") as conn:  # counted on the copy: what it holds
        if (await conn.exec_driver_sql("PRAGMA quick_check")).scalar() != "ok":
            raise BackupError("the SQLite copy fails its integrity check; the live database may be damaged")
        return await read_snapshot(fetcher(conn), "sqlite")


async def _dump_postgres(url: str, target: Path, say: Say, pg_bin: Path | None, versions: dict[str, str]) -> Snapshot:
    # One REPEATABLE READ transaction exports its snapshot: pg_dump dumps that snapshot and the counts are
    # read in it, so the manifest says exactly what the dump holds while reports keep coming in.
    async with connected(url, isolation_level="REPEATABLE READ") as conn, conn.begin():
        server = int((await conn.exec_driver_sql("SHOW server_version_num")).scalar() or 0)
        versions["postgresql_server"] = str((await conn.exec_driver_sql("SHOW server_version")).scalar())
        exported = (await conn.exec_driver_sql("SELECT pg_export_snapshot()")).scalar()
        snapshot = await read_snapshot(fetcher(conn), "postgresql")
        tool, versions["pg_dump"] = _tool("pg_dump", server // 10000, server // 10000, pg_bin)
        say(f"database: {versions['pg_dump']} (server {versions['postgresql_server']})")
        try:
            await run_tool([str(tool), "--format=custom", f"--snapshot={exported}", "--no-password",
                            f"--file={target}"], libpq_env(url, "lapor-camat backup"), watch=target, say=say)
        except ToolError as exc:
            raise BackupError(str(exc)) from None
    return snapshot


def _tool(name: str, need: int, prefer: int, pg_bin: Path | None) -> tuple[Path, str]:
    try:
        return find_tool(name, need, prefer, pg_bin)
    except ToolError as exc:
        raise BackupError(str(exc)) from None


def _own_version() -> str:
    try:
        return metadata.version("lapor-camat")
    except metadata.PackageNotFoundError:
        return "?"


def _write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2)
        out.flush()
        os.fsync(out.fileno())
