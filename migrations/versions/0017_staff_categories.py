"""staff categories: the categories (trades) an officer works on, beside the desa they cover

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("categories", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    # Not a batch: SQLite (3.35+) drops a column in place, where rebuilding `staff` would break its foreign keys.
    op.drop_column("staff", "categories")
