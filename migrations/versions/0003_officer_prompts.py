"""officer bot prompts

Revision ID: 0003_officer
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003_officer'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('telegram_prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.BigInteger(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_telegram_prompts_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_prompts'))
    )
    op.create_index('ix_telegram_prompts_message', 'telegram_prompts', ['chat_id', 'message_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_telegram_prompts_message', table_name='telegram_prompts')
    op.drop_table('telegram_prompts')
