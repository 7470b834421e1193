"""staff agency: the agency of the kabupaten file a staff member works for (set on the console's Petugas page)

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("staff", sa.Column("agency", sa.String(length=40), nullable=True))


def downgrade() -> None:
    # Not a batch: SQLite (3.35+) drops a column in place, where rebuilding `staff` would break its foreign keys.
    op.drop_column("staff", "agency")
