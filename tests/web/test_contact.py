"""The contact form: to support, with a copy to the customer."""
from __future__ import annotations

from sqlalchemy import select

from storefront.models import Email


def test_a_contact_message_emails_support_and_confirms_to_the_customer(client, session):
    response = client.post("/contact", data={"name": "Ann", "email": "ann@example.com",
                                             "order_number": "", "message": "Where is my order?"})
    assert response.status_code == 303
    mails = {e.kind: e for e in session.scalars(select(Email))}
    assert mails["support_request"].to == "support@storefront.example"
    assert mails["support_request"].reply_to == "ann@example.com"
    assert mails["support_received"].to == "ann@example.com"
    assert "Where is my order?" in mails["support_received"].text


def test_a_bad_contact_message_keeps_what_was_typed(client):
    response = client.post("/contact", data={"name": "", "email": "nope",
                                             "message": "<b>short</b>"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-field="name"' in page and 'data-field="email"' in page
    assert "&lt;b&gt;short&lt;/b&gt;" in page and "<b>short</b>" not in page
