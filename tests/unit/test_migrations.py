"""The migrations build exactly the schema the models describe (what runs in production is
what the tests run)."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from storefront.extensions import db
from storefront.models import Base


def test_the_migrated_database_matches_the_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                Base.metadata)
    assert diff == []
