"""The Petugas page: the pending registrations and the kecamatan's staff, for those who manage them (admin,
camat: `STAFF_MANAGERS`), changed through the same use cases as the desk's Telegram buttons (`add_staff`,
`record_declined`, `remove_staff`) and the agency each works for (`set_agency`), each audited by core and told to
the person (`tell=True`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import parse_qsl

import holidays as holiday_data
from sqlalchemy import select

from console.signin import Viewer
from core.context import Context
from core.db.models import StaffRoles, TelegramPrompt
from core.domain.errors import InvalidInput, NotRegistered
from core.domain.lifecycle import STAFF_MANAGERS, Role
from core.domain.people import Actor
from core.domain.sla import Span
from core.profile import WEEKDAYS
from core.texts import duration
from core.usecases.staff import (
    StaffMember,
    add_staff,
    list_staff,
    record_declined,
    remove_staff,
    set_agency,
    staff_actor,
)
from officer_bot.store import REGISTRATION, claim_prompt, configured_chat

# The roles an admin gives in one kecamatan (kabupaten roles are given from the CLI).
LOCAL_ROLES = (Role.VERIFIER, Role.OFFICER, Role.CAMAT, Role.ADMIN)
SLUGS = ("setujui", "tolak", "peran", "instansi", "nonaktifkan", "aktifkan")
Form = dict[str, list[str]]  # every value of each field: the role and desa boxes repeat


def read_form(body: bytes) -> Form:
    """A small urlencoded form with its repeated fields kept."""
    form: Form = {}
    if len(body) <= 16_384:
        for key, value in parse_qsl(body.decode("utf-8", "replace")):
            form.setdefault(key, []).append(value)
    return form


def one(form: Form, key: str) -> str:
    return form.get(key, [""])[0]


@dataclass(frozen=True)
class Registration:
    """A /daftar request still waiting at a kecamatan's desk."""

    prompt_id: int
    telegram_id: int
    name: str
    kecamatan: str
    created_at: datetime


async def managed_kecamatan(ctx: Context, viewer: Viewer) -> list[str]:
    """The kecamatan whose staff the viewer manages: every one for a kabupaten admin, else where they hold a
    managing role (admin, camat)."""
    if Role.KABUPATEN_ADMIN in viewer.kabupaten_roles:
        return [p.code for p in ctx.kabupaten]
    async with ctx.sessions() as session:
        held = {code for code, roles in await session.execute(
            select(StaffRoles.kecamatan, StaffRoles.roles).where(StaffRoles.staff_id == viewer.staff_id))
            if STAFF_MANAGERS & set(roles)}
    return [p.code for p in ctx.kabupaten if p.code in held]


async def manager_at(here: Context, telegram_id: int) -> Actor | None:
    """The viewer as an actor of `here`'s kecamatan if they may manage its staff there (else None)."""
    try:
        actor = await staff_actor(here, telegram_id)
    except NotRegistered:
        return None
    return actor if actor.roles & STAFF_MANAGERS else None


async def pending(here: Context) -> list[Registration]:
    """The open registration requests at `here`'s desk, oldest first."""
    async with here.sessions() as session:
        rows = list(await session.scalars(select(TelegramPrompt).where(
            TelegramPrompt.kind == REGISTRATION, TelegramPrompt.closed_at.is_(None)).order_by(TelegramPrompt.id)))
    found = []
    for row in rows:
        desk = here.kabupaten.by_chat(await configured_chat(here, row.chat_id))
        if desk is not None and desk.code == here.kecamatan:
            found.append(Registration(row.id, row.user_id, str(row.data.get("name", "")), desk.code, row.created_at))
    return found


async def roster(here: Context) -> list[StaffMember]:
    """The kecamatan's staff, active first, then those deactivated (with what they held)."""
    members = await list_staff(here, include_inactive=True)
    return sorted(members, key=lambda m: (not m.active, m.name.casefold()))


