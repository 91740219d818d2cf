"""Watch lists (issue 15): emails when a product comes back, when its preorders open and
48 hours before they close; once per event per watcher, never outside the watcher's region,
in batches through the outbox, each with a one-click unsubscribe (RFC 8058)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from storefront import clock, jobs
from storefront.models import Email, User, Watch, WatchEvent, WatchNotice
from storefront.services import mail, products, watching
from tests.builders import product, user
from tests.smtp import smtp_server

BASE = "http://localhost"  # the tests' STOREFRONT_BASE_URL (tests/support/app.py)


def watch(session, email: str, slug: str) -> None:
    assert watching.toggle(session, user(session, email), product(session, slug)) is True


def mails(session, kind: str) -> list[Email]:
    session.expire_all()
    found = list(session.scalars(select(Email).where(Email.kind == kind).order_by(Email.id)))
    session.commit()  # jobs run next take SQLite's write lock in sessions of their own
    return found


def restock(session, slug: str, stock: str) -> None:
    item = product(session, slug)
    products.save_product(session, item, products.form_of(item) | {"stock": stock})


def test_one_tap_watches_and_a_second_tap_stops(session):
    person, artbook = user(session), product(session, "last-one-artbook")
    assert watching.toggle(session, person, artbook) is True
    assert watching.is_watching(session, person.id, artbook.id)
    assert [p.slug for p in watching.watched(session, person.id)] == ["last-one-artbook"]
    assert watching.watcher_counts(session) == {artbook.id: 1}
    assert watching.toggle(session, person, artbook) is False
    assert watching.watched(session, person.id) == []


def test_a_sold_out_product_restocked_by_staff_emails_its_watchers_once(session):
    watch(session, "qa.us@example.com", "last-one-artbook")
    watch(session, "qa.fr@example.com", "last-one-artbook")
    restock(session, "last-one-artbook", "0")
    assert mails(session, "back_in_stock") == []
    restock(session, "last-one-artbook", "4")
    sent = mails(session, "back_in_stock")
    assert sorted(e.to for e in sent) == ["qa.fr@example.com", "qa.us@example.com"]
    assert all(e.sent_at for e in sent) and "Last One Artbook" in sent[0].subject
    assert sent[0].list_unsubscribe.startswith(f"{BASE}/watch/unsubscribe/")
    assert sent[0].list_unsubscribe in sent[0].text
    restock(session, "last-one-artbook", "6")  # more stock is not "back"
    jobs.run_due()
    jobs.run_due()
    assert len(mails(session, "back_in_stock")) == 2


def test_the_same_event_can_never_be_noted_twice_for_a_watcher(session):
    watch(session, "qa.us@example.com", "last-one-artbook")
    restock(session, "last-one-artbook", "0")
    restock(session, "last-one-artbook", "2")
    notice = session.scalars(select(WatchNotice)).one()
    session.add(WatchNotice(event_id=notice.event_id, user_id=notice.user_id,
                            created_at=clock.now()))
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_nobody_hears_about_a_product_not_sold_in_their_region_R_CAT_4(session):
    item = product(session, "pocket-cat-keychain")
    products.save_product(session, item, products.form_of(item) |
                          {"restricted_regions": "FR", "stock": "0"})
    watch(session, "qa.us@example.com", "pocket-cat-keychain")
    watch(session, "qa.fr@example.com", "pocket-cat-keychain")
    restock(session, "pocket-cat-keychain", "10")
    assert [e.to for e in mails(session, "back_in_stock")] == ["qa.us@example.com"]


def test_watchers_hear_48_hours_before_preorders_close_once(session):
    watch(session, "qa.us@example.com", "aurora-knight-figure")
    ends = clock.aware(product(session, "aurora-knight-figure").preorder_ends_at)
    session.commit()  # the jobs below take the write lock in their own sessions
    clock.use(ends - timedelta(hours=49))
    jobs.run_due()
    assert mails(session, "preorders_closing") == []
    clock.use(ends - timedelta(hours=47))
    jobs.run_due()
    jobs.run_due()
    sent = mails(session, "preorders_closing")
    assert [e.to for e in sent] == ["qa.us@example.com"]
    assert "48 hours" in sent[0].subject


def test_watchers_hear_when_a_closed_preorder_window_opens_again(session):
    watch(session, "qa.fr@example.com", "closed-window-figure")
    item = product(session, "closed-window-figure")
    later = (clock.today() + timedelta(days=20)).isoformat()
    products.save_product(session, item, products.form_of(item) | {"preorder_ends": later})
    assert [e.to for e in mails(session, "preorder_open")] == ["qa.fr@example.com"]


def test_ten_thousand_watchers_go_out_in_batches_each_watcher_once(session):
    """The event is fanned out a batch per transaction, remembering where it got to."""
    artbook = product(session, "last-one-artbook")
    now = clock.now()
    session.execute(insert(User), [dict(email=f"fan{i}@example.com", region="US",
                                        created_at=now, is_staff=False, is_restricted=False,
                                        restricted_reason="", session_version=1)
                                   for i in range(1200)])
    fans = session.scalars(select(User.id).where(User.email.like("fan%"))).all()
    session.execute(insert(Watch), [dict(user_id=f, product_id=artbook.id, token=f"t{f}",
                                         created_at=now) for f in fans])
    # written without the ORM, so no after-commit job runs: the test drives the batches
    session.execute(insert(WatchEvent), [dict(product_id=artbook.id, kind="back_in_stock",
                                              key="restock test", due_at=now,
                                              reached_watch_id=0, created_at=now)])
    session.commit()
    first = watching.fan_out_due(session, BASE, batch=500, max_batches=1)
    assert first == {"watch_emails": 500, "batches": 1}
    rest = watching.fan_out_due(session, BASE, batch=500)
    assert rest == {"watch_emails": 700, "batches": 2}
    assert watching.fan_out_due(session, BASE, batch=500) == {"watch_emails": 0, "batches": 0}
    count = session.scalar(select(func.count(func.distinct(Email.to)))
                           .where(Email.kind == "back_in_stock"))
    assert count == 1200


def test_the_unsubscribe_token_stops_the_watch(session):
    watch(session, "qa.us@example.com", "last-one-artbook")
    token = session.scalars(select(Watch.token)).one()
    assert watching.unsubscribe(session, token).slug == "last-one-artbook"
    assert watching.unsubscribe(session, token) is None
    assert watching.watched(session, user(session).id) == []


def test_watch_emails_carry_rfc_8058_one_click_unsubscribe_headers(session):
    watch(session, "qa.us@example.com", "last-one-artbook")
    restock(session, "last-one-artbook", "0")
    restock(session, "last-one-artbook", "3")
    email = mails(session, "back_in_stock")[0]
    with smtp_server() as (inbox, port):
        mail.SMTPTransport("127.0.0.1", port).send(email, "shop@example.com")
    message = inbox.parsed()[0]
    assert message["List-Unsubscribe"].strip() == f"<{email.list_unsubscribe}>"  # may be folded
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_my_upcoming_releases_list_my_open_preorders_with_todays_dates(session):
    from tests.builders import confirm, ready_checkout

    person = user(session)
    checkout, seen = ready_checkout(session, person, {"aurora-knight-figure": 1})
    confirm(session, person, checkout, seen)
    coming = watching.upcoming_releases(session, person.id)
    assert [u.slug for u in coming] == ["aurora-knight-figure"]
    assert coming[0].release_date == product(session, "aurora-knight-figure").release_date


def test_units_given_back_by_an_order_bring_a_sold_out_product_back_to_its_watchers(session):
    """Not only staff restock: a cancelled or failed order returns its units with an atomic
    UPDATE; the due job saw the product sold out, sees it in stock again, and tells."""
    from sqlalchemy import update

    from storefront.models import Product

    watch(session, "qa.fr@example.com", "last-one-artbook")
    session.execute(update(Product).where(Product.slug == "last-one-artbook")
                    .values(stock=0))  # the last copy sold
    session.commit()
    jobs.run_due()
    jobs.run_due()
    assert mails(session, "back_in_stock") == []
    session.execute(update(Product).where(Product.slug == "last-one-artbook")
                    .values(stock=Product.stock + 1))  # its order cancelled
    session.commit()
    jobs.run_due()
    jobs.run_due()
    assert [e.to for e in mails(session, "back_in_stock")] == ["qa.fr@example.com"]
