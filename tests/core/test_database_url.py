"""DATABASE_URL as people write it: hosting panels' forms work, anything else is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from core.db.url import BadDatabaseURL, async_database_url
from tests.core.test_cli import VALID, run


@pytest.mark.parametrize(("given", "meant"), [
    ("sqlite:///var/lapor.db", "sqlite+aiosqlite:///var/lapor.db"),
    ("sqlite:////srv/lapor/lapor.db", "sqlite+aiosqlite:////srv/lapor/lapor.db"),
    ("sqlite+aiosqlite:///./var/x.db", "sqlite+aiosqlite:///./var/x.db"),
    ("postgres://u:p%40ss@db.example:5432/lapor", "postgresql+asyncpg://u:p%40ss@db.example:5432/lapor"),
    ("postgresql://u:pw@db.example/lapor?sslmode=require", "postgresql+asyncpg://u:pw@db.example/lapor?ssl=require"),
    ("  postgresql+asyncpg://u@localhost/lapor\n", "postgresql+asyncpg://u@localhost/lapor"),
])
def test_the_forms_people_write_map_to_the_async_drivers(given: str, meant: str) -> None:
    assert async_database_url(given) == meant


@pytest.mark.parametrize("given", ["mysql://u:secretpw@h/db", "lapor.db", "postgresql+psycopg2://u:secretpw@h/db",
                                   "postgres://u:secretpw@h:5432/", "sqlite"])
def test_anything_else_is_refused_in_one_line_without_the_password(given: str) -> None:
    with pytest.raises(BadDatabaseURL) as refused:
        async_database_url(given)
    message = str(refused.value)
    assert message.startswith("DATABASE_URL: ") and "\n" not in message and "secretpw" not in message


def test_db_upgrade_takes_a_plain_sqlite_url(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "upgrade", DATABASE_URL="sqlite:///var/lapor.db")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "var" / "lapor.db").is_file()
    assert "Traceback" not in result.stderr


def test_every_command_refuses_an_unusable_url_in_one_line(tmp_path: Path) -> None:
    for args in (("db", "upgrade"), ("staff", "list"), ("tickets", "list")):
        result = run(tmp_path, *args, DATABASE_URL="mysql://lapor:secretpw@db/lapor")
        assert result.returncode == 2, (args, result.stderr)
        assert "DATABASE_URL: the scheme 'mysql' is not supported" in result.stderr
        assert "Traceback" not in result.stderr and "secretpw" not in result.stderr


def test_check_config_reports_the_url_among_the_other_problems(tmp_path: Path) -> None:
    result = run(tmp_path, "check-config", **VALID | {"DATABASE_URL": "mysql://u:secretpw@h/db",
                                                      "WHATSAPP_APP_SECRET": "short"})
    assert result.returncode == 1
    assert "DATABASE_URL: the scheme 'mysql' is not supported" in result.stderr
    assert "WHATSAPP_APP_SECRET: malformed" in result.stderr
    assert "secretpw" not in result.stderr


def test_the_test_database_written_plainly_reaches_it(db_url: str, tmp_path: Path) -> None:
    """The test database's URL as a hosting panel writes it: postgres://… (or plain sqlite:///…)."""
    url = make_url(db_url)
    plain = url.set(drivername="postgres" if url.get_backend_name() == "postgresql" else "sqlite")
    result = run(tmp_path, "db", "upgrade", DATABASE_URL=plain.render_as_string(hide_password=False))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
