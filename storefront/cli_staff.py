"""`flask staff ...`: the admin pages' actions for scripts and operators.

Every command runs as a staff member named by `--as EMAIL` (or STOREFRONT_STAFF_EMAIL) and
checks that member's role as the admin pages do; the actor recorded is "cli:EMAIL"."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import wraps
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from storefront.extensions import db
from storefront.models import User
from storefront.payments import setup as gateways
from storefront.services import (
    allocation,
    audit,
    cancelling,
    catalog,
    coupons,
    fulfilment,
    notes,
    order_search,
    products,
    refunds,
    reports,
    roles,
    shipping_list,
)
from storefront.services.errors import InvalidInput, NotFound, ServiceError
from storefront.services.money import parse_usd, usd

ACTOR = "cli"
AS_KEY = "storefront.staff_as"
# The power each command needs (services/roles.py); a command not named here needs a
# manager, so a new command is never open to everyone by mistake.
COMMAND_POWERS = {
    "finalize-shipping-date": "shipping", "mark-shipped": "shipping", "mark-returned": "refunds",
    "approve-exchange": "exchanges", "change-release-date": "products",
    "restrict-account": "accounts", "set-product": "products", "coupon-create": "coupons",
    "coupon-disable": "coupons", "note": "notes", "resend-email": "orders",
    "report": "reports", "search": "orders", "shipping-list": "shipping",
    "create": "staff",
    "allocate": "allocation", "audit": "audit", "set-role": "staff",
    "cancel-order": "refunds", "refund": "refunds",
}


def _actor() -> str:
    return f"{ACTOR}:{click.get_current_context().meta.get(AS_KEY, '')}"


def _identify(command_name: str) -> None:
    """The --as staff member must exist and hold the command's power."""
    email = click.get_current_context().meta.get(AS_KEY) or ""
    if not email:
        raise click.UsageError("Say who runs this: flask staff --as EMAIL ... "
                               "(or set STOREFRONT_STAFF_EMAIL).")
    member = roles.staff_member(db.session, email)
    roles.require(member, COMMAND_POWERS.get(command_name, "staff"))
    audit.acting_as(db.session, _actor())


def _base_url() -> str:
    return str(current_app.config.get("BASE_URL") or "")


def _service(command: Callable[..., str]) -> Callable[..., None]:
    """Run in the app context; print the outcome, or the refusal with a non-zero exit."""
    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        with _refusals_exit():
            _identify(click.get_current_context().info_name or "")
            click.echo(command(*args, **kwargs))
    return with_appcontext(run)


@contextmanager
def _refusals_exit() -> Iterator[None]:
    """A refusal undoes the transaction and ends the command with its message, exit 1."""
    try:
        yield
    except InvalidInput as exc:
        db.session.rollback()
        raise click.ClickException(
            "; ".join(f"{k}: {v}" for k, v in exc.errors.items())) from None
    except ServiceError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from None


def _command(name: str, *arguments: str) -> Callable[[Callable[..., str]], click.Command]:
    """`flask staff <name> <arguments...>`: a staff command run by `_service` (options are
    written as click decorators below this one)."""
    def make(command: Callable[..., str]) -> click.Command:
        run: Any = _service(command)
        for argument in reversed(arguments):
            run = click.argument(argument)(run)
        return staff.command(name)(run)
    return make


@click.group("staff")
@click.option("--as", "as_email", envvar="STOREFRONT_STAFF_EMAIL",
              help="The staff member running the command (their role is checked).")
@click.pass_context
def staff(ctx: click.Context, as_email: str | None) -> None:
    """Staff actions after the order: shipping dates, shipping, returns, catalogue."""
    ctx.meta[AS_KEY] = (as_email or "").strip().lower()


@_command("finalize-shipping-date", "day")
@click.option("--order", "number", help="One order, by number.")
@click.option("--product", "slug", help="Every open order of this product.")
def finalize_shipping_date(day: str, number: str | None, slug: str | None) -> str:
    """Confirm a shipping date (YYYY-MM-DD): emailed, preorders charged (R-PAY-3)."""
    if bool(number) == bool(slug):
        raise click.UsageError("Give exactly one of --order NUMBER or --product SLUG.")
    when = fulfilment.parse_day(day, "shipping_date")
    targets = [fulfilment.get_order(db.session, number)] if number else \
        fulfilment.open_orders_of(db.session, catalog.get_product(db.session, slug or ""))
    done = fulfilment.finalize_shipping_date(db.session, targets, when, actor=_actor(),
                                             base_url=_base_url())
    return f"shipping date {when.isoformat()} confirmed for {done} order(s); {done} emailed"


@_command("mark-shipped", "number", "carrier", "tracking")
def mark_shipped(number: str, carrier: str, tracking: str) -> str:
    """Mark an order shipped; the customer is emailed the tracking number (R-SHP-2)."""
    order = fulfilment.get_order(db.session, number)
    fulfilment.mark_shipped(db.session, order, carrier, tracking, actor=_actor(),
                            base_url=_base_url())
    return f"{number} shipped with {carrier} {tracking}"


