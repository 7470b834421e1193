"""agencies as desks: who at the agency took the case, and when; forwarded cases get a clock; the
kecamatan's verify and accept times indexed for "on time per stage"

A case forwarded before agencies were data holds the agency's name (e.g. "PLN") and no deadline: it is
given the agency's code as a kecamatan profile derives it ("pln") and a follow-up deadline a week after
it was forwarded, so the scheduler reminds and escalates it like any stage (never a dead end again).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("agency_accepted_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("agency_holder", sa.String(100), nullable=True))
    op.create_index("ix_tickets_kecamatan_verified", "tickets", ["kecamatan", "verified_at"])
    op.create_index("ix_tickets_kecamatan_accepted", "tickets", ["kecamatan", "accepted_at"])
    tickets = sa.table("tickets", sa.column("id", sa.Integer), sa.column("state", sa.String),
                       sa.column("forward_agency", sa.String),
                       sa.column("stage_started_at", sa.DateTime(timezone=True)),
                       sa.column("updated_at", sa.DateTime(timezone=True)),
                       sa.column("stage_deadline_at", sa.DateTime(timezone=True)))
    bind = op.get_bind()
    names = bind.execute(sa.select(tickets.c.forward_agency).where(tickets.c.forward_agency.is_not(None))
                         .distinct()).scalars().all()
    for name in names:
        code = _code(name)
        if code != name:
            bind.execute(tickets.update().where(tickets.c.forward_agency == name).values(forward_agency=code))
    rows = bind.execute(sa.select(tickets.c.id, tickets.c.updated_at).where(
        tickets.c.state == "forwarded", tickets.c.stage_deadline_at.is_(None))).all()
    for ticket_id, forwarded_at in rows:
        bind.execute(tickets.update().where(tickets.c.id == ticket_id).values(
            stage_started_at=forwarded_at, stage_deadline_at=forwarded_at + timedelta(days=7)))


def _code(name: str) -> str:
    """`core.kabupaten._named_agency`'s code for an agency a profile names in words (kept here as it was)."""
    code = re.sub(r"[^a-z0-9]+", "_", name.casefold()).strip("_")[:31]
    return code if re.match(r"^[a-z][a-z0-9_]{1,30}$", code) else f"a_{code}"[:31]


def downgrade() -> None:
    op.drop_index("ix_tickets_kecamatan_accepted", "tickets")
    op.drop_index("ix_tickets_kecamatan_verified", "tickets")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("agency_holder")
        batch.drop_column("agency_accepted_at")
