"""Who may POST reports: keys an admin makes and revokes (the `open311_keys` table, preferred), or the
older OPEN311_API_KEYS setting; and how often each key may post.

A key is shown once, when made, and only its SHA-256 is stored: a key is found by its hash, so no stored
secret is ever compared. A key from the setting is compared in constant time. The per-minute limit is a
sliding window held in this process's memory: several server processes each count on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from core.context import Context
from core.db.models import Open311Key

PER_MINUTE = 30  # the default limit of a new key, and the limit of a key from the setting
WINDOW = timedelta(minutes=1)


def key_hash(key: str) -> str:
    """The stored form of a key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """A key that may post: who holds it (for the logs; never the key), and its per-minute limit."""

    label: str
    per_minute: int


@dataclass(frozen=True)
class Refusal:
    """A key that may not post, and why (for the logs): missing, unknown or revoked."""

    reason: str
    key_id: int | None = None


def _in_setting(given: str, keys: list[str]) -> bool:
    found = False
    for key in keys:  # every one compared, so the time taken says nothing of which matched
        found |= hmac.compare_digest(given.encode(), key.encode())
    return found


async def caller(ctx: Context, given: str, setting_keys: list[str]) -> Caller | Refusal:
    """The caller `given` (a POST's api_key) names: a key of the table not revoked, or one of the setting."""
    if not given:
        return Refusal("missing")
    async with ctx.sessions() as session:
        row = await session.scalar(select(Open311Key).where(Open311Key.key_hash == key_hash(given)))
    if row is not None:
        if row.revoked_at is not None:
            return Refusal("revoked", row.id)
        return Caller(f"key {row.id}", row.per_minute)
    if _in_setting(given, setting_keys):
        return Caller(f"setting {key_hash(given)[:8]}", PER_MINUTE)
    return Refusal("unknown")


class RateLimit:
    """A sliding minute per caller, in this process: `allow` counts a POST, or says how long to wait."""

    def __init__(self) -> None:
        self._seen: dict[str, deque[datetime]] = defaultdict(deque)

    def wait(self, who: Caller, now: datetime) -> int:
        """0 and the POST counted if `who` is under its limit; else the seconds until it may post again."""
        seen = self._seen[who.label]
        while seen and seen[0] <= now - WINDOW:
            seen.popleft()
        if len(seen) >= who.per_minute:
            return max(1, int((seen[0] + WINDOW - now).total_seconds() + 0.999))
        seen.append(now)
        return 0


@dataclass(frozen=True)
class NewKey:
    id: int
    key: str  # shown once, never stored


async def add_key(ctx: Context, name: str, per_minute: int = PER_MINUTE) -> NewKey:
    """Make a key for `name`: stores its hash, gives back the key itself (to be shown once)."""
    key = secrets.token_urlsafe(32)
    async with ctx.sessions.begin() as session:
        row = Open311Key(name=name.strip()[:100], key_hash=key_hash(key), per_minute=per_minute,
                         created_at=ctx.now())
        session.add(row)
        await session.flush()
        return NewKey(row.id, key)


async def list_keys(ctx: Context) -> list[Open311Key]:
    """Every key made, oldest first (their hashes, never the keys)."""
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Open311Key).order_by(Open311Key.id)))


async def revoke_key(ctx: Context, key_id: int) -> Open311Key | None:
    """Revoke a key from now on (a second revoke keeps the first time); None if there is no such key."""
    async with ctx.sessions.begin() as session:
        row = await session.get(Open311Key, key_id)
        if row is not None and row.revoked_at is None:
            row.revoked_at = ctx.now()
        return row
