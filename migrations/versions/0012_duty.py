"""duty now: whether a staff member is on duty in a kecamatan (/tugas), and until when

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_roles") as batch:
        batch.add_column(sa.Column("on_duty", sa.Boolean(), nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("duty_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_roles") as batch:
        batch.drop_column("duty_until")
        batch.drop_column("on_duty")
