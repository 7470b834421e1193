"""staff changes are audit events; one open registration request per person

Revision ID: 0006_audit_events
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_audit_events"
down_revision = "0005"
branch_labels = None
depends_on = None

OPEN_REGISTRATION = "kind = 'registration' AND closed_at IS NULL"


def upgrade() -> None:
    op.create_table(
        "staff_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("telegram_id", sa.BigInteger(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_events_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_events")),
    )
    op.create_index("ix_staff_events_person", "staff_events", ["telegram_id", "id"], unique=False)
    # Requests repeated before this index existed: keep each person's first, close the others.
    op.execute(sa.text(
        f"UPDATE telegram_prompts SET closed_at = CURRENT_TIMESTAMP WHERE {OPEN_REGISTRATION} AND id NOT IN "
        f"(SELECT MIN(id) FROM telegram_prompts WHERE {OPEN_REGISTRATION} GROUP BY user_id)"))
    op.create_index("uq_telegram_prompts_open_registration", "telegram_prompts", ["user_id"], unique=True,
                    sqlite_where=sa.text(OPEN_REGISTRATION), postgresql_where=sa.text(OPEN_REGISTRATION))


def downgrade() -> None:
    op.drop_index("uq_telegram_prompts_open_registration", table_name="telegram_prompts")
    op.drop_index("ix_staff_events_person", table_name="staff_events")
    op.drop_table("staff_events")
