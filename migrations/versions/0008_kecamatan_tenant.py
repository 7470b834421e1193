"""kecamatan is the tenant: conversations are per citizen and kecamatan; outbox rows and held reports name theirs;
the deadline scan's index leads with the kecamatan

Revision ID: 0008
Revises: 0007

Existing rows belong to the install's one kecamatan: the code comes from the running install
(`upgrade(..., kecamatan=...)`, which `lapor-camat db upgrade` and `run --migrate` pass when one
kecamatan is configured), else from the tickets already filed. With rows to fill and neither, the
upgrade stops and says what to set, rather than guess.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TABLES = ("conversations", "outbox", "held_reports")
# A kecamatan's figures read its own rows (digest, weekly summary, the kabupaten's comparison).
FIGURES = (("ix_tickets_kecamatan_state", "state"), ("ix_tickets_kecamatan_created", "created_at"),
           ("ix_tickets_kecamatan_resolved", "resolved_at"), ("ix_tickets_kecamatan_closed", "closed_at"))


def _existing_kecamatan() -> str:
    given = context.config.attributes.get("kecamatan")
    if given:
        return str(given)
    bind = op.get_bind()
    found = [row[0] for row in bind.execute(sa.text("SELECT DISTINCT kecamatan FROM tickets"))]
    if len(found) == 1:
        return str(found[0])
    if any(bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() for table in TABLES):
        raise RuntimeError("cannot tell which kecamatan the existing rows belong to: set KECAMATAN_PROFILE "
                           "to this install's profile and run `lapor-camat db upgrade` again")
    return ""


def upgrade() -> None:
    code = _existing_kecamatan()
    column = sa.Column("kecamatan", sa.String(length=40), nullable=False, server_default=code)
    with op.batch_alter_table("conversations", recreate="always") as batch:
        batch.add_column(column)
        batch.drop_constraint("pk_conversations", type_="primary")
        batch.create_primary_key("pk_conversations", ["citizen_id", "kecamatan"])
    for table in ("outbox", "held_reports"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("kecamatan", sa.String(length=40), nullable=False, server_default=code))
    # New rows always name their kecamatan: the fill value is not a default for them.
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("kecamatan", server_default=None)
    op.drop_index("ix_tickets_escalation_due", table_name="tickets")
    op.create_index("ix_tickets_escalation_due", "tickets", ["kecamatan", "escalation_level", "stage_deadline_at"])
    for name, column in FIGURES:
        op.create_index(name, "tickets", ["kecamatan", column])


def downgrade() -> None:
    for name, _ in FIGURES:
        op.drop_index(name, table_name="tickets")
    op.drop_index("ix_tickets_escalation_due", table_name="tickets")
    op.create_index("ix_tickets_escalation_due", "tickets", ["escalation_level", "stage_deadline_at"])
    for table in ("outbox", "held_reports"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("kecamatan")
    with op.batch_alter_table("conversations", recreate="always") as batch:
        batch.drop_constraint("pk_conversations", type_="primary")
        batch.drop_column("kecamatan")
        batch.create_primary_key("pk_conversations", ["citizen_id"])