async def carry_out(here: Context, actor: Actor, slug: str, form: Form) -> str:
    """One change from the page, through the staff use cases; the name of whom it concerned."""
    if slug in ("setujui", "tolak"):
        return await _decide(here, actor, slug, form)
    member = await _member(here, one(form, "staff"))
    if slug == "peran":
        roles = frozenset(Role(r) for r in form.get("roles", []) if r in {x.value for x in LOCAL_ROLES})
        desa = tuple(dict.fromkeys(d for d in form.get("desa", []) if d))
        if not roles:  # no role left here: withdrawn (deactivated, when they hold none elsewhere)
            await remove_staff(here, member.telegram_id, kecamatan=here.kecamatan, by=actor, tell=True)
        else:
            trades = tuple(dict.fromkeys(c for c in form.get("categories", []) if c))
            await add_staff(here, member.telegram_id, member.name, roles, desa, by=actor, tell=True, categories=trades)
    elif slug == "instansi":
        await set_agency(here, member.telegram_id, one(form, "agency") or None, by=actor, tell=True)
    elif slug == "nonaktifkan":
        if member.id == actor.id:
            raise InvalidInput("an admin cannot deactivate themselves", field="staff")
        await remove_staff(here, member.telegram_id, kecamatan=here.kecamatan, by=actor, tell=True)
    elif slug == "aktifkan":
        local = frozenset(Role(r) for r in member.roles if Role(r) in LOCAL_ROLES)
        if not local:  # only kabupaten roles: given back from the CLI, not by a kecamatan
            raise InvalidInput("no role here to give back", field="staff")
        await add_staff(here, member.telegram_id, member.name, local, member.desa, by=actor, tell=True)
    else:
        raise InvalidInput("no such change", field="action")
    return member.name


async def _decide(here: Context, actor: Actor, slug: str, form: Form) -> str:
    """Approve (with a role) or refuse a request: claimed once, so a Telegram tap after it is refused."""
    wanted = one(form, "registration")
    ours = {r.prompt_id: r for r in await pending(here)}
    request = ours.get(int(wanted)) if wanted.isdigit() and len(wanted) < 10 else None
    role = one(form, "role")
    if slug == "setujui" and role not in {r.value for r in LOCAL_ROLES}:
        raise InvalidInput("no such role", field="role")
    if request is None or await claim_prompt(here, request.prompt_id, REGISTRATION) is None:
        raise InvalidInput("no open registration request", field="registration")
    if slug == "tolak":
        await record_declined(here, request.telegram_id, request.name, by=actor, tell=True)
    else:
        await add_staff(here, request.telegram_id, request.name, frozenset({Role(role)}), by=actor, approved=True,
                        tell=True)
    return request.name


async def _member(here: Context, wanted: str) -> StaffMember:
    """A staff member of this kecamatan by id (staff elsewhere are as unknown here)."""
    found = next((m for m in await roster(here) if str(m.id) == wanted), None)
    if found is None:
        raise InvalidInput("no such staff member here", field="staff")
    return found


def span_label(span: Span, locale: str) -> str:
    """A profile's allowance as people say it ("1 hari 4 jam")."""
    return duration(timedelta(days=span.days, minutes=span.minutes), locale)


def closed_days(here: Context, year: int, locale: str) -> list[tuple[str, str]]:
    """The days `here` is closed in `year` as the SLA clock sees them (national holidays and cuti bersama
    from `holidays`, then the profile's own), as (ISO date, name), in order."""
    national = holiday_data.country_holidays(here.profile.country, years=[year],
                                             language="id" if locale == "id" else "en_US")
    days = {d.isoformat(): str(name) for d, name in national.items()}
    days |= {d.isoformat(): "" for d in here.profile.working_hours.extra_holidays if d.year == year
             and d.isoformat() not in days}
    return sorted(days.items())


def opening_hours(here: Context) -> list[tuple[str, tuple[time, time] | None]]:
    """Each weekday (mon..sun) with its office hours (None: closed)."""
    return [(day, getattr(here.profile.working_hours, day)) for day in WEEKDAYS]
