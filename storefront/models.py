"""The store's tables, as SQLAlchemy 2 typed models. Money is integer cents (USD)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def user_ref(ondelete: str, **options: Any) -> Any:
    """A column naming an account (users.id): CASCADE goes with it, SET NULL outlives it."""
    return mapped_column(ForeignKey("users.id", ondelete=ondelete), **options)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    region: Mapped[str | None] = mapped_column(String(2))  # ISO 3166 alpha-2, fixed (R-ACC-5)
    auth_provider: Mapped[str | None] = mapped_column(String(20))  # google | facebook
    is_staff: Mapped[bool] = mapped_column(Boolean, default=False)
    # Back office: "staff" (orders, shipping, exchanges, notes) or "manager" (everything).
    staff_role: Mapped[str] = mapped_column(String(10), default="", server_default="")
    is_restricted: Mapped[bool] = mapped_column(Boolean, default=False)
    restricted_reason: Mapped[str] = mapped_column(String(300), default="")
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    addresses: Mapped[list[Address]] = relationship(
        back_populates="user", order_by="Address.id", cascade="all, delete-orphan")

    # Flask-Login's protocol, kept here so the web layer needs no wrapper class.
    is_authenticated = True
    is_active = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class SocialIdentity(Base):
    """A Google or Facebook account that signs in to a store account (R-ACC-2, R-ACC-7)."""
    __tablename__ = "social_identities"
    __table_args__ = (UniqueConstraint("provider", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = user_ref("CASCADE", index=True)
    provider: Mapped[str] = mapped_column(String(20))  # google | facebook
    subject: Mapped[str] = mapped_column(String(255))  # the provider's stable user id
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = user_ref("CASCADE", index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str] = mapped_column(String(40), default="")
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    user: Mapped[User] = relationship(back_populates="addresses")

    def snapshot(self) -> dict[str, str]:
        """The address as plain data, copied into an order so later edits leave it alone."""
        return {k: getattr(self, k) for k in ADDRESS_FIELDS}


ADDRESS_FIELDS = ("full_name", "line1", "line2", "city", "state", "postal_code", "country", "phone")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (  # keyset paging of the catalogue's sorts (issue 15)
        Index("ix_products_created_at_id", "created_at", "id"),
        Index("ix_products_price_cents_id", "price_cents", "id"),
        Index("ix_products_release_date_id", "release_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(10))  # preorder | instock
    price_cents: Mapped[int]
    # Units left to sell; None means no cap (preorders made to order).
    stock: Mapped[int | None] = mapped_column(Integer)
    release_date: Mapped[date | None] = mapped_column(Date)
    preorder_ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    per_order_limit: Mapped[int | None] = mapped_column(Integer)
    per_customer_limit: Mapped[int | None] = mapped_column(Integer)
    cancellable: Mapped[bool] = mapped_column(Boolean, default=True)
    # Space-separated ISO codes of regions where licensing forbids selling (R-CAT-4).
    restricted_regions: Mapped[str] = mapped_column(String(200), default="")
    image: Mapped[str] = mapped_column(String(400), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Collectors' catalogue (issue 15): facts, the searched text, the gallery.
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id"), index=True)
    maker_id: Mapped[int | None] = mapped_column(ForeignKey("makers.id"), index=True)
    scale_id: Mapped[int | None] = mapped_column(ForeignKey("scales.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    # Series, characters and maker as words: searched with the name (migration 0009)
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Every gallery image's thumbnails, "media:..." entries joined by "|", first = `image`
    gallery: Mapped[str] = mapped_column(Text, default="")

    series: Mapped[Series | None] = relationship()
    maker: Mapped[Maker | None] = relationship()
    scale: Mapped[Scale | None] = relationship()
    category: Mapped[Category | None] = relationship()
    characters: Mapped[list[Character]] = relationship(secondary="product_characters",
                                                       order_by="Character.name")

    @property
    def is_preorder(self) -> bool:
        return self.kind == "preorder"

    def sold_in(self, region: str | None) -> bool:
        return not region or region not in self.restricted_regions.split()


class Cart(Base):
    __tablename__ = "carts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = user_ref("CASCADE", unique=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    lines: Mapped[list[CartLine]] = relationship(
        back_populates="cart", order_by="CartLine.id", cascade="all, delete-orphan")


class CartLine(Base):
    __tablename__ = "cart_lines"
    __table_args__ = (UniqueConstraint("cart_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]

    cart: Mapped[Cart] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class PaymentMethod(Base):
    """What the store keeps of a card or PayPal account: the gateway's token, never the number."""
    __tablename__ = "payment_methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = user_ref("SET NULL", index=True)
    kind: Mapped[str] = mapped_column(String(10))  # card | paypal
    gateway: Mapped[str] = mapped_column(String(20))
    token: Mapped[str] = mapped_column(String(200))
    brand: Mapped[str] = mapped_column(String(30), default="")
    last4: Mapped[str] = mapped_column(String(4), default="")
    exp_month: Mapped[int | None] = mapped_column(Integer)
    exp_year: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Saved methods (issue 15): set when the customer consented to keep it for next time;
    # the most recent is the default. Orders use copies, so removing one never touches them.
    saved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def label(self) -> str:
        if self.kind == "paypal":
            return "PayPal"
        expiry = f"{self.exp_month or 0:02d}/{(self.exp_year or 0) % 100:02d}"
        return f"{self.brand} ending {self.last4} (expires {expiry})"


