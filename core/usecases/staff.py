"""The kecamatan's staff: who they are in Telegram and what they may do."""

from __future__ import annotations

from sqlalchemy import select

from core.context import Context
from core.db.models import Staff
from core.domain.errors import InvalidInput, NotRegistered
from core.domain.lifecycle import STAFF_ROLES, Role
from core.domain.people import Actor


def parse_roles(names: list[str] | tuple[str, ...]) -> frozenset[Role]:
    """Roles from their names, refusing anything that is not a staff role."""
    valid = {r.value for r in STAFF_ROLES}
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        raise InvalidInput(f"roles must be some of {sorted(valid)}, got {list(names)}", field="roles")
    return frozenset(Role(n) for n in names)


async def add_staff(ctx: Context, telegram_id: int, name: str, roles: frozenset[Role],
                    desa: tuple[str, ...] = ()) -> Staff:
    """Register (or re-activate and update) a staff member by Telegram user id."""
    if not name.strip():
        raise InvalidInput("staff need a name", field="name")
    unknown = [d for d in desa if ctx.profile.desa_named(d) is None]
    if unknown:
        raise InvalidInput(f"unknown desa {unknown}", field="desa")
    async with ctx.sessions.begin() as session:
        staff = await session.scalar(select(Staff).where(Staff.telegram_id == telegram_id))
        if staff is None:
            staff = Staff(telegram_id=telegram_id, created_at=ctx.now())
            session.add(staff)
        staff.name, staff.roles, staff.desa, staff.active = name.strip(), sorted(roles), list(desa), True
        await session.flush()
        return staff


async def remove_staff(ctx: Context, telegram_id: int) -> bool:
    """Deactivate a staff member (kept for the audit trail); False if unknown."""
    async with ctx.sessions.begin() as session:
        staff = await session.scalar(select(Staff).where(Staff.telegram_id == telegram_id))
        if staff is None:
            return False
        staff.active = False
        return True


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
