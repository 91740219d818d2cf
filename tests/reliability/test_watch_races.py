"""Watch emails under races (issue 15): fan-out jobs running at the same moment, and double
taps on the watch button, never send an email twice nor crash."""
from __future__ import annotations

from sqlalchemy import func, insert, select

from storefront import clock
from storefront.models import Email, User, Watch, WatchEvent, WatchNotice
from storefront.services import watching
from tests.builders import product, user
from tests.reliability.racing import crashes, race

BASE = "http://localhost"


def test_fan_out_jobs_racing_over_one_event_email_each_watcher_once(session):
    artbook = product(session, "last-one-artbook")
    now = clock.now()
    session.execute(insert(User), [dict(email=f"racer{i}@example.com", region="US",
                                        created_at=now, is_staff=False, is_restricted=False,
                                        restricted_reason="", session_version=1)
                                   for i in range(300)])
    fans = session.scalars(select(User.id).where(User.email.like("racer%"))).all()
    session.execute(insert(Watch), [dict(user_id=f, product_id=artbook.id, token=f"r{f}",
                                         created_at=now) for f in fans])
    session.execute(insert(WatchEvent), [dict(product_id=artbook.id, kind="back_in_stock",
                                              key="race", due_at=now, reached_watch_id=0,
                                              created_at=now)])
    session.commit()
    outcomes = race([lambda s: watching.fan_out_due(s, BASE, batch=50)] * 4)
    print(f"fan-out race: 4 jobs, 300 watchers, batches of 50: {outcomes}")
    assert not crashes(outcomes)
    session.expire_all()
    emails = session.scalar(select(func.count()).select_from(Email)
                            .where(Email.kind == "back_in_stock"))
    people = session.scalar(select(func.count(func.distinct(Email.to)))
                            .where(Email.kind == "back_in_stock"))
    notices = session.scalar(select(func.count()).select_from(WatchNotice))
    assert emails == people == notices == 300


def test_a_double_tap_on_watch_leaves_one_watch(session):
    person, artbook = user(session), product(session, "pocket-cat-keychain")
    session.commit()

    def tap(s):
        return watching.toggle(s, s.get(User, person.id), s.get(type(artbook), artbook.id))

    outcomes = race([tap, tap])
    assert not crashes(outcomes)
    session.expire_all()
    count = session.scalar(select(func.count()).select_from(Watch))
    assert count in (0, 1)  # two taps: watched then unwatched, or both saw "not watching"
    assert outcomes.count(True) >= 1
