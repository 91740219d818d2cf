"""back office: staff roles, notes, audit log, emails linked to orders, report indexes

Revision ID: 0008
Revises: 0005
Create Date: 2026-11-28
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0006'
branch_labels = None
depends_on = None


# The preorder report's state of an order (services/reports.py STATE_SQL says the same);
# orders that never became orders for the customer (pending_payment, failed) are hidden.
STATE = """CASE
    WHEN {o}.status IN ('pending_payment', 'failed') THEN 'hidden'
    WHEN {o}.status IN ('cancelled', 'returned') OR {o}.payment_status = 'refunded'
        THEN 'cancelled'
    WHEN {o}.status = 'placed' AND {o}.payment_status = 'failed' THEN 'failed'
    WHEN {o}.status = 'placed' AND {o}.payment_status IN ('incomplete', 'charging', 'pending')
        THEN 'incomplete'
    ELSE 'charged' END"""
PG_COUNTRY = "coalesce({o}.shipping_address ->> 'country', '')"
PG_WEEK = "to_char(date_trunc('week', {o}.created_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
LITE_COUNTRY = "coalesce(json_extract({o}.shipping_address, '$.country'), '')"
LITE_WEEK = "date({o}.created_at, '-6 days', 'weekday 1')"


def _pg(o: str) -> dict[str, str]:
    return {"state": STATE.format(o=o), "country": PG_COUNTRY.format(o=o),
            "week": PG_WEEK.format(o=o)}


def _lite(o: str) -> dict[str, str]:
    return {"state": STATE.format(o=o), "country": LITE_COUNTRY.format(o=o),
            "week": LITE_WEEK.format(o=o)}


POSTGRES_TRIGGERS = [
    """CREATE FUNCTION report_line_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO report_lines (order_line_id, order_id, product_id, quantity, state, country,
                                week)
      SELECT NEW.id, NEW.order_id, NEW.product_id, NEW.quantity, {state}, {country}, {week}
      FROM orders o WHERE o.id = NEW.order_id;
      RETURN NULL;
    END $$""".format(**_pg("o")),
    """CREATE TRIGGER report_line_added AFTER INSERT ON order_lines
    FOR EACH ROW EXECUTE FUNCTION report_line_added()""",
    """CREATE FUNCTION report_line_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE report_lines SET quantity = NEW.quantity, product_id = NEW.product_id
      WHERE order_line_id = NEW.id;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER report_line_changed AFTER UPDATE OF quantity, product_id ON order_lines
    FOR EACH ROW EXECUTE FUNCTION report_line_changed()""",
    """CREATE FUNCTION report_order_changed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE report_lines SET state = {state}, country = {country}, week = {week}
      WHERE order_id = NEW.id;
      RETURN NULL;
    END $$""".format(**_pg("NEW")),
    """CREATE TRIGGER report_order_changed
    AFTER UPDATE OF status, payment_status, shipping_address, created_at ON orders
    FOR EACH ROW EXECUTE FUNCTION report_order_changed()""",
]
SQLITE_TRIGGERS = [
    """CREATE TRIGGER report_line_added AFTER INSERT ON order_lines BEGIN
      INSERT INTO report_lines (order_line_id, order_id, product_id, quantity, state, country,
                                week)
      SELECT NEW.id, NEW.order_id, NEW.product_id, NEW.quantity, {state}, {country}, {week}
      FROM orders o WHERE o.id = NEW.order_id;
    END""".format(**_lite("o")),
    """CREATE TRIGGER report_line_changed AFTER UPDATE OF quantity, product_id ON order_lines
    BEGIN
      UPDATE report_lines SET quantity = NEW.quantity, product_id = NEW.product_id
      WHERE order_line_id = NEW.id;
    END""",
    """CREATE TRIGGER report_order_changed
    AFTER UPDATE OF status, payment_status, shipping_address, created_at ON orders BEGIN
      UPDATE report_lines SET state = {state}, country = {country}, week = {week}
      WHERE order_id = NEW.id;
    END""".format(**_lite("NEW")),
]
BACKFILL = {
    flag: """INSERT INTO report_lines (order_line_id, order_id, product_id, quantity, state,
                                       country, week)
    SELECT l.id, l.order_id, l.product_id, l.quantity, {state}, {country}, {week}
    FROM order_lines l JOIN orders o ON o.id = l.order_id""".format(**(_pg if flag else _lite)("o"))
    for flag in (True, False)
}


# Order search by any part of the number, email or name: a trigram index where pg_trgm can be
# had (services/order_search.py SEARCH_SQL is the same expression); without it the search
# still works, by scanning.
SEARCH_INDEX = """DO $$ BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
  CREATE INDEX ix_orders_search_trgm ON orders USING gin ((lower(number || ' ' || email
      || ' ' || coalesce(shipping_address ->> 'full_name', ''))) public.gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'order search without a trigram index: %', SQLERRM;
END $$"""


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
    op.create_table(
        'report_lines',
        sa.Column('order_line_id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('product_id', sa.Integer(), nullable=False),
        sa.Column('quantity', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('country', sa.String(length=2), nullable=False),
        sa.Column('week', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'],
                                name=op.f('fk_report_lines_order_line_id_order_lines'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('order_line_id', name=op.f('pk_report_lines')),
    )
    op.create_index(op.f('ix_report_lines_order_id'), 'report_lines', ['order_id'],
                    unique=False)
    op.create_index('ix_report_lines_report', 'report_lines',
                    ['product_id', 'state', 'country', 'week', 'quantity'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for statement in POSTGRES_TRIGGERS:
            op.execute(statement)
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
    op.execute(BACKFILL[op.get_bind().dialect.name == 'postgresql'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(SEARCH_INDEX)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_orders_search_trgm")
        op.execute("DROP TRIGGER IF EXISTS report_order_changed ON orders")
        op.execute("DROP TRIGGER IF EXISTS report_line_changed ON order_lines")
        op.execute("DROP TRIGGER IF EXISTS report_line_added ON order_lines")
        op.execute("DROP FUNCTION IF EXISTS report_order_changed()")
        op.execute("DROP FUNCTION IF EXISTS report_line_changed()")
        op.execute("DROP FUNCTION IF EXISTS report_line_added()")
    else:
        for name in ("report_order_changed", "report_line_changed", "report_line_added"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('report_lines')
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
