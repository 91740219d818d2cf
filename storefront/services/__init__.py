"""The store's rules: plain functions over a SQLAlchemy session, no Flask."""
