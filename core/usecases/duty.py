"""Who is on duty now: the profile's weekly roster, and an officer's /tugas (on or off, optionally until a
time; with a roster, until the next start or end of a shift); the field card names the on-duty officers
who fit the case (its desa, its category, the field group it is routed to) and suggests the least loaded
one under the profile's limit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from core.context import Context
from core.db.models import Staff, StaffRoles
from core.domain.errors import NotRegistered
from core.domain.lifecycle import assignable
from core.domain.people import Actor
from core.profile import FieldRoute, Shift, TelegramChats
from core.queries import officer_load

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Duty:
    """One officer's duty in a kecamatan as of now."""

    on: bool
    until: datetime | None  # when it lapses to the other (None: until they change it)


@dataclass(frozen=True)
class OnDuty:
    """An on-duty officer a case may go to, with the open cases they hold."""

    staff_id: int
    telegram_id: int
    name: str
    load: int


def duty_now(on_duty: bool, until: datetime | None, now: datetime, shift: Shift | None = None,
             zone: ZoneInfo | None = None) -> Duty:
    """A stored toggle read at `now`: past its `until`, it has turned to the other; for an officer on the
    roster, the roster decides except while a toggle's `until` runs."""
    if until is not None and now < until:
        return Duty(on_duty, until)
    if shift is not None and zone is not None:
        return Duty(shift.on(now, zone), shift.next_change(now, zone))
    if until is not None:
        return Duty(not on_duty, None)
    return Duty(on_duty, None)


def comes_on(on_duty: bool, until: datetime | None, now: datetime, shift: Shift | None,
             zone: ZoneInfo) -> datetime | None:
    """When the officer is next on duty (`now` when they are), or None when nothing says (off until they
    say otherwise)."""
    duty = duty_now(on_duty, until, now, shift, zone)
    if duty.on:
        return now
    if duty.until is None:
        return None
    if duty_now(on_duty, until, duty.until, shift, zone).on:
        return duty.until
    return shift.next_start(duty.until, zone) if shift else None


async def set_duty(ctx: Context, actor: Actor, on: bool, until: datetime | None = None) -> Duty:
    """The officer is on (or off) duty in ctx's kecamatan from now, until `until` (then the other) or until
    they change it. NotRegistered when they hold no role here."""
    if until is not None and until <= ctx.now():
        until = None
    async with ctx.sessions.begin() as session:
        telegram_id = await session.scalar(select(Staff.telegram_id).where(Staff.id == actor.id))
        shift = ctx.profile.shift_of(telegram_id) if telegram_id is not None else None
        if shift is not None and until is None:  # the roster takes over at its next change
            until = shift.next_change(ctx.now(), ctx.profile.zone)
        done = await session.execute(update(StaffRoles).where(StaffRoles.staff_id == actor.id,
                                                              StaffRoles.kecamatan == ctx.kecamatan)
                                     .values(on_duty=on, duty_until=until))
        if done.rowcount != 1:  # type: ignore[attr-defined]
            raise NotRegistered(telegram_id=0)
    log.info("duty changed", extra={"staff_id": actor.id, "kecamatan": ctx.kecamatan, "on": on,
                                    "until": until.isoformat() if until else None})
    return Duty(on, until)


async def duty_of(ctx: Context, staff_id: int) -> Duty:
    async with ctx.sessions() as session:
        row = (await session.execute(select(StaffRoles.on_duty, StaffRoles.duty_until, Staff.telegram_id)
                                     .join(Staff, Staff.id == StaffRoles.staff_id).where(
            StaffRoles.staff_id == staff_id, StaffRoles.kecamatan == ctx.kecamatan))).first()
    if row is None:
        return Duty(False, None)
    return duty_now(row[0], row[1], ctx.now(), ctx.profile.shift_of(row[2]), ctx.profile.zone)


def fits(places: list[str], trades: list[str], desa: str | None, category: str | None,
         route: FieldRoute | None) -> bool:
    """An officer assigned `places` and `trades` (empty: any) fits a case of `desa` and `category` routed by
    `route` (None: the default field group): each list they have holds the case's, and a group kept for some
    desa or some categories takes only officers assigned to them (the street lights group's electrician,
    never a desa officer with no trade)."""
    in_desa = (desa or "").casefold() in {p.casefold() for p in places} if places else not (route and route.desa)
    in_trade = category in trades if trades else not (route and route.categories)
    return in_desa and in_trade


