"""telegram pacing: each group's posts in the last minute and each person's next free second, shared by the
replicas that post as one bot

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "telegram_pacing",
        sa.Column("key", sa.String(length=80), primary_key=True),
        sa.Column("posts", sa.JSON(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("telegram_pacing")
