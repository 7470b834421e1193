"""Who may POST reports: keys an admin makes and revokes (the `open311_keys` table, preferred), or the
older OPEN311_API_KEYS setting; and how often each key may post.

A key is shown once, when made, and only its SHA-256 is stored: a key is found by its hash, so no stored
secret is ever compared. A key from the setting is compared in constant time. The per-minute limit counts
each key's POSTs per clock minute in the database (`open311_rate`, one upserted row per key and minute), so
every replica of the server counts against the same limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from core.context import Context
from core.db.engine import insert_for
from core.db.models import Open311Key, Open311Rate

PER_MINUTE = 30  # the default limit of a new key, and the limit of a key from the setting
WINDOW = timedelta(minutes=1)


def key_hash(key: str) -> str:
    """The stored form of a key: its SHA-256, in hex."""
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class Caller:
    """A key that may post: who holds it (for the logs; never the key), and its per-minute limit."""

    label: str  # "key <id>", or "setting <hash prefix>" for a key of OPEN311_API_KEYS
    per_minute: int

    @property
    def ref(self) -> str:
        """What a ticket it filed records of it: the key's id, or `s<hash prefix>` for a key of the setting."""
        kind, _, name = self.label.partition(" ")
        return name if kind == "key" else f"s{name}"


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


async def rate_wait(ctx: Context, who: Caller, now: datetime) -> int:
    """Count a POST of `who` in this clock minute (every replica's count, in the database): 0 while the minute
    holds at most `who.per_minute` of them, else the seconds until the next minute."""
    minute = now.replace(second=0, microsecond=0)
    async with ctx.sessions.begin() as session:
        upsert = insert_for(session)(Open311Rate).values(key=who.label, minute=minute, posts=1)
        posts = await session.scalar(upsert.on_conflict_do_update(
            index_elements=[Open311Rate.key, Open311Rate.minute],
            set_={"posts": Open311Rate.posts + 1}).returning(Open311Rate.posts))
        await session.execute(delete(Open311Rate).where(Open311Rate.key == who.label, Open311Rate.minute < minute))
    if posts is not None and posts <= who.per_minute:
        return 0
    return max(1, int((minute + WINDOW - now).total_seconds() + 0.999))


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