class Checkout(Base):
    """One customer's way through the checkout; confirming it is done once (R-CHK-2)."""
    __tablename__ = "checkouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = user_ref("CASCADE", index=True)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open|placing|completed
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    billing_same: Mapped[bool | None] = mapped_column(Boolean)
    payment_method_id: Mapped[int | None] = mapped_column(ForeignKey("payment_methods.id"))
    coupon_code: Mapped[str] = mapped_column(String(40), default="")
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    payment_method: Mapped[PaymentMethod | None] = relationship()
    orders: Mapped[list[Order]] = relationship(back_populates="checkout", order_by="Order.id")


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    user_id: Mapped[int | None] = user_ref("SET NULL", index=True)
    email: Mapped[str] = mapped_column(String(254))
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # which of the checkout's orders (R-CHK-3)
    kind: Mapped[str] = mapped_column(String(10))  # preorder | instock
    status: Mapped[str] = mapped_column(String(20))  # see services.orders.STATUS_MOVES
    payment_status: Mapped[str] = mapped_column(String(20))
    fulfilment_status: Mapped[str] = mapped_column(String(20), default="unfulfilled")
    items_cents: Mapped[int]
    shipping_cents: Mapped[int]
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int]
    shipping_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    billing_address: Mapped[dict[str, Any]] = mapped_column(JSON)
    payment_method_id: Mapped[int | None] = mapped_column(ForeignKey("payment_methods.id"))
    shipping_date: Mapped[date | None] = mapped_column(Date)
    # When the shipping-date email went out: the address is locked from then on (R-SHP-4).
    shipping_date_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    charge_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    payment_due_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    charge_attempts: Mapped[int] = mapped_column(Integer, default=0)
    paid_cents: Mapped[int] = mapped_column(Integer, default=0)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)
    paid_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    carrier: Mapped[str] = mapped_column(String(60), default="")
    tracking_number: Mapped[str] = mapped_column(String(60), default="")
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)

    checkout: Mapped[Checkout] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan")
    events: Mapped[list[OrderEvent]] = relationship(
        back_populates="order", order_by="OrderEvent.id", cascade="all, delete-orphan")
    payment_method: Mapped[PaymentMethod | None] = relationship()
    exchanges: Mapped[list[Exchange]] = relationship(
        back_populates="order", order_by="Exchange.id", cascade="all, delete-orphan")
    user: Mapped[User | None] = relationship()


