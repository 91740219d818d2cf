"""products.image names up to three WebP thumbnails

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.alter_column('image', existing_type=sa.String(length=200),
                              type_=sa.String(length=400), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.alter_column('image', existing_type=sa.String(length=400),
                              type_=sa.String(length=200), existing_nullable=False)
