"""join the three branches of "every promise kept": staff audit events, held reports, outbox set aside

Revision ID: 0007
Revises: 0006_audit_events, 0006_held_reports, 0006_outbox_set_aside
"""

from __future__ import annotations

revision = "0007"
down_revision = ("0006_audit_events", "0006_held_reports", "0006_outbox_set_aside")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: the three branches touch different tables."""


def downgrade() -> None:
    """Nothing to undo."""
