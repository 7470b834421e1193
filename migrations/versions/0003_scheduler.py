"""scheduler: an index that makes the deadline scan read only what is due

Revision ID: 0003_scheduler
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = '0003_scheduler'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Level first: the scan asks for levels 0 and 1 with a deadline before now, two short ranges
    # that skip the tickets already escalated to the camat (still open, but owing nothing more).
    op.create_index('ix_tickets_escalation_due', 'tickets', ['escalation_level', 'stage_deadline_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_escalation_due', table_name='tickets')
