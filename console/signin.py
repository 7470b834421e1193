"""Signing in to the console without a password: a one-time link from the bot, then a server-side session.

A link and a session are each a random 256-bit token the browser holds; the database keeps only its
SHA-256, so a copy of the database opens nothing. A link is bound to one staff member, lives ten
minutes and works once (the claim is one conditional UPDATE, so two tabs racing get one session). A
session ends when signed out, after 12 idle hours or 7 days, and at once when its staff member is
deactivated: every request reads the staff row. The CSRF token of a session is an HMAC of its token,
so nothing more is stored and it changes with every session.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from core.context import Context
from core.db.models import ConsoleLink, ConsoleSession, Staff
from core.domain.errors import NotRegistered
from core.settings import Settings

log = logging.getLogger(__name__)

LINK_LIFETIME = timedelta(minutes=10)
SESSION_IDLE = timedelta(hours=12)
SESSION_LIFETIME = timedelta(days=7)
TOUCH_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often (one write per page is waste)
SESSION_COOKIE = "konsol_sesi"
PATH = "/konsol"


class LinkRefused(Exception):
    """A sign-in link that opens nothing: `reason` is unknown, used, expired or inactive."""

    def __init__(self, reason: str, staff_id: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.staff_id = reason, staff_id


@dataclass(frozen=True)
class Viewer:
    """The signed-in staff member behind a request, and their session."""

    session_id: int
    staff_id: int
    name: str
    kabupaten_roles: tuple[str, ...]
    csrf: str


def digest(token: str) -> str:
    """What the database keeps of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_of(session_token: str) -> str:
    """The CSRF token every form of this session carries."""
    return hmac.new(session_token.encode(), b"konsol csrf", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(csrf_of(session_token), given)


def link_url(settings: Settings, token: str) -> str:
    """The address staff open: CONSOLE_URL (or this server) + /konsol/masuk/TOKEN."""
    base = settings.console_url or f"http://{settings.http_host}:{settings.http_port}"
    return f"{base.rstrip('/')}{PATH}/masuk/{token}"


async def issue_link(ctx: Context, telegram_id: int) -> str:
    """A new sign-in link's token for the active staff member behind a Telegram user, or NotRegistered."""
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    async with ctx.sessions.begin() as session:
        staff_id = await session.scalar(select(Staff.id).where(Staff.telegram_id == telegram_id,
                                                               Staff.active.is_(True)))
        if staff_id is None:
            raise NotRegistered(telegram_id=telegram_id)
        session.add(ConsoleLink(token_hash=digest(token), staff_id=staff_id, created_at=now,
                                expires_at=now + LINK_LIFETIME))
    log.info("console sign-in link issued", extra={"staff_id": staff_id})
    return token


async def check_link(ctx: Context, token: str) -> str:
    """The name of whom an unused, live link signs in (LinkRefused otherwise); changes nothing."""
    async with ctx.sessions() as session:
        found = (await session.execute(select(ConsoleLink, Staff).join(Staff, Staff.id == ConsoleLink.staff_id)
                                       .where(ConsoleLink.token_hash == digest(token)))).first()
    if found is None:
        raise LinkRefused("unknown")
    link, staff = found
    _refuse_if_dead(ctx, link, staff)
    return staff.name


async def redeem_link(ctx: Context, token: str) -> str:
    """Use a link (once): a new session's token, or LinkRefused."""
    now, session_token = ctx.now(), secrets.token_urlsafe(32)
    async with ctx.sessions.begin() as session:
        found = (await session.execute(select(ConsoleLink, Staff).join(Staff, Staff.id == ConsoleLink.staff_id)
                                       .where(ConsoleLink.token_hash == digest(token)))).first()
        if found is None:
            raise LinkRefused("unknown")
        link, staff = found
        _refuse_if_dead(ctx, link, staff)
        claimed = await session.execute(update(ConsoleLink).where(ConsoleLink.id == link.id,
                                                                  ConsoleLink.used_at.is_(None)).values(used_at=now))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]  # another request used it a moment ago
            raise LinkRefused("used", staff.id)
        session.add(ConsoleSession(token_hash=digest(session_token), staff_id=staff.id, created_at=now,
                                   expires_at=now + SESSION_LIFETIME, last_seen_at=now))
    log.info("console session started", extra={"staff_id": staff.id})
    return session_token


def _refuse_if_dead(ctx: Context, link: ConsoleLink, staff: Staff) -> None:
    if link.used_at is not None:
        raise LinkRefused("used", staff.id)
    if link.expires_at <= ctx.now():
        raise LinkRefused("expired", staff.id)
    if not staff.active:
        raise LinkRefused("inactive", staff.id)


async def viewer_of(ctx: Context, session_token: str) -> Viewer | None:
    """The live session's staff member (None: no such session, signed out, expired, idle, deactivated)."""
    if not session_token:
        return None
    now = ctx.now()
    async with ctx.sessions() as session:
        found = (await session.execute(
            select(ConsoleSession, Staff).join(Staff, Staff.id == ConsoleSession.staff_id)
            .where(ConsoleSession.token_hash == digest(session_token), ConsoleSession.revoked_at.is_(None),
                   ConsoleSession.expires_at > now, ConsoleSession.last_seen_at > now - SESSION_IDLE,
                   Staff.active.is_(True)))).first()
        if found is None:
            return None
        row, staff = found
        if now - row.last_seen_at >= TOUCH_EVERY:
            await session.execute(update(ConsoleSession).where(ConsoleSession.id == row.id).values(last_seen_at=now))
            await session.commit()
    return Viewer(row.id, staff.id, staff.name, tuple(staff.kabupaten_roles), csrf_of(session_token))


async def sign_out(ctx: Context, viewer: Viewer, everywhere: bool = False) -> int:
    """End this session, or (everywhere) every live session of its staff member; how many ended."""
    where = (ConsoleSession.staff_id == viewer.staff_id) if everywhere else (ConsoleSession.id == viewer.session_id)
    async with ctx.sessions.begin() as session:
        ended = await session.execute(update(ConsoleSession).where(where, ConsoleSession.revoked_at.is_(None))
                                      .values(revoked_at=ctx.now()))
    count = int(ended.rowcount)  # type: ignore[attr-defined]
    log.info("console signed out", extra={"staff_id": viewer.staff_id, "everywhere": everywhere, "sessions": count})
    return count
