"""saved payment methods: when the customer consented to keep a card (issue 15)

Revision ID: 0010
Revises: 0009
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment_methods') as batch:
        batch.add_column(sa.Column('saved_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payment_methods') as batch:
        batch.drop_column('saved_at')
