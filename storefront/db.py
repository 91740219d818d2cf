"""The database handle: one engine per process, a session per thread (request or job)."""
from __future__ import annotations

import logging
import os
from contextvars import ContextVar
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

log = logging.getLogger(__name__)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine tuned per backend: SQLite writes serialised, PostgreSQL pooled."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        # Recycled hourly: a connection reads the planner statistics (jobs.analyze_hourly)
        # when it opens.
        kwargs.setdefault("pool_recycle", 3600)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _serialise_sqlite_writes(engine)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


# How SQLite transactions begin in this context: IMMEDIATE (take the write lock at once) by
# default; DEFERRED for requests known to only read, so readers never wait on each other.
sqlite_begin: ContextVar[str] = ContextVar("sqlite_begin", default="IMMEDIATE")


def _serialise_sqlite_writes(engine: Engine) -> None:
    # pysqlite's deferred BEGIN upgrades read locks to write locks mid-transaction, which
    # fails at once under concurrency; BEGIN IMMEDIATE makes each transaction wait its turn.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(f"BEGIN {sqlite_begin.get()}")


class _Session(Session):
    """A request known to only read (`sqlite_begin` DEFERRED) runs on PostgreSQL without a
    transaction: no BEGIN and no ROLLBACK, two round trips of a catalogue page's four (the
    pool's ping, BEGIN, the statement, ROLLBACK). Its statements each read their own
    snapshot, which a page of reads never notices; anything that writes keeps its one
    transaction."""

    reading: Engine | None = None  # the engine's AUTOCOMMIT copy (same pool), PostgreSQL

    def get_bind(self, mapper: Any = None, **kwargs: Any) -> Any:
        if self.reading is not None and sqlite_begin.get() == "DEFERRED":
            return self.reading
        return super().get_bind(mapper, **kwargs)


class Database:
    """Created unbound; init_app binds it to the configured URL."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.registry: scoped_session[Session] = scoped_session(sessionmaker(class_=_Session))
        # Services take a Session: the registry hands each thread its own and passes every
        # Session method through, so the app hands it over as one.
        self.session: Session = cast(Session, self.registry)

    def init_app(self, app: Any) -> None:
        self.bind(app.config["DATABASE_URL"])
        # Every request ends its transaction, even when an outer app context lives on.
        app.teardown_request(self._end_request)
        app.teardown_appcontext(lambda _exc: self.remove())

    def _end_request(self, _exc: BaseException | None) -> None:
        self.remove()
        sqlite_begin.set("IMMEDIATE")

    def remove(self) -> None:
        """End this thread's session. When the database went away mid-request, rolling back
        fails: the session is dropped as it is (its connection was invalidated), so the
        answer already made (a 503 page) is still sent rather than a 500."""
        try:
            self.registry.remove()
        except Exception as exc:  # the connection is gone; nothing to roll back
            log.warning("session dropped without rollback: %s", type(exc).__name__)
            self.registry.registry.clear()

    def bind(self, url: str) -> None:
        if self.engine is not None:
            self.registry.remove()
            self.engine.dispose()
        self.engine = make_engine(url)
        _Session.reading = (self.engine.execution_options(isolation_level="AUTOCOMMIT")
                            if self.engine.dialect.name == "postgresql" else None)
        self.registry.configure(bind=self.engine, expire_on_commit=False)
