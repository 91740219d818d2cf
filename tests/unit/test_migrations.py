"""The migrations build exactly the schema the models describe (what runs in production is
what the tests run)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storefront.extensions import db
from storefront.models import DATABASE_ONLY_INDEXES, Base


def _described(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)


def _modelled(name, *_rest) -> bool:
    """The full-text index is the migration's alone (SQLite FTS5 tables; PostgreSQL's
    generated tsvector column and its GIN index)."""
    return not (name or "").startswith(("products_fts", "ix_products_search", "search_vector"))


def test_the_migrated_database_matches_the_models(app):
    with db.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": _modelled, "include_object": _described}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), Base.metadata)
    assert diff == []
