"""join the bot and scheduler branches; tickets remember what submitted them

Revision ID: 0004
Revises: 0003_officer, 0003_scheduler
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = ("0003_officer", "0003_scheduler")
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("source_ref", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_tickets_source_ref", ["source_ref"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint("uq_tickets_source_ref", type_="unique")
        batch.drop_column("source_ref")
