"""back office: staff roles, notes, audit log, emails linked to orders, report indexes

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_role', sa.String(length=10), server_default='',
                                      nullable=False))
    # Staff from before roles keep every power they had.
    op.execute("UPDATE users SET staff_role = 'manager' WHERE is_staff")
    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_emails_order_id'), ['order_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_emails_order_id_orders'), 'orders',
                                    ['order_id'], ['id'], ondelete='SET NULL')
    op.create_table(
        'staff_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('author', sa.String(length=254), nullable=False),
        sa.Column('body', sa.String(length=2000), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'],
                                name=op.f('fk_staff_notes_order_id_orders'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                                name=op.f('fk_staff_notes_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_notes')),
    )
    op.create_index(op.f('ix_staff_notes_order_id'), 'staff_notes', ['order_id'], unique=False)
    op.create_index(op.f('ix_staff_notes_user_id'), 'staff_notes', ['user_id'], unique=False)
    op.create_table(
        'audit_entries',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=254), nullable=False),
        sa.Column('entity', sa.String(length=20), nullable=False),
        sa.Column('entity_key', sa.String(length=254), nullable=False),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('before', sa.JSON(), nullable=False),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    )
    op.create_index(op.f('ix_audit_entries_at'), 'audit_entries', ['at'], unique=False)
    op.create_index(op.f('ix_audit_entries_actor'), 'audit_entries', ['actor'], unique=False)
    op.create_index('ix_audit_entries_entity', 'audit_entries', ['entity', 'entity_key'],
                    unique=False)
    op.create_index('ix_order_lines_product_order', 'order_lines', ['product_id', 'order_id'],
                    unique=False)
    op.create_index('ix_orders_shipping_date', 'orders', ['shipping_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_orders_shipping_date', table_name='orders')
    op.drop_index('ix_order_lines_product_order', table_name='order_lines')
    op.drop_table('audit_entries')
    op.drop_table('staff_notes')
    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_emails_order_id_orders'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_emails_order_id'))
        batch_op.drop_column('order_id')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('staff_role')
