"""staff hold roles per kecamatan: `staff_roles` (staff, kecamatan, roles); `staff.roles` keeps only the
kabupaten-wide roles and is renamed `kabupaten_roles`; each staff event names the kecamatan it was decided in

Revision ID: 0010
Revises: 0009

A staff member's kecamatan roles (verifier, officer, camat, admin) belong to the install's one kecamatan,
found as migration 0008 finds it: the code the running install passes (`upgrade(..., kecamatan=...)`),
else the one kecamatan the tickets name. Until now staff acted in every kecamatan of the install, so when
the tickets name several, the roles are kept in each of them (an admin then takes back what is not meant).
With staff holding kecamatan roles and nothing to tell whose they are, the upgrade stops and says what to
set. Kabupaten roles (kabupaten_admin, inspektorat) stay kabupaten-wide.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KABUPATEN_ROLES = frozenset({"kabupaten_admin", "inspektorat"})  # core.domain.lifecycle's, as they were


def _staff_kecamatan(needed: bool) -> list[str]:
    given = context.config.attributes.get("kecamatan")
    if given:
        return [str(given)]
    found = sorted(str(row[0]) for row in op.get_bind().execute(sa.text("SELECT DISTINCT kecamatan FROM tickets")))
    if not found and needed:
        raise RuntimeError("cannot tell which kecamatan the staff's roles belong to: set KECAMATAN_PROFILE "
                           "to this install's profile and run `lapor-camat db upgrade` again")
    return found


def upgrade() -> None:
    bind = op.get_bind()
    op.execute("ALTER TABLE staff RENAME COLUMN roles TO kabupaten_roles")
    op.create_table(
        "staff_roles",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("kecamatan", sa.String(length=40), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_roles_staff_id_staff")),
        sa.PrimaryKeyConstraint("staff_id", "kecamatan", name=op.f("pk_staff_roles")),
    )
    op.create_index("ix_staff_roles_kecamatan", "staff_roles", ["kecamatan"])
    op.add_column("staff_events", sa.Column("kecamatan", sa.String(length=40), nullable=True))

    staff = sa.table("staff", sa.column("id", sa.Integer), sa.column("kabupaten_roles", sa.JSON))
    staff_roles = sa.table("staff_roles", sa.column("staff_id", sa.Integer), sa.column("kecamatan", sa.String),
                           sa.column("roles", sa.JSON))
    rows = bind.execute(sa.select(staff.c.id, staff.c.kabupaten_roles)).all()
    split = [(sid, [r for r in roles if r in KABUPATEN_ROLES], [r for r in roles if r not in KABUPATEN_ROLES])
             for sid, roles in rows]
    codes = _staff_kecamatan(needed=any(local for _, _, local in split))
    for staff_id, wide, local in split:
        bind.execute(staff.update().where(staff.c.id == staff_id).values(kabupaten_roles=wide))
        if local:
            bind.execute(staff_roles.insert(), [{"staff_id": staff_id, "kecamatan": code, "roles": local}
                                                for code in codes])
    if len(codes) == 1:
        bind.execute(sa.text("UPDATE staff_events SET kecamatan = :code"), {"code": codes[0]})


def downgrade() -> None:
    bind = op.get_bind()
    staff = sa.table("staff", sa.column("id", sa.Integer), sa.column("kabupaten_roles", sa.JSON))
    staff_roles = sa.table("staff_roles", sa.column("staff_id", sa.Integer), sa.column("roles", sa.JSON))
    held: dict[int, set[str]] = {}
    for staff_id, roles in bind.execute(sa.select(staff_roles.c.staff_id, staff_roles.c.roles)).all():
        held.setdefault(staff_id, set()).update(roles)
    for staff_id, wide in bind.execute(sa.select(staff.c.id, staff.c.kabupaten_roles)).all():
        everything = sorted(held.get(staff_id, set()) | set(wide))
        bind.execute(staff.update().where(staff.c.id == staff_id).values(kabupaten_roles=everything))
    with op.batch_alter_table("staff_events") as batch:
        batch.drop_column("kecamatan")
    op.drop_index("ix_staff_roles_kecamatan", table_name="staff_roles")
    op.drop_table("staff_roles")
    op.execute("ALTER TABLE staff RENAME COLUMN kabupaten_roles TO roles")
