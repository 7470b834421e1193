"""open311: each key's posts per minute shared by the replicas, an Open311 reporter's masked contact, and the
desk's mark that a case's own photos may be public

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "open311_rate",
        sa.Column("key", sa.String(length=80), primary_key=True),
        sa.Column("minute", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("posts", sa.Integer(), nullable=False),
    )
    op.add_column("citizens", sa.Column("contact", sa.String(length=80), nullable=False, server_default=""))
    op.add_column("tickets", sa.Column("citizen_photos_public", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade() -> None:
    # Not a batch: SQLite (3.35+) drops a column in place, where rebuilding a table would break its foreign keys.
    op.drop_column("tickets", "citizen_photos_public")
    op.drop_column("citizens", "contact")
    op.drop_table("open311_rate")
