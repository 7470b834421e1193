"""outbox rows can be set aside (failed for good, fallbacks too) with the failure in a word; attachments keep a
copy that fits the citizens' channel

Revision ID: 0006_outbox_set_aside
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_outbox_set_aside"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("set_aside_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("failure_reason", sa.String(length=32), nullable=True))
    with op.batch_alter_table("attachments") as batch:
        batch.add_column(sa.Column("citizen_path", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("attachments") as batch:
        batch.drop_column("citizen_path")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("failure_reason")
        batch.drop_column("set_aside_at")
