"""The `lapor-camat` command line, run as a newcomer would run it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from core.context import Context
from core.kabupaten import SAMPLE_KABUPATEN
from core.profile import SAMPLE_PROFILE
from tests.core.story import cast, report

CLI = str(Path(sys.executable).parent / "lapor-camat")
VALID = {
    "WHATSAPP_TOKEN": "EAAG" + "x" * 40, "WHATSAPP_PHONE_ID": "106540352242922", "WHATSAPP_WABA_ID": "102290129340398",
    "WHATSAPP_APP_SECRET": "0123456789abcdef0123456789abcdef", "WHATSAPP_VERIFY_TOKEN": "verify-me-please",
    "TELEGRAM_BOT_TOKEN": "123456789:AAE" + "y" * 32,
}


def run(cwd: Path, *args: str, sample: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    """The CLI in a clean environment; with `sample` its kecamatan is the sample profile."""
    base = {"PATH": os.environ["PATH"], "HOME": str(cwd)}
    if sample:
        base["KECAMATAN_PROFILE"] = str(SAMPLE_PROFILE)
    return subprocess.run([CLI, *args], cwd=cwd, env=base | env, capture_output=True, text=True, timeout=120)


def test_check_config_with_an_empty_environment_names_the_missing_keys(tmp_path: Path) -> None:
    result = run(tmp_path, "check-config", sample=False)
    assert result.returncode == 1
    for key in VALID:
        assert f"{key}: missing" in result.stderr
    # No kecamatan is assumed: an install that names none is told how to name one.
    assert "no kecamatan configured: set KECAMATAN_PROFILE" in result.stderr and "KABUPATEN_FILE" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_names_malformed_keys_and_profile_faults(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text('code = "x"\n', encoding="utf-8")
    result = run(tmp_path, "check-config", **VALID | {"WHATSAPP_APP_SECRET": "short", "KECAMATAN_PROFILE": "p.toml"})
    assert result.returncode == 1
    assert "WHATSAPP_APP_SECRET: malformed; should be the 32 hex characters" in result.stderr
    assert "short" not in result.stderr  # a secret, even a wrong one, is not echoed
    assert "KECAMATAN_PROFILE p.toml: ticket_prefix: Field required" in result.stderr


def test_check_config_passes_with_good_settings_and_reads_dotenv(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in VALID.items()), encoding="utf-8")
    result = run(tmp_path, "check-config")
    assert result.returncode == 0, result.stderr
    assert "OK: Kecamatan Pattallassang (PTL), 9 desa/kelurahan" in result.stdout


def test_db_upgrade_creates_the_schema_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "lapor-camat.db").stat().st_size > 0
    listed = run(tmp_path, "tickets", "list")
    assert listed.returncode == 0 and "No tickets match." in listed.stdout


def test_commands_before_the_schema_exists_say_what_to_do(tmp_path: Path) -> None:
    result = run(tmp_path, "staff", "list")
    assert result.returncode == 1 and "lapor-camat db upgrade" in result.stderr and "Traceback" not in result.stderr


async def test_staff_and_tickets_consoles(db_url: str, ctx: Context, tmp_path: Path) -> None:
    people = await cast(ctx)
    await report(ctx, people.reporter, "Got tersumbat di Jl. Poros", category="drainase", desa="Salaka")
    await ctx.sessions.kw["bind"].dispose()  # let the CLI have the database to itself
    env = {"DATABASE_URL": db_url}
    await asyncio.to_thread(_consoles, tmp_path, env)


def _consoles(tmp_path: Path, env: dict[str, str]) -> None:
    added = run(tmp_path, "staff", "add", "4242", "Siti Verifikator", "--role", "verifier", "--desa", "Salaka", **env)
    assert added.returncode == 0, added.stderr
    bad = run(tmp_path, "staff", "add", "4243", "X", "--role", "boss", **env)
    assert bad.returncode == 1 and "roles must be some of" in bad.stderr
    assert "Siti Verifikator" in run(tmp_path, "staff", "list", **env).stdout
    assert run(tmp_path, "staff", "remove", "4242", **env).returncode == 0
    assert "Siti Verifikator" not in run(tmp_path, "staff", "list", **env).stdout

    listed = run(tmp_path, "tickets", "list", "--desa", "Salaka", **env).stdout
    assert "PTL-000001" in listed and "Diterima" in listed and "drainase" in listed
    shown = run(tmp_path, "tickets", "show", "ptl-000001", **env)
    assert shown.returncode == 0, shown.stderr
    assert "0812*****890" in shown.stdout and "6281234567890" not in shown.stdout
    assert "submit" in shown.stdout and "Got tersumbat" in shown.stdout
    missing = run(tmp_path, "tickets", "show", "PTL-999999", **env)
    assert missing.returncode == 1 and "No ticket PTL-999999" in missing.stderr


async def test_staff_in_a_kabupaten_say_their_kecamatan(db_url: str, ctx: Context, tmp_path: Path) -> None:
    await ctx.sessions.kw["bind"].dispose()  # let the CLI have the database to itself
    env = {"DATABASE_URL": db_url, "KABUPATEN_FILE": str(SAMPLE_KABUPATEN)}
    await asyncio.to_thread(_kabupaten_staff, tmp_path, env)


def _kabupaten_staff(tmp_path: Path, env: dict[str, str]) -> None:
    unsaid = run(tmp_path, "staff", "add", "4242", "Siti", "--role", "verifier", sample=False, **env)
    assert unsaid.returncode == 2 and "--kecamatan" in unsaid.stderr and "galesong" in unsaid.stderr
    added = run(tmp_path, "staff", "add", "4242", "Siti", "--role", "verifier", "--kecamatan", "galesong",
                sample=False, **env)
    assert added.returncode == 0 and "Kecamatan Galesong: verifier" in added.stdout, added.stderr
    wide = run(tmp_path, "staff", "add", "4343", "Inspektur", "--role", "inspektorat", sample=False, **env)
    assert wide.returncode == 0, wide.stderr  # a kabupaten role needs no kecamatan
    galesong = run(tmp_path, "staff", "list", "--kecamatan", "galesong", sample=False, **env).stdout
    assert "Siti" in galesong and "Inspektur" in galesong
    sanrobone = run(tmp_path, "staff", "list", "--kecamatan", "sanrobone", sample=False, **env).stdout
    assert "Siti" not in sanrobone and "Inspektur" in sanrobone
    unknown = run(tmp_path, "staff", "list", "--kecamatan", "atlantis", sample=False, **env)
    assert unknown.returncode == 2 and "No kecamatan 'atlantis'" in unknown.stderr
    removed = run(tmp_path, "staff", "remove", "4242", "--kecamatan", "galesong", sample=False, **env)
    assert removed.returncode == 0, removed.stderr
    history = run(tmp_path, "staff", "history", "4242", sample=False, **env).stdout
    assert "galesong" in history and "deactivate" in history
    synced = run(tmp_path, "staff", "sync", sample=False, **env)  # the kabupaten file's [[staff]]
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout == "Hasnah (3001): kabupaten_admin\nIrwan (3002): inspektorat\n"
    again = run(tmp_path, "staff", "sync", sample=False, **env)
    assert again.stdout.startswith("Nothing to change: the 2 people"), again.stdout
