"""Browsing the catalogue at any size (issue 15): filters, sorts, keyset pages, counts per
filter value and ranked full-text search, each a fixed number of statements.

Filters combine freely; a page is found from the last (or first) row of the page before
by its sort key, never by an offset, so adding products never shows one twice or skips one.
Counts per value are one UNION statement; each facet is counted under the other filters, so
a choice shows what choosing it would leave."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from storefront import clock
from storefront.models import Character, Maker, Product, ProductCharacter, Series
from storefront.services.kept import Kept

PAGE_SIZE = 24
SORTS = ("newest", "release", "price", "price-desc")
KINDS = ("preorder", "instock")
FACET_LIMIT = 30  # values offered per select; the chosen one always shows
MAX_WORDS = 8
RANKED_DEPTH = 10 * PAGE_SIZE  # positions of a search kept (with `kept`): its first 10 pages
# PostgreSQL's stored tsvector of name (A) and search_text (B), GIN-indexed (migration 0009)
PG_VECTOR = "products.search_vector"
FAR_DAY = date(9999, 12, 31)  # in-stock products (no release date) come last by release


@dataclass(frozen=True)
class Filters:
    """What the catalogue URL says: every field is a GET parameter of the same name."""
    q: str = ""
    kind: str = ""
    month: str = ""
    series: str = ""
    character: str = ""
    maker: str = ""
    available: str = ""  # "1": only what the customer's region can buy now
    sort: str = ""
    after: str = ""
    before: str = ""

    @classmethod
    def parse(cls, args: Any) -> Filters:
        """From request args, every value cut down to what it may be (no input errors)."""
        get = {k: str(args.get(k, "") or "")[:120].strip() for k in cls.__dataclass_fields__}
        return cls(q=get["q"][:100], kind=get["kind"] if get["kind"] in KINDS else "",
                   month=get["month"] if _month(get["month"]) else "",
                   series=_slug(get["series"]), character=_slug(get["character"]),
                   maker=_slug(get["maker"]), available="1" if get["available"] == "1" else "",
                   sort=get["sort"] if get["sort"] in SORTS else "",
                   after=get["after"][:80], before=get["before"][:80])

    def args(self, **changes: str) -> dict[str, str]:
        """The non-empty parameters, with changes (for links); paging starts over unless
        a change names it."""
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values.update(after="", before="")
        values.update(changes)
        return {k: v for k, v in values.items() if v}

    @property
    def sort_used(self) -> str:
        return self.sort or ("relevance" if words(self.q) else "newest")

    @property
    def active(self) -> list[str]:
        """The filters in use (for "remove this filter" suggestions)."""
        return [k for k in ("q", "kind", "month", "series", "character", "maker", "available")
                if getattr(self, k)]


@dataclass
class Facet:
    value: str
    label: str
    count: int


@dataclass
class Listing:
    products: list[Product]
    next_after: str = ""
    previous_before: str = ""
    facets: dict[str, list[Facet]] = field(default_factory=dict)


def _slug(text: str) -> str:
    return text if re.fullmatch(r"[a-z0-9-]{1,120}", text) else ""


def _month(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y-%m").date() if len(text) == 7 else None
    except ValueError:
        return None


def words(query: str) -> list[str]:
    """The searched words, lowercased; punctuation and operators are never syntax."""
    return re.findall(r"\w+", query.lower())[:MAX_WORDS]


# --- conditions ------------------------------------------------------------------------

def _conditions(session: Session, filters: Filters, region: str | None,
                leave_out: str = "", matched: Any = None) -> list[ColumnElement[bool]]:
    """The WHERE of the filters in use, without the one named `leave_out`. `matched`: the
    search's matches as a CTE the statement shares (the counts' six parts), else each
    condition matches on its own."""
    found: list[ColumnElement[bool]] = []
    f = filters
    if f.kind and leave_out != "kind":
        found.append(Product.kind == f.kind)
    first = _month(f.month)
    if first and leave_out != "month":
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        found.append(and_(Product.release_date >= first, Product.release_date < following))
    if f.series and leave_out != "series":
        found.append(Product.series_id == select(Series.id).where(Series.slug == f.series)
                     .scalar_subquery())
    if f.maker and leave_out != "maker":
        found.append(Product.maker_id == select(Maker.id).where(Maker.slug == f.maker)
                     .scalar_subquery())
    if f.character and leave_out != "character":
        found.append(Product.id.in_(select(ProductCharacter.product_id).join(Character)
                                    .where(Character.slug == f.character)))
    if f.available and leave_out != "available":
        found.append(available(region))
    if words(f.q) and leave_out != "q":
        found.append(Product.id.in_(select(matched.c.id) if matched is not None
                                    else _matches(session, f.q)))
    return found


def available(region: str | None) -> ColumnElement[bool]:
    """Buyable now by a customer of `region` (R-CAT-4, R-CAT-6): sold there, not sold
    out, and for preorders the window still open."""
    now = clock.now()
    buyable = and_(or_(Product.stock.is_(None), Product.stock > 0),
                   or_(Product.kind != "preorder", Product.preorder_ends_at.is_(None),
                       Product.preorder_ends_at > now))
    if not region:
        return buyable
    sold_here = ~(literal(" ") + Product.restricted_regions + literal(" ")).contains(
        f" {region} ")
    return and_(buyable, sold_here)


def _matches(session: Session, query: str) -> Any:
    """The ids of the products matching every word (as a prefix, in any order), unranked:
    a filter needs no rank, and ranking reads every match."""
    terms = words(query)
    if session.get_bind().dialect.name == "postgresql":
        wanted = func.to_tsquery(literal_column("'simple'::regconfig"),
                                 " & ".join(f"{w}:*" for w in terms))
        return select(Product.id.label("id")).where(literal_column(PG_VECTOR).op("@@")(wanted))
    match = " AND ".join(f'"{w}"*' for w in terms)
    return text("SELECT rowid AS id FROM products_fts WHERE products_fts MATCH :match"
                ).bindparams(match=match).columns(id=Integer)


def _hits(session: Session, query: str, best: int = 0) -> Any:
    """(id, rank) of the products matching every word (as a prefix, in any order); a lower
    rank is a better match. SQLite: FTS5 with bm25; PostgreSQL: tsvector with ts_rank (the
    weights: a word of the name counts 2.5 times one of the series, characters or maker;
    ts_rank_cd's cover density took about twice as long over 4,000 matches).
    With `best`, only the best `best` (by rank, then id): a search without other filters
    then joins a page's rows to the products, not every match (4,000 rows at 20,000)."""
    terms = words(query)
    if session.get_bind().dialect.name == "postgresql":
        config: Any = literal_column("'simple'::regconfig")
        vector: Any = literal_column(PG_VECTOR)
        wanted = func.to_tsquery(config, " & ".join(f"{w}:*" for w in terms))
        ranked = (select(Product.id.label("id"),
                         (-func.ts_rank(vector, wanted)).label("rank"))
                  .where(vector.op("@@")(wanted)))
        if best:
            ranked = ranked.order_by(literal_column("rank"), Product.id).limit(best)
        return ranked.subquery("hits")
    match = " AND ".join(f'"{w}"*' for w in terms)
    best_only = " ORDER BY rank, rowid LIMIT :best" if best else ""
    found = text("SELECT rowid AS id, bm25(products_fts, 4.0, 1.0) AS rank FROM products_fts "
                 f"WHERE products_fts MATCH :match{best_only}").bindparams(match=match)
    if best:
        found = found.bindparams(best=best)
    return found.columns(id=Integer, rank=Float).subquery("hits")


# --- the page --------------------------------------------------------------------------

def _sort_key(sort: str) -> tuple[Any, bool]:
    """The column a sort orders by (before the id), and whether it runs downwards."""
    if sort == "price":
        return Product.price_cents, False
    if sort == "price-desc":
        return Product.price_cents, True
    if sort == "release":
        return func.coalesce(Product.release_date, FAR_DAY), False
    return Product.created_at, True


def _cursor(product: Product, sort: str) -> str:
    if sort in ("price", "price-desc"):
        return f"{product.price_cents}~{product.id}"
    if sort == "release":
        return f"{(product.release_date or FAR_DAY).isoformat()}~{product.id}"
    moment = clock.aware(product.created_at)
    assert moment is not None
    return f"{moment.isoformat()}~{product.id}"


def _parse_cursor(cursor: str, sort: str) -> tuple[Any, int] | None:
    value, _, ident = cursor.partition("~")
    try:
        if not ident.isdigit() or len(ident) > 10:
            return None
        if sort in ("price", "price-desc"):
            return int(value), int(ident)
        if sort == "release":
            return date.fromisoformat(value), int(ident)
        return clock.aware(datetime.fromisoformat(value)), int(ident)
    except (ValueError, OverflowError):
        return None


def browse(session: Session, filters: Filters, region: str | None = None,
           kept: Kept | None = None) -> Listing:
    """One page of products (one statement); counts come from `facets`. With `kept`, a
    search without other filters ranks its matches once and keeps the order (see
    `_by_relevance`)."""
    if filters.sort_used == "relevance":
        others = _conditions(session, filters, region, leave_out="q")
        return _by_relevance(session, select(Product).where(*others), filters,
                             alone=not others, kept=kept)
    stmt: Select[Any] = select(Product).where(*_conditions(session, filters, region))
    key, downwards = _sort_key(filters.sort_used)
    backwards = bool(filters.before) and not filters.after
    cursor = _parse_cursor(filters.before if backwards else filters.after, filters.sort_used)
    if cursor is not None:
        later = tuple_(key, Product.id) < tuple_(*cursor) if downwards != backwards \
            else tuple_(key, Product.id) > tuple_(*cursor)
        stmt = stmt.where(later)
    ascending = downwards == backwards
    order = (key.asc(), Product.id.asc()) if ascending else (key.desc(), Product.id.desc())
    rows = list(session.scalars(stmt.order_by(*order).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    if backwards:
        rows.reverse()
    sort = filters.sort_used
    listing = Listing(rows)
    if rows and (more or backwards):
        listing.next_after = _cursor(rows[-1], sort)
    if rows and ((more and backwards) or (cursor is not None and not backwards)):
        listing.previous_before = _cursor(rows[0], sort)
    return listing


def _by_relevance(session: Session, stmt: Select[Any], filters: Filters,
                  alone: bool = False, kept: Kept | None = None) -> Listing:
    """Best matches first; these pages count positions ("@24"), as ranks are not keys.
    `alone`: no other filter, so only the matches up to this page's end are joined.

    With `kept` (production), such a search's first RANKED_DEPTH positions are ranked once
    per process and kept: ranking reads every match (4,000 at 20,000 products, most of the
    page's time), so later pages and visitors of the same words read only their own rows,
    by id, still one statement. The order can be as old as the kept counts; the products,
    their price and stock are read afresh (one deleted since leaves its place empty)."""
    start = int(filters.after[1:]) if re.fullmatch(r"@\d{1,6}", filters.after) else 0
    if alone and kept is not None and start + PAGE_SIZE <= RANKED_DEPTH:
        rows, more = _kept_ranking(session, stmt, filters, start, kept)
    else:
        hits = _hits(session, filters.q, best=start + PAGE_SIZE + 1 if alone else 0)
        rows = list(session.scalars(stmt.join(hits, hits.c.id == Product.id)
                                    .order_by(hits.c.rank, Product.id)
                                    .offset(start).limit(PAGE_SIZE + 1)))
        more = len(rows) > PAGE_SIZE
    listing = Listing(rows[:PAGE_SIZE])
    if more:
        listing.next_after = f"@{start + PAGE_SIZE}"
    if start:
        listing.previous_before = f"@{max(start - PAGE_SIZE, 0)}"
    return listing


def _kept_ranking(session: Session, stmt: Select[Any], filters: Filters, start: int,
                  kept: Kept) -> tuple[list[Product], bool]:
    """The rows of positions start to start + PAGE_SIZE of a search alone, from its kept
    order, and whether a position follows. A miss ranks the first RANKED_DEPTH + 1 matches
    with their rows (the page's one statement, as ever) and keeps their ids."""
    made: list[Product] = []

    def rank() -> tuple[int, ...]:
        hits = _hits(session, filters.q, best=RANKED_DEPTH + 1)
        made.extend(session.scalars(stmt.join(hits, hits.c.id == Product.id)
                                    .order_by(hits.c.rank, Product.id)))
        return tuple(p.id for p in made)

    order = kept.get(("ranked", tuple(words(filters.q))), rank)
    more = len(order) > start + PAGE_SIZE
    if made:
        return made[start:start + PAGE_SIZE], more
    wanted = order[start:start + PAGE_SIZE]
    if not wanted:
        return [], more
    # a product deleted since leaves its place empty: positions stay where pages put them
    found = {p.id: p for p in session.scalars(stmt.where(Product.id.in_(wanted)))}
    return [found[ident] for ident in wanted if ident in found], more


def previous_args(filters: Filters, listing: Listing) -> dict[str, str]:
    """The parameters of the previous page's link."""
    if listing.previous_before.startswith("@"):
        start = listing.previous_before[1:]
        return filters.args(after="" if start == "0" else f"@{start}")
    return filters.args(before=listing.previous_before)


# --- counts per filter value -----------------------------------------------------------

def kept_facets(session: Session, filters: Filters, region: str | None,
                kept: Kept | None) -> dict[str, list[Facet]]:
    """`facets`, kept (when `kept`) per filter combination and region: every page and sort
    of the same filters has the same counts."""
    if kept is None:
        return facets(session, filters, region)
    key = ("facets", region or "", tuple(sorted(filters.args(sort="").items())))
    return kept.get(key, lambda: facets(session, filters, region))


def facets(session: Session, filters: Filters, region: str | None = None
           ) -> dict[str, list[Facet]]:
    """For each filter, its values with how many products each would show (one statement)."""
    # The search's matches once for all six parts (each matched them again before).
    matched = _matches(session, filters.q).cte("matched") if words(filters.q) else None

    def where(name: str) -> list[ColumnElement[bool]]:
        return _conditions(session, filters, region, leave_out=name, matched=matched)

    # Constants written into the SQL: PostgreSQL's GROUP BY must see the same expression.
    month = (func.to_char(Product.release_date, literal_column("'YYYY-MM'"))
             if session.get_bind().dialect.name == "postgresql"
             else func.substr(Product.release_date, literal_column("1"), literal_column("7")))
    count = func.count().label("n")
    parts = [
        select(_constant("kind").label("facet"), Product.kind.label("value"),
               Product.kind.label("label"), count).where(*where("kind"))
        .group_by(Product.kind),
        select(_constant("month"), month, month, count)
        .where(Product.release_date.is_not(None), *where("month")).group_by(month),
        _named("series", Series, Product.series_id == Series.id, where("series")),
        _named("maker", Maker, Product.maker_id == Maker.id, where("maker")),
        _characters(where("character"), count),
        select(_constant("available"), _constant("1"), _constant("available"), count)
        .where(available(region), *where("available")),
    ]
    found: dict[str, list[Facet]] = {k: [] for k in ("kind", "month", "series", "maker",
                                                     "character", "available")}
    for facet, value, label, n in session.execute(union_all(*parts)):
        if n:
            found[facet].append(Facet(str(value), str(label), int(n)))
    return {k: _shown(k, v, getattr(filters, k)) for k, v in found.items()}


def _characters(where: list[ColumnElement[bool]], count: Any) -> Select[Any]:
    """Characters' counts; with no other filter, from the links alone (each names a product:
    a foreign key, deleted with it), not 20,000 product rows visited one by one."""
    counted = select(_constant("character"), Character.slug, Character.name, count)
    if where:
        counted = (counted.select_from(Product)
                   .join(ProductCharacter, ProductCharacter.product_id == Product.id)
                   .join(Character, Character.id == ProductCharacter.character_id)
                   .where(*where))
    else:
        counted = counted.select_from(ProductCharacter).join(
            Character, Character.id == ProductCharacter.character_id)
    return counted.group_by(Character.slug, Character.name)


def _named(facet: str, table: Any, joined: ColumnElement[bool],
           where: list[ColumnElement[bool]]) -> Select[Any]:
    return (select(_constant(facet), table.slug, table.name, func.count())
            .select_from(Product).join(table, joined).where(*where)
            .group_by(table.slug, table.name))


def _constant(word: str) -> Any:
    return literal_column(f"'{word}'")  # only this module's own words, never input


def _shown(name: str, values: list[Facet], chosen: str) -> list[Facet]:
    """Months in order, the rest by count (the most common first, at most FACET_LIMIT)."""
    if name == "month":
        return sorted(values, key=lambda f: f.value)
    ordered = sorted(values, key=lambda f: (-f.count, f.label.lower()))
    shown = ordered[:FACET_LIMIT]
    if chosen and all(f.value != chosen for f in shown):
        shown += [f for f in ordered if f.value == chosen]
    return shown


def without(filters: Filters, name: str) -> Filters:
    """The same filters with one removed (the empty result's suggestions)."""
    return replace(filters, **{name: ""}, after="", before="")
