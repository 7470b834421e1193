"""figures indexes: the public figures' clocks read from their indexes alone, and the escalations found without
reading every event of a case

Each `(kecamatan, <clock>)` index of verified, accepted, resolved and closed gains the columns the figures
count by (privacy, the report's time for the medians, and what the rows and on-time counts read), so that
a month's counts never read the table; the created clock gets such an index beside the lists' own (with the
id and state, so the public list's newest cases of a kecamatan come from it alone too). Each
stage's escalations get a partial index of their own: a case's "was this stage escalated" is one probe of it.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

WIDENED = {
    "ix_tickets_kecamatan_verified": ["kecamatan", "verified_at", "privacy", "created_at", "id"],
    "ix_tickets_kecamatan_accepted": ["kecamatan", "accepted_at", "privacy", "created_at", "id"],
    "ix_tickets_kecamatan_resolved": ["kecamatan", "resolved_at", "privacy", "created_at", "forward_agency",
                                      "category", "report_type", "desa", "id"],
    "ix_tickets_kecamatan_closed": ["kecamatan", "closed_at", "privacy", "state", "rating"],
}
STAGES = ("verify", "accept", "resolve", "agency")
_EVENTS = sa.table("ticket_events", sa.column("action", sa.String()), sa.column("data", sa.JSON()))


def _escalation_of(stage: str) -> sa.ColumnElement[bool]:
    """As `core.db.models.escalation_of` writes it (the queries match the index by this text)."""
    return (_EVENTS.c.action == "escalate") & (_EVENTS.c.data["stage"].as_string() == stage)


def upgrade() -> None:
    for name, columns in WIDENED.items():
        op.drop_index(name, table_name="tickets")
        op.create_index(name, "tickets", columns)
    op.create_index("ix_tickets_kecamatan_created_public", "tickets",
                    ["kecamatan", "created_at", "id", "privacy", "state", "category", "report_type", "desa"])
    for stage in STAGES:
        op.create_index(f"ix_ticket_events_escalated_{stage}", "ticket_events", ["ticket_id"],
                        sqlite_where=_escalation_of(stage), postgresql_where=_escalation_of(stage))


def downgrade() -> None:
    for stage in STAGES:
        op.drop_index(f"ix_ticket_events_escalated_{stage}", table_name="ticket_events")
    op.drop_index("ix_tickets_kecamatan_created_public", table_name="tickets")
    for name, columns in WIDENED.items():
        op.drop_index(name, table_name="tickets")
        op.create_index(name, "tickets", columns[:2])