def home_group(chats: TelegramChats, places: list[str], trades: list[str]) -> int:
    """The field group an officer works in: the first route kept for one of their trades, else the first
    kept for one of their desa (and no trade), else the default group."""
    wanted = {p.casefold() for p in places}
    for route in chats.field_routes:
        if route.categories and set(route.categories) & set(trades):
            return route.chat_id
    for route in chats.field_routes:
        if route.desa and not route.categories and wanted & {d.casefold() for d in route.desa}:
            return route.chat_id
    return chats.field_chat_ids[0]


async def field_group_of(ctx: Context, staff_id: int, desa: str | None, category: str | None) -> int:
    """The field group (as configured) of a case of `desa` and `category` given to this officer: the group
    the case is routed to when they fit it, else the group they work in (`home_group`)."""
    chats = ctx.profile.telegram
    routed = chats.field_chat(desa, category)
    async with ctx.sessions() as session:
        row = (await session.execute(select(Staff.desa, Staff.categories).where(Staff.id == staff_id))).first()
    if row is None:
        return routed
    places, trades = list(row[0] or []), list(row[1] or [])
    route = next((r for r in chats.field_routes if r.takes(desa, category)), None)
    return routed if fits(places, trades, desa, category, route) else home_group(chats, places, trades)


async def _officers_for(ctx: Context, desa: str | None,
                        category: str | None) -> list[tuple[int, int, str, bool, datetime | None]]:
    """The kecamatan's active field officers who fit a case of `desa` and `category` (see `fits`): id,
    Telegram id, name and their stored toggle."""
    chats = ctx.profile.telegram
    route = next((r for r in chats.field_routes if r.takes(desa, category)), None)
    async with ctx.sessions() as session:
        rows = (await session.execute(
            select(Staff.id, Staff.telegram_id, Staff.name, Staff.desa, Staff.categories, StaffRoles.roles,
                   StaffRoles.on_duty, StaffRoles.duty_until)
            .join(StaffRoles, StaffRoles.staff_id == Staff.id)
            .where(StaffRoles.kecamatan == ctx.kecamatan, Staff.active.is_(True)))).all()
    return [(sid, tid, name, on, until) for sid, tid, name, places, trades, roles, on, until in rows
            if "officer" in roles and assignable(roles) and fits(places, trades or [], desa, category, route)]


async def on_duty_for(ctx: Context, desa: str | None, category: str | None = None) -> list[OnDuty]:
    """The officers on duty now in ctx's kecamatan who fit a case of `desa` and `category`, the least loaded
    first."""
    now, load, profile = ctx.now(), await officer_load(ctx), ctx.profile
    found = [OnDuty(sid, tid, name, load.get(sid, 0))
             for sid, tid, name, on, until in await _officers_for(ctx, desa, category)
             if duty_now(on, until, now, profile.shift_of(tid), profile.zone).on]
    return sorted(found, key=lambda o: (o.load, o.name.casefold()))


async def next_on_duty(ctx: Context, desa: str | None, category: str | None = None) -> datetime | None:
    """When the first officer fitting the case comes on duty (now if one is), or None when none says when."""
    now, profile = ctx.now(), ctx.profile
    starts = [comes_on(on, until, now, profile.shift_of(tid), profile.zone)
              for _sid, tid, _name, on, until in await _officers_for(ctx, desa, category)]
    return min((start for start in starts if start is not None), default=None)


async def nobody_on_duty(ctx: Context, desa: str | None, category: str | None = None) -> bool:
    """The kecamatan has field officers, and none of those fitting a case of `desa` and `category` is on
    duty now."""
    async with ctx.sessions() as session:
        rows = await session.scalars(select(StaffRoles.roles).join(Staff, Staff.id == StaffRoles.staff_id).where(
            StaffRoles.kecamatan == ctx.kecamatan, Staff.active.is_(True)))
        has_officers = any("officer" in roles for roles in rows)
    return has_officers and not await on_duty_for(ctx, desa, category)


def suggested(officers: list[OnDuty], limit: int) -> OnDuty | None:
    """The one a card suggests: the least loaded on-duty officer not over the profile's limit."""
    return next((o for o in officers if o.load <= limit), None)
