"""The kecamatan's staff: who they are in Telegram and what they may do.

Every change to a staff member is written with its audit event (`StaffEvent`) in one transaction,
whichever road it came by: the desk's approval in Telegram, the camat linking their account, the CLI.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.models import Staff, StaffEvent
from core.domain.errors import InvalidInput, NotRegistered
from core.domain.lifecycle import STAFF_ROLES, Role
from core.domain.people import Actor

SETUP = Actor.system("setup")  # who changed staff when the caller names nobody (seeding, tests)


def parse_roles(names: list[str] | tuple[str, ...]) -> frozenset[Role]:
    """Roles from their names, refusing anything that is not a staff role."""
    valid = {r.value for r in STAFF_ROLES}
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        raise InvalidInput(f"roles must be some of {sorted(valid)}, got {list(names)}", field="roles")
    return frozenset(Role(n) for n in names)


async def add_staff(ctx: Context, telegram_id: int, name: str, roles: frozenset[Role],
                    desa: tuple[str, ...] = (), *, by: Actor = SETUP, approved: bool = False) -> Staff:
    """Register (or re-activate and update) a staff member by Telegram user id; `by` is who did it.

    `approved` marks an admin's answer to the person's own registration request.
    """
    if not name.strip():
        raise InvalidInput("staff need a name", field="name")
    unknown = [d for d in desa if ctx.profile.desa_named(d) is None]
    if unknown:
        raise InvalidInput(f"unknown desa {unknown}", field="desa")
    async with ctx.sessions.begin() as session:
        staff = await _locked(session, telegram_id)
        before = None if staff is None else _facts(staff)
        if staff is None:
            staff = Staff(telegram_id=telegram_id, created_at=ctx.now())
            session.add(staff)
        staff.name, staff.roles, staff.desa, staff.active = name.strip(), sorted(roles), list(desa), True
        await session.flush()
        if before is None or not before["active"]:
            action = "approve" if approved else ("add" if before is None else "reactivate")
        elif before != _facts(staff):
            action = "update"
        else:
            return staff  # nothing changed, nothing to audit
        _audit(ctx, session, staff, action, by, before)
        return staff


async def remove_staff(ctx: Context, telegram_id: int, *, by: Actor = SETUP) -> bool:
    """Deactivate a staff member (kept for the audit trail); False if unknown."""
    async with ctx.sessions.begin() as session:
        staff = await _locked(session, telegram_id)
        if staff is None:
            return False
        if staff.active:
            before = _facts(staff)
            staff.active = False
            _audit(ctx, session, staff, "deactivate", by, before)
        return True


async def record_declined(ctx: Context, telegram_id: int, name: str, *, by: Actor) -> None:
    """An admin turned down someone's registration request: no staff change, but a decision on the record."""
    async with ctx.sessions.begin() as session:
        session.add(StaffEvent(telegram_id=telegram_id, staff_id=None, action="decline", actor_kind=by.kind,
                               actor_id=by.id, actor_name=by.name, data={"name": name}, created_at=ctx.now()))


async def staff_history(ctx: Context, telegram_id: int | None = None) -> list[StaffEvent]:
    """The staff audit trail, oldest first (one person's, or everyone's)."""
    async with ctx.sessions() as session:
        query = select(StaffEvent).order_by(StaffEvent.id)
        if telegram_id is not None:
            query = query.where(StaffEvent.telegram_id == telegram_id)
        return list(await session.scalars(query))


async def _locked(session: AsyncSession, telegram_id: int) -> Staff | None:
    """The staff row, locked so two changes to one person are told apart in the trail."""
    return await session.scalar(select(Staff).where(Staff.telegram_id == telegram_id).with_for_update())


def _facts(staff: Staff) -> dict[str, Any]:
    return {"name": staff.name, "roles": [str(r) for r in staff.roles], "desa": list(staff.desa),
            "active": staff.active}


def _audit(ctx: Context, session: AsyncSession, staff: Staff, action: str, by: Actor,
           before: dict[str, Any] | None) -> None:
    data = {**_facts(staff), "before": before}
    session.add(StaffEvent(telegram_id=staff.telegram_id, staff_id=staff.id, action=action, actor_kind=by.kind,
                           actor_id=by.id, actor_name=by.name, data=data, created_at=ctx.now()))


async def list_staff(ctx: Context, include_inactive: bool = False) -> list[Staff]:
    async with ctx.sessions() as session:
        query = select(Staff).order_by(Staff.name)
        if not include_inactive:
            query = query.where(Staff.active.is_(True))
        return list(await session.scalars(query))


async def staff_actor(ctx: Context, telegram_id: int) -> Actor:
    """The active staff member behind a Telegram user, or NotRegistered."""
    async with ctx.sessions() as session:
        staff = await session.scalar(select(Staff).where(Staff.telegram_id == telegram_id, Staff.active.is_(True)))
    if staff is None:
        raise NotRegistered(telegram_id=telegram_id)
    return Actor.staff(staff.id, staff.name, frozenset(Role(r) for r in staff.roles))
