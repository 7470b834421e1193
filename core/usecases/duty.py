"""Who is on duty now: an officer says so with /tugas (on or off, optionally until a time); the field card
names the on-duty officers of its desa and suggests the least loaded one under the profile's limit."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from core.context import Context
from core.db.models import Staff, StaffRoles
from core.domain.errors import NotRegistered
from core.domain.lifecycle import assignable
from core.domain.people import Actor
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


def duty_now(on_duty: bool, until: datetime | None, now: datetime) -> Duty:
    """A stored toggle read at `now`: past its `until`, it has turned to the other."""
    if until is not None and now >= until:
        return Duty(not on_duty, None)
    return Duty(on_duty, until)


async def set_duty(ctx: Context, actor: Actor, on: bool, until: datetime | None = None) -> Duty:
    """The officer is on (or off) duty in ctx's kecamatan from now, until `until` (then the other) or until
    they change it. NotRegistered when they hold no role here."""
    if until is not None and until <= ctx.now():
        until = None
    async with ctx.sessions.begin() as session:
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
        row = (await session.execute(select(StaffRoles.on_duty, StaffRoles.duty_until).where(
            StaffRoles.staff_id == staff_id, StaffRoles.kecamatan == ctx.kecamatan))).first()
    return duty_now(row[0], row[1], ctx.now()) if row else Duty(False, None)


async def on_duty_for(ctx: Context, desa: str | None) -> list[OnDuty]:
    """The officers on duty now in ctx's kecamatan for a case in `desa` (those assigned to it, or with no desa
    assigned), the least loaded first."""
    now, load = ctx.now(), await officer_load(ctx)
    async with ctx.sessions() as session:
        rows = (await session.execute(
            select(Staff.id, Staff.telegram_id, Staff.name, Staff.desa, StaffRoles.roles, StaffRoles.on_duty,
                   StaffRoles.duty_until)
            .join(StaffRoles, StaffRoles.staff_id == Staff.id)
            .where(StaffRoles.kecamatan == ctx.kecamatan, Staff.active.is_(True)))).all()
    wanted = (desa or "").casefold()
    found = [OnDuty(sid, tid, name, load.get(sid, 0)) for sid, tid, name, places, roles, on, until in rows
             if "officer" in roles and assignable(roles) and duty_now(on, until, now).on
             and (not places or wanted in {p.casefold() for p in places})]
    return sorted(found, key=lambda o: (o.load, o.name.casefold()))


async def nobody_on_duty(ctx: Context, desa: str | None) -> bool:
    """The kecamatan has field officers, and none of those for `desa` is on duty now."""
    async with ctx.sessions() as session:
        rows = await session.scalars(select(StaffRoles.roles).join(Staff, Staff.id == StaffRoles.staff_id).where(
            StaffRoles.kecamatan == ctx.kecamatan, Staff.active.is_(True)))
        has_officers = any("officer" in roles for roles in rows)
    return has_officers and not await on_duty_for(ctx, desa)


def suggested(officers: list[OnDuty], limit: int) -> OnDuty | None:
    """The one a card suggests: the least loaded on-duty officer not over the profile's limit."""
    return next((o for o in officers if o.load <= limit), None)
