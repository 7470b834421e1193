"""DATABASE_URL as people write it, mapped to the async drivers this install runs on."""

from __future__ import annotations

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

EXPECTED = ("should look like sqlite:///./var/lapor-camat.db or postgresql://user:password@host:5432/dbname")
# What hosting panels and tutorials hand out, and the driver each one means here.
_DRIVERS = {"sqlite": "sqlite+aiosqlite", "sqlite+aiosqlite": "sqlite+aiosqlite",
            "postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg",
            "postgresql+asyncpg": "postgresql+asyncpg"}


class BadDatabaseURL(ValueError):
    """DATABASE_URL cannot be used; the message is one line for the person who set it (no password)."""


def async_database_url(raw: str) -> str:
    """`raw` with the async driver this install uses (aiosqlite, asyncpg); BadDatabaseURL if it cannot be."""
    text = raw.strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme not in _DRIVERS:
        found = f"the scheme {scheme!r} is not supported" if scheme else "it is not a URL"
        raise BadDatabaseURL(f"DATABASE_URL: {found}; {EXPECTED}")
    # SQLAlchemy's parser does not know "postgres://" (Heroku-style); give it the name it knows.
    try:
        url = make_url(_DRIVERS[scheme] + text[len(scheme):])
    except ArgumentError:
        raise BadDatabaseURL(f"DATABASE_URL: cannot be read; {EXPECTED}") from None
    if url.get_backend_name() == "postgresql":
        if not url.database:
            raise BadDatabaseURL(f"DATABASE_URL: names no database; {EXPECTED}")
        url = _asyncpg_query(url)
    return url.render_as_string(hide_password=False)


def _asyncpg_query(url: URL) -> URL:
    """libpq's `sslmode=require` (what panels append) is asyncpg's `ssl=require`."""
    query = dict(url.query)
    if "sslmode" in query:
        query.setdefault("ssl", query.pop("sslmode"))
    return url.set(query=query)
