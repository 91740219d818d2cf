"""The migrations build exactly the schema the models describe (what runs in production is
what the tests run)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storefront.extensions import db
from storefront.models import DATABASE_ONLY_INDEXES, Base


def _described(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and name in DATABASE_ONLY_INDEXES)


def test_the_migrated_database_matches_the_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "include_object": _described}),
                                Base.metadata)
    assert diff == []
