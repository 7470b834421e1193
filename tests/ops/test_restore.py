"""`lapor-camat restore` refuses a database with rows unless forced, and refuses what is not a backup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.context import Context
from core.db.models import Attachment, Ticket
from core.domain.reports import AttachmentKind, NewAttachment, NewReport
from core.media_files import on_disk
from core.usecases.citizen import citizen_actor, submit_ticket
from lapor_camat.pg_tools import ToolError, find_tool, libpq_env
from tests.ops.conftest import lapor_camat


async def reports_with_photos(ctx: Context, media_dir: Path, stories: list[str]) -> None:
    """Citizens' reports, each with a photo already stored under MEDIA_DIR (as the WhatsApp fetcher does)."""
    citizen = await citizen_actor(ctx, "081234567890", "Daeng Ngalle", inbound=True)
    for story in stories:
        photo = media_dir / "ab" / f"{abs(hash(story))}.jpg"
        photo.parent.mkdir(parents=True, exist_ok=True)
        photo.write_bytes(story.encode())
        await submit_ticket(ctx, citizen, NewReport(description=story, desa="Bajeng", attachments=(
            NewAttachment(AttachmentKind.PHOTO, "whatsapp", "1", stored_path=str(photo), mime="image/jpeg"),)))


async def tickets_in(ctx: Context) -> list[str]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Ticket.description).order_by(Ticket.id)))


async def test_restore_refuses_a_database_with_rows_and_force_replaces_it(ctx: Context, db_url: str,
                                                                           tmp_path: Path) -> None:
    media = tmp_path / "media"
    await reports_with_photos(ctx, media, ["Sampah di pasar", "Lampu jalan mati"])
    made = await lapor_camat("backup", str(tmp_path / "backup"), database_url=db_url, media_dir=media, cwd=tmp_path)
    assert made.code == 0, made.err
    assert "Backed up 2 tickets" in made.out
    await reports_with_photos(ctx, media, ["Jalan berlubang setelah backup"])
    await ctx.sessions.kw["bind"].dispose()  # no pooled connection holds on to tables the restore replaces

    refused = await lapor_camat("restore", str(tmp_path / "backup"), database_url=db_url, media_dir=media,
                                cwd=tmp_path)
    assert refused.code == 1
    assert "is not empty (3 tickets" in refused.err and "only with --force" in refused.err
    assert await tickets_in(ctx) == ["Sampah di pasar", "Lampu jalan mati", "Jalan berlubang setelah backup"]

    forced = await lapor_camat("restore", "--force", str(tmp_path / "backup"), database_url=db_url,
                               media_dir=media, cwd=tmp_path)
    assert forced.code == 0, forced.err
    assert "--force: replacing 3 tickets" in forced.err and "counts match the manifest" in forced.out
    await ctx.sessions.kw["bind"].dispose()
    assert await tickets_in(ctx) == ["Sampah di pasar", "Lampu jalan mati"]
    async with ctx.sessions() as session:
        paths = list(await session.scalars(select(Attachment.stored_path).order_by(Attachment.id)))
        assert await session.scalar(select(func.count()).select_from(Attachment)) == 2
    assert [on_disk(media, p).read_bytes() for p in paths] == [b"Sampah di pasar", b"Lampu jalan mati"]  # type: ignore[union-attr]
    assert all(not Path(p).is_absolute() for p in paths)  # relative to MEDIA_DIR: the files may move with it


async def test_backup_and_restore_name_what_is_wrong(ctx: Context, db_url: str, tmp_path: Path) -> None:
    media = tmp_path / "media"
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "something").write_text("x")
    taken = await lapor_camat("backup", str(tmp_path / "full"), database_url=db_url, media_dir=media, cwd=tmp_path)
    assert taken.code == 1 and "already exists and is not an empty directory" in taken.err

    stray = await lapor_camat("restore", str(tmp_path / "full"), database_url=db_url, media_dir=media, cwd=tmp_path)
    assert stray.code == 1 and "is not a backup made by `lapor-camat backup`" in stray.err

    other = tmp_path / "other-engine"
    other.mkdir()
    engine, dump = ("postgresql", "database.pgdump") if db_url.startswith("sqlite") else ("sqlite", "database.sqlite3")
    (other / dump).write_bytes(b"")
    (other / "manifest.json").write_text(json.dumps({"format": 1, "engine": engine, "database_file": dump}))
    crossed = await lapor_camat("restore", str(other), database_url=db_url, media_dir=media, cwd=tmp_path)
    assert crossed.code == 1 and f"is a backup of a {engine} database" in crossed.err

    (other / "manifest.json").write_text(json.dumps({"format": 2, "engine": engine, "database_file": dump}))
    newer = await lapor_camat("restore", str(other), database_url=db_url, media_dir=media, cwd=tmp_path)
    assert newer.code == 1 and "made by a newer lapor-camat" in newer.err


def test_the_postgresql_password_goes_to_the_environment_only() -> None:
    env = libpq_env("postgresql+asyncpg://lapor:s3cret%40pw@db.example:6543/lapor_camat?ssl=require", "test")
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"], env["PGDATABASE"], env["PGSSLMODE"]) == (
        "db.example", "6543", "lapor", "s3cret@pw", "lapor_camat", "require")


def test_a_pg_dump_older_than_the_server_is_refused_with_what_to_install(tmp_path: Path) -> None:
    old = tmp_path / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 13.9'\n")
    old.chmod(0o755)
    with pytest.raises(ToolError, match=r"pg_dump 15 or newer is needed in .*13\.9.*postgresql-client-15"):
        find_tool("pg_dump", 15, 15, tmp_path)
    assert find_tool("pg_dump", 13, 15, tmp_path) == (old, "13.9")
