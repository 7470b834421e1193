"""The install's staff: who they are in Telegram and what they may do in each kecamatan.

A person holds roles per kecamatan (`StaffRoles` rows) and may hold kabupaten roles (kabupaten_admin,
inspektorat) that reach every kecamatan. Every use case sees them as the context's kecamatan does: the
roles they hold there plus their kabupaten roles; holding neither, they are not staff there.

Every change to a staff member is written with its audit event (`StaffEvent`, naming the kecamatan) in one
transaction, whichever road it came by: the desk's approval in Telegram, the camat linking their account,
the CLI. A caller that asks (`tell=True`: the console) also gets the person told in Telegram: an outbox
row (`STAFF_CHANGED_KIND`, to `staff:<id>`) in the same transaction. The Telegram desk's approval welcomes
the person itself, so it does not ask.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.context import Context
from core.db.models import Staff, StaffEvent, StaffRoles
from core.domain.errors import InvalidInput, NotRegistered, NotStaffHere
from core.domain.lifecycle import KABUPATEN_ROLES, STAFF_ROLES, Role
from core.domain.people import Actor
from core.kabupaten import KabupatenStaff
from core.notifications import queue

SETUP = Actor.system("setup")  # who changed staff when the caller names nobody (seeding, tests)
STAFF_CHANGED_KIND = "staff.changed"  # the outbox row telling a person what was decided about them


@dataclass(frozen=True)
class StaffMember:
    """A staff member as one kecamatan sees them: the roles they hold there and their kabupaten roles."""

    id: int
    telegram_id: int
    name: str
    roles: tuple[str, ...]  # sorted role names
    desa: tuple[str, ...]
    active: bool
    kecamatan: str
    agency: str | None = None  # the code of the agency they work for (the kabupaten file's), if any
    categories: tuple[str, ...] = ()  # the categories (trades) they work on; none: any


def parse_roles(names: list[str] | tuple[str, ...]) -> frozenset[Role]:
    """Roles from their names, refusing anything that is not a staff role."""
    valid = {r.value for r in STAFF_ROLES}
    unknown = [n for n in names if n not in valid]
    if unknown or not names:
        raise InvalidInput(f"roles must be some of {sorted(valid)}, got {list(names)}", field="roles")
    return frozenset(Role(n) for n in names)


async def add_staff(ctx: Context, telegram_id: int, name: str, roles: frozenset[Role],
                    desa: tuple[str, ...] = (), *, kecamatan: str | None = None, by: Actor = SETUP,
                    approved: bool = False, tell: bool = False,
                    categories: tuple[str, ...] | None = None) -> StaffMember:
    """Register (or re-activate and update) a staff member by Telegram user id; `by` is who did it.

    The kecamatan roles among `roles` become the person's roles in `kecamatan` (default: the context's),
    and the kabupaten roles among them their kabupaten roles; a kind not given stays as it was, and so do
    their roles in other kecamatan. A deactivated person comes back with only what this call gives. `approved`
    marks an admin's answer to the person's own registration request; `tell` queues the person's notice.
    `categories` (codes of the profile's) are the trades they work on; None keeps those they have.
    """
    place = ctx.at(kecamatan) if kecamatan else ctx
    if not name.strip():
        raise InvalidInput("staff need a name", field="name")
    unknown = [d for d in desa if place.profile.desa_named(d) is None]
    if unknown:
        raise InvalidInput(f"unknown desa {unknown}", field="desa")
    strange = [c for c in categories or () if place.profile.category(c) is None]
    if strange:
        raise InvalidInput(f"unknown categories {strange}", field="categories")
    local, wide = sorted(str(r) for r in roles - KABUPATEN_ROLES), sorted(str(r) for r in roles & KABUPATEN_ROLES)
    async with ctx.sessions.begin() as session:
        staff = await _locked(session, telegram_id)
        before = None if staff is None else await _facts(session, staff, place.kecamatan)
        if staff is None:
            staff = Staff(telegram_id=telegram_id, kabupaten_roles=[], created_at=ctx.now())
            session.add(staff)
        elif not staff.active:
            await session.execute(delete(StaffRoles).where(StaffRoles.staff_id == staff.id))
            staff.kabupaten_roles = []
        staff.name, staff.desa, staff.active = name.strip(), list(desa), True
        if categories is not None:
            staff.categories = list(dict.fromkeys(categories))
        await session.flush()
        if wide:
            staff.kabupaten_roles = list(wide)
        if local:
            await _set_roles(session, staff.id, place.kecamatan, local)
        local = await _local_roles(session, staff.id, place.kecamatan)
        after = await _facts(session, staff, place.kecamatan)
        if before is None or not before["active"]:
            action = "approve" if approved else ("add" if before is None else "reactivate")
        elif before != after:
            action = "update"
        else:
            return _member(staff, place.kecamatan, local)  # nothing changed, nothing to audit
        await _audit(ctx, session, staff, action, by, place.kecamatan, after, before, tell)
        return _member(staff, place.kecamatan, local)


async def remove_staff(ctx: Context, telegram_id: int, *, kecamatan: str | None = None,
                       by: Actor = SETUP, tell: bool = False) -> bool:
    """Take a staff member's roles in `kecamatan` away, or (no kecamatan) deactivate them everywhere; False
    if unknown. Someone left with no role anywhere is deactivated (kept for the audit trail); `tell` as in
    add_staff."""
    place = ctx.at(kecamatan) if kecamatan else ctx
    async with ctx.sessions.begin() as session:
        staff = await _locked(session, telegram_id)
        if staff is None:
            return False
        if not staff.active:
            return True
        before = await _facts(session, staff, place.kecamatan)
        elsewhere = staff.kabupaten_roles or await session.scalar(select(StaffRoles.kecamatan).where(
            StaffRoles.staff_id == staff.id, StaffRoles.kecamatan != place.kecamatan).limit(1))
        if kecamatan is not None and elsewhere:
            if not before["roles"]:
                return True  # nothing held here
            await _set_roles(session, staff.id, place.kecamatan, [])
            action = "withdraw"
        else:
            staff.active = False  # the rows stay: the list of inactive staff shows what they held
            action = "deactivate"
        await _audit(ctx, session, staff, action, by, place.kecamatan,
                     await _facts(session, staff, place.kecamatan), before, tell)
        return True


async def set_agency(ctx: Context, telegram_id: int, agency: str | None, *, by: Actor = SETUP,
                     tell: bool = False) -> StaffMember:
    """Make an active staff member a member of an agency of the kabupaten file (by code), or of none; audited
    (action "agency", in the context's kecamatan) when it changes, and with `tell` the person's notice."""
    if agency is not None and ctx.kabupaten.agency(agency) is None:
        raise InvalidInput(f"unknown agency {agency!r}", field="agency")
    async with ctx.sessions.begin() as session:
        staff = await _locked(session, telegram_id)
        if staff is None or not staff.active:
            raise NotRegistered(telegram_id=telegram_id)
        local = await _local_roles(session, staff.id, ctx.kecamatan)
        if staff.agency != agency:
            before = await _facts(session, staff, ctx.kecamatan)
            staff.agency = agency
            await _audit(ctx, session, staff, "agency", by, ctx.kecamatan,
                         await _facts(session, staff, ctx.kecamatan), before, tell)
        return _member(staff, ctx.kecamatan, local)


async def record_declined(ctx: Context, telegram_id: int, name: str, *, by: Actor, tell: bool = False) -> None:
    """An admin turned down someone's registration request: no staff change, but a decision on the record
    (and, with `tell`, the person's notice: to `telegram:<id>`, as they are no staff row)."""
    async with ctx.sessions.begin() as session:
        event = StaffEvent(telegram_id=telegram_id, staff_id=None, action="decline", actor_kind=by.kind,
                           actor_id=by.id, actor_name=by.name, kecamatan=ctx.kecamatan,
                           data={"name": name, "kecamatan": ctx.kecamatan}, created_at=ctx.now())
        session.add(event)
        if tell:
            await _tell(ctx, session, event, f"telegram:{telegram_id}")


async def staff_history(ctx: Context, telegram_id: int | None = None) -> list[StaffEvent]:
    """The staff audit trail, oldest first (one person's, or everyone's)."""
    async with ctx.sessions() as session:
        query = select(StaffEvent).order_by(StaffEvent.id)
        if telegram_id is not None:
            query = query.where(StaffEvent.telegram_id == telegram_id)
        return list(await session.scalars(query))


async def list_staff(ctx: Context, include_inactive: bool = False) -> list[StaffMember]:
    """The kecamatan's staff by name: those holding a role there or a kabupaten role."""
    async with ctx.sessions() as session:
        query = (select(Staff, StaffRoles.roles).outerjoin(StaffRoles, (StaffRoles.staff_id == Staff.id)
                                                            & (StaffRoles.kecamatan == ctx.kecamatan))
                 .order_by(Staff.name, Staff.id))
        if not include_inactive:
            query = query.where(Staff.active.is_(True))
        rows = (await session.execute(query)).all()
    members = [_member(staff, ctx.kecamatan, local or []) for staff, local in rows]
    return [m for m in members if m.roles]


async def staff_actor(ctx: Context, telegram_id: int) -> Actor:
    """The active staff member behind a Telegram user with the roles they hold in ctx's kecamatan (and
    their kabupaten roles), or NotRegistered (NotStaffHere when they are staff of another kecamatan)."""
    async with ctx.sessions() as session:
        found = (await session.execute(
            select(Staff, StaffRoles.roles)
            .outerjoin(StaffRoles, (StaffRoles.staff_id == Staff.id) & (StaffRoles.kecamatan == ctx.kecamatan))
            .where(Staff.telegram_id == telegram_id, Staff.active.is_(True)))).first()
        if found is None:
            raise NotRegistered(telegram_id=telegram_id)
        staff, local = found
        roles = frozenset(Role(r) for r in [*(local or []), *staff.kabupaten_roles])
        if not roles:
            if await session.scalar(select(StaffRoles.kecamatan).where(StaffRoles.staff_id == staff.id).limit(1)):
                raise NotStaffHere(telegram_id=telegram_id, kecamatan=ctx.profile.name)
            raise NotRegistered(telegram_id=telegram_id)
    return Actor.staff(staff.id, staff.name, roles)


async def staff_kecamatan(ctx: Context, telegram_id: int) -> list[str]:
    """The kecamatan (codes, in the kabupaten file's order) where an active staff member may act: where
    they hold roles, or every one for a holder of a kabupaten role."""
    async with ctx.sessions() as session:
        staff = await session.scalar(select(Staff).where(Staff.telegram_id == telegram_id, Staff.active.is_(True)))
        if staff is None:
            return []
        held = set(await session.scalars(select(StaffRoles.kecamatan).where(StaffRoles.staff_id == staff.id)))
    return [p.code for p in ctx.kabupaten if staff.kabupaten_roles or p.code in held]


async def holds_role_in(session: AsyncSession, staff_id: int, kecamatan: str) -> frozenset[Role]:
    """The roles an active staff member holds in one kecamatan, with their kabupaten roles (none if inactive)."""
    found = (await session.execute(
        select(Staff.kabupaten_roles, StaffRoles.roles)
        .outerjoin(StaffRoles, (StaffRoles.staff_id == Staff.id) & (StaffRoles.kecamatan == kecamatan))
        .where(Staff.id == staff_id, Staff.active.is_(True)))).first()
    if found is None:
        return frozenset()
    wide, local = found
    return frozenset(Role(r) for r in [*(local or []), *wide])


async def _locked(session: AsyncSession, telegram_id: int) -> Staff | None:
    """The staff row, locked so two changes to one person are told apart in the trail."""
    return await session.scalar(select(Staff).where(Staff.telegram_id == telegram_id).with_for_update())


async def _set_roles(session: AsyncSession, staff_id: int, kecamatan: str, roles: list[str]) -> None:
    row = await session.get(StaffRoles, (staff_id, kecamatan))
    if not roles:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(StaffRoles(staff_id=staff_id, kecamatan=kecamatan, roles=roles))
    else:
        row.roles = roles
    await session.flush()


async def _local_roles(session: AsyncSession, staff_id: int, kecamatan: str) -> list[str]:
    roles = await session.scalar(select(StaffRoles.roles).where(
        StaffRoles.staff_id == staff_id, StaffRoles.kecamatan == kecamatan))
    return list(roles or [])


async def _facts(session: AsyncSession, staff: Staff, kecamatan: str) -> dict[str, Any]:
    """What the trail records of a person, as one kecamatan sees them."""
    return {"name": staff.name, "kecamatan": kecamatan, "roles": await _local_roles(session, staff.id, kecamatan),
            "kabupaten_roles": list(staff.kabupaten_roles), "desa": list(staff.desa), "active": staff.active,
            "agency": staff.agency, "categories": list(staff.categories or [])}


def _member(staff: Staff, kecamatan: str, local: list[str]) -> StaffMember:
    return StaffMember(staff.id, staff.telegram_id, staff.name, tuple(sorted({*local, *staff.kabupaten_roles})),
                       tuple(staff.desa), staff.active, kecamatan, staff.agency, tuple(staff.categories or ()))


async def _audit(ctx: Context, session: AsyncSession, staff: Staff, action: str, by: Actor, kecamatan: str,
                 facts: dict[str, Any], before: dict[str, Any] | None, tell: bool = False) -> None:
    event = StaffEvent(telegram_id=staff.telegram_id, staff_id=staff.id, action=action, actor_kind=by.kind,
                       actor_id=by.id, actor_name=by.name, kecamatan=kecamatan,
                       data={**facts, "before": before}, created_at=ctx.now())
    session.add(event)
    if tell:
        await _tell(ctx, session, event, f"staff:{staff.id}")


async def _tell(ctx: Context, session: AsyncSession, event: StaffEvent, recipient: str) -> None:
    """The person's notice of one staff event, in its transaction (the officer bot renders it)."""
    await session.flush()  # the event's id names the row, so a retried request cannot tell twice
    data = {"event_id": event.id, "action": event.action, "telegram_id": event.telegram_id,
            "kecamatan": event.kecamatan, "by": event.actor_name, "roles": event.data.get("roles", []),
            "desa": event.data.get("desa", []), "name": event.data.get("name", ""),
            "agency": event.data.get("agency"), "agency_name": ctx.kabupaten.agency_name(event.data.get("agency"))}
    queue(session, channel="telegram", recipient=recipient, kecamatan=event.kecamatan or "", kind=STAFF_CHANGED_KIND,
          data=data, dedupe_key=f"staff-event:{event.id}", now=ctx.now())


KABUPATEN_FILE = Actor.system("kabupaten file")  # who gave the roles the kabupaten file names


async def sync_kabupaten_staff(ctx: Context) -> list[str]:
    """Give each person the kabupaten file names (`[[staff]]`) their kabupaten role: one line per change.

    Only adds: a role given by the console or the CLI stays, and so do the person's kecamatan roles and desa;
    someone deactivated stays deactivated (said in the lines) until an admin reactivates them, so the file
    cannot undo a deactivation. Replicas starting together may race on a new person: the loser finds the row.
    """
    done: list[str] = []
    for entry in ctx.kabupaten.staff:
        try:
            said = await _give_kabupaten_role(ctx, entry)
        except IntegrityError:  # another replica added the person a moment ago: look again
            said = await _give_kabupaten_role(ctx, entry)
        done += [said] if said else []
    return done


async def _give_kabupaten_role(ctx: Context, entry: KabupatenStaff) -> str | None:
    async with ctx.sessions.begin() as session:
        staff = await _locked(session, entry.telegram_id)
        if staff is not None and not staff.active:
            return (f"{entry.name} ({entry.telegram_id}) is deactivated: not given {entry.role} "
                    "(reactivate them in the console or with staff add)")
        if staff is not None and entry.role in staff.kabupaten_roles:
            return None
        before = None if staff is None else await _facts(session, staff, ctx.kecamatan)
        if staff is None:
            staff = Staff(telegram_id=entry.telegram_id, name=entry.name, desa=[], kabupaten_roles=[],
                          active=True, created_at=ctx.now())
            session.add(staff)
            await session.flush()
        staff.kabupaten_roles = sorted({*staff.kabupaten_roles, entry.role})
        await _audit(ctx, session, staff, "add" if before is None else "update", KABUPATEN_FILE, ctx.kecamatan,
                     await _facts(session, staff, ctx.kecamatan), before)
        return f"{staff.name} ({staff.telegram_id}): {entry.role}"
