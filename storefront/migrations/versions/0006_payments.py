"""payments: refunds as records, provider webhook events processed once; the test provider's
ledger knows what each movement acts on

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('refunds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('charge_ref', sa.String(length=200), nullable=False),
    sa.Column('gateway_ref', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('actor', sa.String(length=254), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('settled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_refunds_order_id_orders')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refunds')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_refunds_idempotency_key'))
    )
    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refunds_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refunds_status'), ['status'], unique=False)

    op.create_table('provider_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sa.String(length=20), nullable=False),
    sa.Column('event_id', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=300), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_provider_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_provider_events_event_id'))
    )

    with op.batch_alter_table('test_gateway_charges', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_ref', sa.String(length=60), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('error', sa.String(length=200), nullable=False,
                                      server_default=''))
        batch_op.create_index(batch_op.f('ix_test_gateway_charges_parent_ref'), ['parent_ref'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_test_gateway_charges_ref'), ['ref'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('test_gateway_charges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_test_gateway_charges_ref'))
        batch_op.drop_index(batch_op.f('ix_test_gateway_charges_parent_ref'))
        batch_op.drop_column('error')
        batch_op.drop_column('parent_ref')

    with op.batch_alter_table('refunds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refunds_status'))
        batch_op.drop_index(batch_op.f('ix_refunds_order_id'))

    op.drop_table('refunds')
    op.drop_table('provider_events')
