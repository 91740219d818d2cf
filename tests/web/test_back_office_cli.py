"""`flask staff` commands for the back office: report, search, shipping list, notes, resend,
audit; each as the --as staff member, with the role checked."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storefront import clock
from storefront.cli_staff import staff
from storefront.extensions import db
from storefront.models import Email, Order, StaffNote
from storefront.services import accounts, fulfilment
from tests.builders import confirm, ready_checkout, user


def place(session, email: str = "qa.us@example.com") -> str:
    person = user(session, email)
    checkout, seen = ready_checkout(session, person, {"aurora-knight-figure": 2})
    return confirm(session, person, checkout, seen).orders[0].number


def test_report_search_shipping_list_notes_resend_and_audit_from_the_command_line(app,
                                                                                  session):
    number = place(session)
    order = db.session.scalars(select(Order).where(Order.number == number)).one()
    fulfilment.finalize_shipping_date(session, [order], clock.today() + timedelta(days=2),
                                      actor="t")
    runner = app.test_cli_runner(env={"STOREFRONT_STAFF_EMAIL": "staff@example.com"})
    report = runner.invoke(staff, ["report"])
    assert report.exit_code == 0
    # Charged the day its shipping date was confirmed (R-PAY-3).
    assert "aurora-knight-figure,Aurora Knight Figure,2,0,2,0,0,1" in report.output
    found = runner.invoke(staff, ["search", "--q", "Quinn"])
    assert found.exit_code == 0 and number in found.output
    assert number not in runner.invoke(staff, ["search", "--q", "Camille"]).output
    listing = runner.invoke(staff, ["shipping-list", "aurora-knight-figure"])
    assert number in listing.output and "350 Fifth Avenue" in listing.output
    assert runner.invoke(staff, ["note", number, "Called the customer"]).exit_code == 0
    assert runner.invoke(staff, ["note", "qa.us@example.com", "Collector"]).exit_code == 0
    assert db.session.query(StaffNote).count() == 2
    email_id = db.session.scalars(select(Email.id).where(Email.order_id == order.id)).first()
    assert runner.invoke(staff, ["resend-email", number, str(email_id)]).exit_code == 0
    trail = runner.invoke(staff, ["audit", "--entity", "email"])
    assert "cli:staff@example.com" in trail.output and "resent" in trail.output


def test_a_staff_member_may_search_and_note_but_not_read_the_audit(app, session):
    clerk = accounts.create_user(session, email="clerk2@example.com", password="x" * 12,
                                 region="US", is_staff=True)
    session.commit()
    assert clerk.staff_role == ""  # a staff account without a role is plain staff
    runner = app.test_cli_runner(env={"STOREFRONT_STAFF_EMAIL": "clerk2@example.com"})
    assert runner.invoke(staff, ["search"]).exit_code == 0
    assert runner.invoke(staff, ["report"]).exit_code == 0
    refused = runner.invoke(staff, ["audit"])
    assert refused.exit_code == 1 and "manager" in refused.output
    assert runner.invoke(staff, ["allocate", "aurora-knight-figure", "0"]).exit_code == 1
    assert runner.invoke(staff, ["set-role", "clerk2@example.com", "manager"]).exit_code == 1