class Exchange(Base):
    """A defective item to replace (R-RET-2): asked by the customer, approved by staff."""
    __tablename__ = "exchanges"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(1000))
    status: Mapped[str] = mapped_column(String(12), default="requested")  # requested|approved
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    approved_by: Mapped[str] = mapped_column(String(254), default="")

    order: Mapped[Order] = relationship(back_populates="exchanges")


class ProductImage(Base):
    """An uploaded product image, kept in the database so every app process can serve it."""
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # gallery order (issue 15)
    digest: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int]
    height: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(200))
    unit_price_cents: Mapped[int]
    quantity: Mapped[int]
    release_date: Mapped[date | None] = mapped_column(Date)

    order: Mapped[Order] = relationship(back_populates="lines")

    @property
    def total_cents(self) -> int:
        return self.unit_price_cents * self.quantity


class OrderEvent(Base):
    """The order's log: every change, who made it, and why."""
    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(254))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500), default="")

    order: Mapped[Order] = relationship(back_populates="events")


class Payment(Base):
    """A money movement at the gateway: charge, void or refund, each with its idempotency key."""
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # charge | void | refund
    amount_cents: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(12))  # pending | succeeded | failed
    gateway_ref: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Email(Base):
    """The outbox: written with the change it reports, delivered after commit (R-COM-2)."""
    __tablename__ = "emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    reply_to: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(String(500), default="")
    # The order the email is about (back office: the order's email list).
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    # One-click unsubscribe address (RFC 8058 List-Unsubscribe), for watch-list emails
    list_unsubscribe: Mapped[str] = mapped_column(String(300), default="")


class Coupon(Base):
    """A discount code (R-CHK-7): percent or fixed amount off the items of one order."""
    __tablename__ = "coupons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # percent | amount
    value: Mapped[int] = mapped_column(Integer)  # percent 1-100, or cents
    min_items_cents: Mapped[int] = mapped_column(Integer, default=0)
    starts_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    once_per_customer: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CouponUse(Base):
    """A coupon spent on an order; a cancelled order does not give it back (R-RET-3)."""
    __tablename__ = "coupon_uses"

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id"), index=True)
    user_id: Mapped[int | None] = user_ref("SET NULL")
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    # "coupon:user" for once-per-customer coupons: the database refuses a second use.
    once_key: Mapped[str | None] = mapped_column(String(60), unique=True)
    discount_cents: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    order: Mapped[Order] = relationship()


class Setting(Base):
    """Small shared values every app process must see (the QA clock)."""
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str | None] = mapped_column(String(200))


class TestGatewayCharge(Base):
    """The test gateway's own ledger, so QA and tests can count real charges."""
    __tablename__ = "test_gateway_charges"
    __test__ = False  # not a pytest class

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    token: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))
    amount_cents: Mapped[int]
    succeeded: Mapped[bool]
    ref: Mapped[str] = mapped_column(String(60), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The authorisation or charge a capture, void or refund acts on (payments issue).
    parent_ref: Mapped[str] = mapped_column(String(60), default="", index=True)
    error: Mapped[str] = mapped_column(String(200), default="")


# ---------------------------------------------------------------------------------------
# Payments (issue 11): refunds as records, retried until the provider confirms them.
# ---------------------------------------------------------------------------------------


class Refund(Base):
    """Money to give back: pending until the provider confirms it (succeeded) or refuses it
    (failed); a job retries pending and failed refunds with back-off, staff can retry."""
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    amount_cents: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    status: Mapped[str] = mapped_column(String(12), index=True)  # see services.states
    charge_ref: Mapped[str] = mapped_column(String(200))  # the charge or authorisation
    gateway_ref: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    actor: Mapped[str] = mapped_column(String(254), default="system")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    settled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    order: Mapped[Order] = relationship()


class ProviderEvent(Base):
    """A payment provider's webhook event, kept so each is processed once however often it
    is delivered (Stripe retries and may replay events)."""
    __tablename__ = "provider_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    kind: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(300), default="")
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# --- back office (issue 14): notes, audit log -------------------------------------------

class StaffNote(Base):
    """An internal note on an order or a customer; never shown to customers."""
    __tablename__ = "staff_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"),
                                                 index=True)
    user_id: Mapped[int | None] = user_ref("CASCADE", index=True)
    author: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntry(Base):
    """One staff change: who, when, what, and the values before and after."""
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(254), index=True)
    entity: Mapped[str] = mapped_column(String(20))  # product | coupon | account | order | email
    entity_key: Mapped[str] = mapped_column(String(254))  # slug, code, email, order number
    action: Mapped[str] = mapped_column(String(40))
    before: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    after: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReportLine(Base):
    """One row per order line, kept by database triggers (migration 0008) whatever changes an
    order (ORM or plain SQL): the preorder report's narrow copy of the line with its order's
    report state, destination country and order week, so the report groups one small table
    instead of joining and parsing 100,000 orders."""
    __tablename__ = "report_lines"

    order_line_id: Mapped[int] = mapped_column(
        ForeignKey("order_lines.id", ondelete="CASCADE"), primary_key=True)
    order_id: Mapped[int] = mapped_column(Integer, index=True)
    product_id: Mapped[int]
    quantity: Mapped[int]
    state: Mapped[str] = mapped_column(String(10))  # incomplete|charged|failed|cancelled|hidden
    country: Mapped[str] = mapped_column(String(2))
    week: Mapped[str] = mapped_column(String(10))  # the Monday, YYYY-MM-DD (UTC)


