"""conversations cards bindings job runs

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 21:03:50.501544
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_bindings',
    sa.Column('configured_id', sa.BigInteger(), nullable=False),
    sa.Column('current_id', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('configured_id', name=op.f('pk_chat_bindings'))
    )
    op.create_table('job_runs',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('ran_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_job_runs'))
    )
    op.create_table('conversations',
    sa.Column('citizen_id', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=32), nullable=False),
    sa.Column('draft', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_conversations_citizen_id_citizens')),
    sa.PrimaryKeyConstraint('citizen_id', name=op.f('pk_conversations'))
    )
    op.create_index(op.f('ix_conversations_updated_at'), 'conversations', ['updated_at'], unique=False)
    op.create_table('telegram_cards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('role', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_telegram_cards_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_telegram_cards')),
    sa.UniqueConstraint('ticket_id', 'chat_id', name='uq_telegram_cards_ticket_id_chat_id')
    )
    op.create_index('ix_telegram_cards_message', 'telegram_cards', ['chat_id', 'message_id'], unique=False)
    op.create_table('sent_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('error', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outbox.id'], name=op.f('fk_sent_messages_outbox_id_outbox')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_messages')),
    sa.UniqueConstraint('channel', 'external_id', name='uq_sent_messages_channel_external_id')
    )
    op.create_index(op.f('ix_sent_messages_outbox_id'), 'sent_messages', ['outbox_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_sent_messages_outbox_id'), table_name='sent_messages')
    op.drop_table('sent_messages')
    op.drop_index('ix_telegram_cards_message', table_name='telegram_cards')
    op.drop_table('telegram_cards')
    op.drop_index(op.f('ix_conversations_updated_at'), table_name='conversations')
    op.drop_table('conversations')
    op.drop_table('job_runs')
    op.drop_table('chat_bindings')