@_command("mark-returned", "number")
@click.option("--round-trip", help="Round-trip shipping in USD (default: twice the fee).")
def mark_returned(number: str, round_trip: str | None) -> str:
    """A parcel came back undelivered: cancel and refund paid minus round trip (R-RET-4)."""
    cents = None
    if round_trip is not None:
        try:
            cents = parse_usd(round_trip)
        except (ValueError, ArithmeticError):
            raise InvalidInput({"round_trip": "Enter an amount in USD, e.g. 36.00."}) from None
    order = fulfilment.get_order(db.session, number)
    refunded = fulfilment.mark_returned(db.session, gateways.current(), order, actor=_actor(),
                                        round_trip_cents=cents, base_url=_base_url())
    return f"{number} returned and cancelled; refunded {usd(refunded)}"


@_command("approve-exchange", "number")
def approve_exchange(number: str) -> str:
    """Approve an order's exchange request; a replacement shipment is created (R-RET-2)."""
    fulfilment.approve_exchange(db.session, fulfilment.get_order(db.session, number),
                                actor=_actor(), base_url=_base_url())
    return f"exchange approved for {number}"


@_command("change-release-date", "slug", "day")
def change_release_date(slug: str, day: str) -> str:
    """Move a release date; customers with open orders are emailed (R-SHP-5)."""
    product = catalog.get_product(db.session, slug)
    when = fulfilment.parse_day(day, "release_date")
    count = fulfilment.change_release_date(db.session, product, when, actor=_actor(),
                                           base_url=_base_url())
    return f"{slug} releases on {when.isoformat()}; {count} customer(s) emailed"


@_command("restrict-account", "email")
@click.option("--reason", required=True, help="Why (the customer is told).")
def restrict_account(email: str, reason: str) -> str:
    """Stop an account from placing orders (R-RET-5)."""
    user = db.session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise NotFound(f"No account with the email {email}.")
    fulfilment.restrict_account(db.session, user, reason, actor=_actor())
    return f"{user.email} restricted"


@_command("set-product", "slug")
@click.option("--name")
@click.option("--price", help="USD, e.g. 54.50.")
@click.option("--stock", help="Units left; an empty string for no cap.")
@click.option("--per-order-limit", help="An empty string for the default.")
@click.option("--per-customer-limit", help="An empty string for no limit.")
@click.option("--release-date", help="YYYY-MM-DD (refused once customers have ordered).")
@click.option("--preorder-ends", help="YYYY-MM-DD.")
@click.option("--restricted-regions", help='Country codes, e.g. "FR DE".')
@click.option("--cancellable/--not-cancellable", default=None)
def set_product(slug: str, cancellable: bool | None, **changes: str | None) -> str:
    """Change fields of a product; the others keep their values (R-CAT-*)."""
    product = catalog.get_product(db.session, slug)
    form = products.form_of(product) | {k: v for k, v in changes.items() if v is not None}
    if cancellable is not None:
        form["cancellable"] = "on" if cancellable else ""
    products.save_product(db.session, product, form, None)
    changed = sorted([k for k, v in changes.items() if v is not None]
                     + (["cancellable"] if cancellable is not None else []))
    return f"{slug} saved ({', '.join(changed) or 'no changes'})"


@_command("coupon-create", "code")
@click.option("--percent", help="Percent off one order's items, 1-100.")
@click.option("--amount", help="Amount off one order's items, in USD.")
@click.option("--min-spend", default="", help="Minimum items total of the order, in USD.")
@click.option("--ends", default="", help="Last moment of validity (exclusive), YYYY-MM-DD.")
@click.option("--many", is_flag=True, help="Usable more than once per customer.")
def coupon_create(code: str, percent: str | None, amount: str | None, min_spend: str,
                  ends: str, many: bool) -> str:
    """Create a coupon (R-CHK-7)."""
    ends_at = datetime.fromisoformat(ends).replace(tzinfo=UTC) if ends else None
    made = coupons.create(db.session, code=code, kind="percent" if percent else "amount",
                          value=percent or amount or "", min_spend=min_spend,
                          ends_at=ends_at, once_per_customer=not many)
    return f"coupon {made.code} created"


@_command("coupon-disable", "code")
def coupon_disable(code: str) -> str:
    """Disable a coupon."""
    return f"coupon {coupons.set_active(db.session, code, False).code} disabled"


@_command("cancel-order", "number", "reason")
def cancel_order(number: str, reason: str) -> str:
    """Cancel an unshipped order: stock back, everything paid refunded, customer emailed."""
    order = fulfilment.get_order(db.session, number)
    cancelling.staff_cancel(db.session, order.id, reason, _actor(), gateway=gateways.current(),
                            base_url=_base_url())
    left = [r for r in refunds.of_order(db.session, order.id) if r.status != "succeeded"]
    return f"{number} cancelled" + (f"; {len(left)} refund(s) pending" if left else "")


