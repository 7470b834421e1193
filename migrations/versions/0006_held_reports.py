"""reports held over the daily limit get a table of their own; citizens' names leave the audit trail

Revision ID: 0006_held_reports
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_held_reports"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("citizen_id", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("released_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["citizen_id"], ["citizens.id"], name=op.f("fk_held_reports_citizen_id_citizens")),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_held_reports_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_held_reports")),
        sa.UniqueConstraint("source_ref", name=op.f("uq_held_reports_source_ref")),
    )
    op.create_index("ix_held_reports_waiting", "held_reports", ["filed_at", "held_at"], unique=False)
    op.create_index("ix_held_reports_citizen", "held_reports", ["citizen_id", "filed_at"], unique=False)
    # Events used to carry the citizen's WhatsApp profile name; staff see citizens by their part only.
    op.execute("UPDATE ticket_events SET actor_name = '' WHERE actor_kind = 'citizen'")


def downgrade() -> None:
    op.drop_index("ix_held_reports_citizen", table_name="held_reports")
    op.drop_index("ix_held_reports_waiting", table_name="held_reports")
    op.drop_table("held_reports")
