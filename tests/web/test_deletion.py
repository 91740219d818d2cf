"""Account deletion through My Account (R-ACC-8; QA contract `delete-account`,
`blocking-order`)."""
from __future__ import annotations

from sqlalchemy import select

from storefront import clock
from storefront.models import Email, Order, User
from storefront.services import fulfilment
from tests.builders import PASSWORD, confirm, login, ready_checkout, user


def place(session, items: dict[str, int]) -> Order:
    me = user(session)
    checkout, seen = ready_checkout(session, me, items)
    return confirm(session, me, checkout, seen).orders[0]


def delete_page(client) -> str:
    return client.get("/account/delete").get_data(as_text=True)


def test_my_account_links_the_deletion_page(client):
    login(client)
    assert 'data-testid="delete-account" href="/account/delete"' in \
        client.get("/account/").get_data(as_text=True)
    page = delete_page(client)
    assert 'name="password"' in page and 'data-testid="delete-confirm"' in page


def test_unshipped_orders_block_deletion_and_are_listed_by_number_R_ACC_8(client, session):
    preorder = place(session, {"aurora-knight-figure": 1})
    login(client)
    page = delete_page(client)
    assert f'data-testid="blocking-order" data-order-number="{preorder.number}"' in page
    assert f">{preorder.number}</a>" in page and 'data-testid="delete-confirm"' not in page
    refused = client.post("/account/delete", data={"password": PASSWORD})
    assert refused.status_code == 409 and preorder.number in refused.get_data(as_text=True)
    session.expire_all()
    assert user(session).deleted_at is None and client.get("/account/").status_code == 200


def test_a_wrong_password_keeps_the_account(client, session):
    login(client)
    response = client.post("/account/delete", data={"password": "Wrong-Passw0rd!"})
    assert response.status_code == 422 and 'data-field="password"' in response.get_data(
        as_text=True)
    session.expire_all()
    assert user(session).deleted_at is None


def test_deleting_logs_out_everywhere_and_sends_a_last_email_R_ACC_8(app, client, session):
    order = place(session, {"pocket-cat-keychain": 1})
    fulfilment.mark_shipped(session, order, "UPS", "1Z999AA1", actor="staff:test")
    elsewhere = app.test_client()
    login(elsewhere)
    login(client)
    assert 'data-testid="blocking-order"' not in delete_page(client)
    response = client.post("/account/delete", data={"password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert 'data-testid="login-link"' in client.get("/").get_data(as_text=True)
    for browser in (client, elsewhere):
        assert browser.get("/account/").status_code == 302
    assert login(client).status_code == 422
    session.expire_all()
    kinds = session.scalars(select(Email.kind).where(Email.to == "qa.us@example.com")).all()
    assert kinds == ["account_deleted"]
    kept = session.scalars(select(Order).where(Order.number == order.number)).one()
    assert kept.email.startswith("deleted-") and kept.shipping_address["line1"] == ""


def test_a_google_account_confirms_deletion_with_a_tick_R_ACC_8(client, session):
    person = User(email="gina@example.com", password_hash=None, region="US",
                  auth_provider="google", created_at=clock.now())
    session.add(person)
    session.commit()
    with client.session_transaction() as cookie:  # signed in as Google sign-in would leave it
        cookie["_user_id"] = person.get_id()
        cookie["_fresh"] = True
    page = delete_page(client)
    assert 'name="confirm"' in page and 'name="password"' not in page
    assert client.post("/account/delete").status_code == 422
    assert client.post("/account/delete", data={"confirm": "1"}).status_code == 303
    session.expire_all()
    assert session.get(User, person.id).deleted_at is not None