@_command("refund", "number", "amount", "reason")
def refund(number: str, amount: str, reason: str) -> str:
    """Refund part of a paid order (AMOUNT in USD), never above what is left to refund."""
    try:
        cents = parse_usd(amount)
    except ValueError:
        raise InvalidInput({"amount": "Enter an amount in US dollars, e.g. 12.50."}) from None
    order = fulfilment.get_order(db.session, number)
    done = cancelling.staff_refund(db.session, order.id, cents, reason, _actor(),
                                   gateway=gateways.current(), base_url=_base_url())
    db.session.refresh(done)
    return f"refund of {usd(done.amount_cents)} on {number}: {done.status}"


# --- back office: staff accounts ------------------------------------------------------

@staff.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(roles.ROLES), default="staff", show_default=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given (never stored in shell history that way).")
@with_appcontext
def create(email: str, role: str, password: str) -> None:
    """A staff account. The first one needs no --as; later ones are made by a manager."""
    with _refusals_exit():
        if db.session.scalar(select(User.id).where(User.is_staff).limit(1)) is not None:
            _identify("create")
        if len(password) < 12:
            raise InvalidInput({"password": "Use at least 12 characters."})
        made = roles.create_staff(db.session, email, password, role)
    click.echo(f"{made.email} is {role}")


@_command("set-role", "email")
@click.argument("role", type=click.Choice(roles.ROLES))
def set_role(email: str, role: str) -> str:
    """Make a staff account staff or manager."""
    member = roles.staff_member(db.session, email)
    roles.set_role(db.session, member, role)
    return f"{member.email} is {role}"


# --- back office: allocation, report, search, shipping list, notes, emails --------------

@_command("allocate", "slug", "units")
@click.option("--preview", is_flag=True, help="Only show which orders are kept or cancelled.")
def allocate(slug: str, units: str, preview: bool) -> str:
    """The factory delivered UNITS (0: the manufacturer cancelled): keep the earliest orders,
    cancel, refund and email the rest, set the stock. Safe to run again."""
    product = catalog.get_product(db.session, slug)
    if preview:
        plan = allocation.plan(db.session, product, allocation.parse_units(units))
        lines = [f"keep {o.number} {q}" for o, q in plan.keep] + \
            [f"cancel {o.number} {q}" for o, q in plan.cancel]
        return "\n".join(lines + [f"{plan.left} unit(s) left to sell"])
    done = allocation.allocate(db.session, gateways.current(), product,
                               allocation.parse_units(units), actor=_actor(),
                               base_url=_base_url())
    return (f"{slug}: {done.kept} kept, {len(done.cancelled)} cancelled, "
            f"{usd(done.refunded_cents)} refunded, stock {done.stock}")


def _echo_csv(rows: Any) -> str:
    return "".join(reports.to_csv(rows)).rstrip("\n")


@_command("report")

def report() -> str:
    """The preorder report as CSV (the page's numbers)."""
    return _echo_csv(reports.csv_rows(reports.preorder_report(db.session)))


@_command("search")
@click.option("--q", default="", help="Number, email or customer name.")
@click.option("--product", default="")
@click.option("--status", default="")
@click.option("--payment", default="")
@click.option("--from", "since", default="", help="YYYY-MM-DD")
@click.option("--to", "until", default="", help="YYYY-MM-DD")
def search(**args: str) -> str:
    """Every order of a search as CSV (number, placed_at, email, status, payment, total)."""
    found = order_search.Search.from_args(args | {"from": args["since"], "to": args["until"]})
    return _echo_csv(order_search.csv_rows(db.session, found))


@_command("shipping-list", "slug")
@click.option("--date", "day", default="", help="One confirmed date (YYYY-MM-DD).")
def shipping_list_command(slug: str, day: str) -> str:
    """The warehouse's list of a product's open orders with a confirmed date, as CSV."""
    product = catalog.get_product(db.session, slug)
    when = fulfilment.parse_day(day, "date") if day else None
    return _echo_csv(shipping_list.csv_rows(product,
                                            shipping_list.parcels(db.session, product, when)))


@_command("note", "target", "body")
def note(target: str, body: str) -> str:
    """An internal note on an order (by number) or a customer (by email)."""
    if "@" in target:
        customer = db.session.scalars(select(User).where(
            User.email == target.strip().lower())).first()
        if customer is None:
            raise NotFound(f"No account with the email {target}.")
        notes.add(db.session, _actor(), body, user=customer)
    else:
        notes.add(db.session, _actor(), body, order=fulfilment.get_order(db.session, target))
    return f"note added to {target}"


@_command("resend-email", "number")
@click.argument("email_id", type=int)
def resend_email(number: str, email_id: int) -> str:
    """Queue one of an order's emails again (audited)."""
    copy = notes.resend(db.session, fulfilment.get_order(db.session, number), email_id,
                        actor=_actor())
    return f"email {email_id} queued again to {copy.to}"


@_command("audit")
@click.option("--entity", default="")
@click.option("--key", default="")
@click.option("--actor", "who", default="")
def audit_command(entity: str, key: str, who: str) -> str:
    """The latest audit entries, newest first."""
    found = audit.entries(db.session, entity=entity, key=key, actor=who)
    return "\n".join(f"{e.at:%Y-%m-%d %H:%M} {e.actor} {e.entity} {e.entity_key} {e.action} "
                     f"{e.before} -> {e.after}" for e in found) or "no entries"
