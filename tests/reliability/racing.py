"""Running requests at the same moment: each job in its own thread and database session."""
from __future__ import annotations

import threading

from storefront.extensions import db
from storefront.services.errors import ServiceError


def race(jobs) -> list[object]:
    """Run the callables at the same moment, each in its own thread and session; each
    outcome is the job's result, the ServiceError it raised, or any other exception."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = [None] * len(jobs)

    def run(i, job):
        try:
            barrier.wait()
            outcomes[i] = job(db.session)
        except Exception as exc:  # ServiceError: refused; anything else: a 500
            outcomes[i] = exc
            db.session.rollback()
        finally:
            db.session.remove()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a racing request never finished"
    return outcomes


def crashes(outcomes) -> list[str]:
    """What would have been a 500: anything raised that is not a ServiceError."""
    return [f"{type(o).__name__}: {o}" for o in outcomes
            if isinstance(o, Exception) and not isinstance(o, ServiceError)]