# Made by migration 0008 on PostgreSQL only (a pg_trgm expression index for order search):
# the models do not describe it, so the models-vs-migrations comparison leaves it out.
DATABASE_ONLY_INDEXES = frozenset({"ix_orders_search_trgm"})

# Report, search and shipping list read order lines by product, then their orders.
Index("ix_order_lines_product_order", OrderLine.product_id, OrderLine.order_id)
Index("ix_audit_entries_entity", AuditEntry.entity, AuditEntry.entity_key)
Index("ix_orders_shipping_date", Order.shipping_date)
Index("ix_report_lines_report", ReportLine.product_id, ReportLine.state, ReportLine.country,
      ReportLine.week, ReportLine.quantity)


# --- Collectors' catalogue (issue 15): facets, watch lists ------------------------------

class _Facet:
    """A named thing products are browsed by; the slug is what catalogue URLs carry."""
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Series(_Facet, Base):
    __tablename__ = "series"


class Maker(_Facet, Base):
    __tablename__ = "makers"


class Character(_Facet, Base):
    __tablename__ = "characters"


class Scale(_Facet, Base):
    __tablename__ = "scales"


class Category(_Facet, Base):
    __tablename__ = "categories"


class ProductCharacter(Base):
    __tablename__ = "product_characters"

    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            primary_key=True)
    character_id: Mapped[int] = mapped_column(ForeignKey("characters.id", ondelete="CASCADE"),
                                              primary_key=True, index=True)


class Watch(Base):
    """A customer follows a product: emailed when it comes back or its preorders open/close."""
    __tablename__ = "watches"
    __table_args__ = (UniqueConstraint("user_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = user_ref("CASCADE")
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"),
                                            index=True)
    # Secret of the one-click unsubscribe link (RFC 8058), no sign-in needed.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    product: Mapped[Product] = relationship()


class WatchEvent(Base):
    """Something watchers hear about once: back in stock, preorders open, closing soon.
    `key` names the occurrence, so the same event is never recorded twice; a due job fans
    it out to watchers in batches, remembering the last watch id it reached."""
    __tablename__ = "watch_events"
    __table_args__ = (UniqueConstraint("product_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    # back_in_stock | preorder_open | preorders_closing, or sold_out (a mark, never emailed)
    kind: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(60))
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reached_watch_id: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    product: Mapped[Product] = relationship()


class WatchNotice(Base):
    """One watcher told about one event: the unique pair makes a second email impossible."""
    __tablename__ = "watch_notices"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("watch_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = user_ref("CASCADE")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
