"""The collectors' catalogue (issue 15): facts, filters, counts, sorts, keyset pages and
ranked full-text search, on SQLite (FTS5) and PostgreSQL (tsvector)."""
from __future__ import annotations

from datetime import timedelta

from storefront.services import browse, products
from storefront.services.browse import Filters
from storefront.services.kept import Kept
from tests.builders import counted, product
from tests.catalogue_builders import many_products


def slugs(listing) -> list[str]:
    return [p.slug for p in listing.products]


def counts(facets, name) -> dict[str, int]:
    return {f.value: f.count for f in facets[name]}


def test_staff_give_a_product_series_characters_maker_scale_and_category(session):
    knight = product(session, "aurora-knight-figure")
    form = products.form_of(knight) | {"series": "Star Harbor", "maker": "Kestrel Toys",
                                       "scale": "1/6", "category": "Scale figure",
                                       "characters": "Captain Vega, Aurora Knight, Vega"}
    products.save_product(session, knight, form)
    session.expire_all()
    saved = products.form_of(product(session, "aurora-knight-figure"))
    assert (saved["series"], saved["maker"], saved["scale"]) == ("Star Harbor",
                                                                 "Kestrel Toys", "1/6")
    assert saved["characters"] == "Aurora Knight, Captain Vega, Vega"
    found = browse.browse(session, Filters(series="star-harbor"))
    assert slugs(found) == ["aurora-knight-figure"]
    assert slugs(browse.browse(session, Filters(q="vega"))) == ["aurora-knight-figure"]


def test_filters_combine_series_character_maker_kind_and_month(session):
    assert set(slugs(browse.browse(session, Filters(series="aurora-saga")))) == {
        "aurora-knight-figure", "closed-window-figure", "grand-castle-diorama",
        "last-one-artbook"}
    both = Filters(series="aurora-saga", kind="instock")
    assert slugs(browse.browse(session, both)) == ["last-one-artbook"]
    assert set(slugs(browse.browse(session, Filters(character="dawn-squire")))) == {
        "closed-window-figure", "last-one-artbook"}
    assert slugs(browse.browse(session, Filters(maker="silverpine-works",
                                                kind="preorder"))) == ["moonlit-dancer-figure"]
    month = product(session, "aurora-knight-figure").release_date.strftime("%Y-%m")
    assert slugs(browse.browse(session, Filters(month=month))) == ["aurora-knight-figure"]


def test_availability_filter_follows_the_customers_region_R_CAT_4_R_CAT_6(session):
    buyable_fr = set(slugs(browse.browse(session, Filters(available="1"), "FR")))
    assert "moonlit-dancer-figure" not in buyable_fr  # not sold in FR
    assert "closed-window-figure" not in buyable_fr  # window ended
    assert "moonlit-dancer-figure" in slugs(browse.browse(session, Filters(available="1"),
                                                          "US"))
    product(session, "last-one-artbook").stock = 0
    session.commit()
    assert "last-one-artbook" not in slugs(browse.browse(session, Filters(available="1")))


def test_counts_per_value_are_counted_under_the_other_filters(session):
    facets = browse.facets(session, Filters(series="aurora-saga"))
    # the series select still offers the other series, with what choosing them would show
    assert counts(facets, "series") == {"aurora-saga": 4, "moonlit-stage": 1, "pocket-pals": 1}
    assert counts(facets, "kind") == {"preorder": 3, "instock": 1}
    assert counts(facets, "maker") == {"dawnforge-studio": 4}
    assert counts(facets, "character")["aurora-knight"] == 3
    assert counts(browse.facets(session, Filters(), "FR"), "available") == {"1": 4}


def test_sorts_by_price_both_ways_release_and_newest(session):
    cheap = slugs(browse.browse(session, Filters(sort="price")))
    assert cheap[0] == "pocket-cat-keychain" and cheap[-1] == "grand-castle-diorama"
    assert slugs(browse.browse(session, Filters(sort="price-desc"))) == cheap[::-1]
    release = slugs(browse.browse(session, Filters(sort="release")))
    assert release[:2] == ["closed-window-figure", "aurora-knight-figure"]
    assert slugs(browse.browse(session, Filters()))[0] == "aurora-knight-figure"


def walk(session, filters: Filters, kept: Kept | None = None) -> list[str]:
    seen, listing = [], browse.browse(session, filters, kept=kept)
    seen += slugs(listing)
    while listing.next_after:
        listing = browse.browse(session, Filters(**{**filters.args(), "after":
                                                    listing.next_after}), kept=kept)
        seen += slugs(listing)
    return seen


def test_pages_hold_24_products_and_walk_every_sort_without_gaps_or_repeats(session):
    many_products(session, 100)
    for sort in browse.SORTS:
        seen = walk(session, Filters(sort=sort))
        assert len(seen) == len(set(seen)) == 106, sort
    first = browse.browse(session, Filters(sort="price"))
    assert len(first.products) == browse.PAGE_SIZE and not first.previous_before


def test_paging_shows_no_product_twice_and_skips_none_while_products_are_added(session):
    many_products(session, 60)
    listing = browse.browse(session, Filters())
    seen = slugs(listing)
    added = 0
    while listing.next_after:
        many_products(session, 5, prefix=f"late{added}")  # newest: before the cursor
        added += 5
        listing = browse.browse(session, Filters(after=listing.next_after))
        seen += slugs(listing)
    assert len(seen) == len(set(seen)) == 66
    # and back: the previous page is exactly the page before
    second = browse.browse(session, Filters(after=browse.browse(session, Filters())
                                            .next_after))
    back = browse.browse(session, Filters(before=second.previous_before))
    assert slugs(back) == slugs(browse.browse(session, Filters()))


def test_search_covers_name_series_characters_and_maker_in_any_word_order(session):
    assert slugs(browse.browse(session, Filters(q="aurora knight")))[0] == \
        "aurora-knight-figure"
    assert slugs(browse.browse(session, Filters(q="knight aurora")))[0] == \
        "aurora-knight-figure"
    assert set(slugs(browse.browse(session, Filters(q="squire dawn")))) == {
        "closed-window-figure", "last-one-artbook"}
    assert slugs(browse.browse(session, Filters(q="silverpine keych"))) == [
        "pocket-cat-keychain"]
    assert slugs(browse.browse(session, Filters(q='"); DROP TABLE products; --'))) == []
    assert slugs(browse.browse(session, Filters(q="moonlit"))) == ["moonlit-dancer-figure"]


def test_search_ranks_a_name_match_above_a_mention(session):
    """The artbook names Aurora Knight among its characters; the figure is named for her."""
    ranked = slugs(browse.browse(session, Filters(q="knight")))
    assert ranked[0] == "aurora-knight-figure"
    assert set(ranked) == {"aurora-knight-figure", "last-one-artbook", "grand-castle-diorama"}


def test_counts_under_a_search_are_what_choosing_each_value_would_list(session):
    """The six counts share one match of the searched words; each value's count is the
    number of products the search lists once that value is chosen too."""
    many_products(session, 90)
    searched = Filters(q="hero 1", sort="price")
    facets = browse.facets(session, searched)
    assert sum(counts(facets, "kind").values()) == len(walk(session, searched)) > 0
    for name in ("kind", "month", "series", "maker", "character"):
        assert facets[name], name
        for value, n in counts(facets, name).items():
            listed = walk(session, Filters(**{**searched.args(), name: value}))
            assert n == len(listed), (name, value)
    assert counts(facets, "available") == {
        "1": len(walk(session, Filters(**searched.args(), available="1")))}


def test_search_results_page_by_rank_and_combine_with_filters(session):
    many_products(session, 60)
    seen = walk(session, Filters(q="star harbor"))
    assert len(seen) == len(set(seen)) == 12
    assert walk(session, Filters(q="hero", series="iron-meadow", kind="instock"))
    # words match as prefixes: "4" is Figure 4, 40 to 49, and Hero 4 (bulk-24)
    assert set(walk(session, Filters(q="4 figure", sort="price"))) == {
        "bulk-4", "bulk-24", *(f"bulk-{i}" for i in range(40, 50))}


def test_bad_parameters_are_dropped_never_errors(session):
    filters = Filters.parse({"kind": "x", "month": "2027-13", "series": "../etc",
                             "sort": "drop", "after": "x~y", "available": "yes"})
    assert filters.args() == {}
    assert len(slugs(browse.browse(session, Filters(after="2027-01-01T00:00:00~1x")))) == 6
    assert browse.browse(session, Filters(sort="price", after="abc~12")).products


def test_a_cursor_from_a_release_date_keeps_paging_past_in_stock_products(session):
    many_products(session, 40)
    seen = walk(session, Filters(sort="release"))
    dated = [s for s in seen if product(session, s).release_date]
    assert seen[:len(dated)] == dated  # every dated product before the undated ones
    assert product(session, seen[0]).release_date <= product(session, dated[-1]).release_date
    assert timedelta(0) <= product(session, dated[-1]).release_date - \
        product(session, seen[0]).release_date


def test_the_hourly_statistics_let_sqlite_walk_the_sort_index_for_a_filtered_page(session):
    """Without statistics SQLite sorts every product of the series; with them (the hourly
    job) it walks the price index and stops after a page."""
    from sqlalchemy import text

    from storefront import jobs
    from storefront.models import Product

    if session.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL's autovacuum keeps its statistics
    from storefront.extensions import db

    many_products(session, 3000)
    session.commit()
    jobs.analyze_now()
    session.close()
    db.engine.dispose()  # connections read the statistics when they open (db.py recycles)
    filters = Filters(series="star-harbor", kind="instock", sort="price")
    stmt = (browse.select(Product).where(*browse._conditions(session, filters, None))
            .order_by(Product.price_cents, Product.id).limit(25))
    sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    plan = " ".join(str(row) for row in session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    assert "ix_products_price_cents_id" in plan and "TEMP B-TREE" not in plan, plan


def test_a_kept_search_order_pages_as_a_fresh_one_and_reads_its_rows_afresh(session):
    """Production keeps a search's order a few seconds (ranking reads every match): its
    pages, past the kept positions too, are the fresh order's; price, stock and deletions
    show at once; a product added shows once the order is no longer kept."""
    many_products(session, browse.RANKED_DEPTH + 40)
    session.commit()
    moment = [0.0]
    kept = Kept(30, timer=lambda: moment[0])
    fresh = walk(session, Filters(q="hero"))
    assert len(fresh) == len(set(fresh)) > browse.RANKED_DEPTH
    assert walk(session, Filters(q="hero"), kept) == fresh
    with counted() as statements:  # a kept page: its own rows by id, one statement
        second = browse.browse(session, Filters(q="hero", after="@24"), kept=kept)
    assert len(statements) == 1 and "bm25" not in statements[0] and \
        "ts_rank" not in statements[0]
    assert slugs(second) == fresh[24:48]
    first = product(session, fresh[24])
    first.price_cents = 123
    gone = product(session, fresh[25])
    session.delete(gone)
    session.commit()
    again = browse.browse(session, Filters(q="hero", after="@24"), kept=kept)
    assert again.products[0].price_cents == 123
    assert slugs(again) == fresh[24:25] + fresh[26:48] and again.next_after == "@48"
    many_products(session, 1, prefix="late")
    product(session, "late-0").name = "Hero of the Late Hour"  # named for it: ranks first
    session.commit()
    assert "late-0" not in walk(session, Filters(q="hero"), kept)[:browse.RANKED_DEPTH]
    moment[0] = 31
    assert walk(session, Filters(q="hero"), kept)[0] == "late-0"
    # a search with other filters, and a page past the kept positions, rank afresh
    with counted() as statements:
        browse.browse(session, Filters(q="hero", kind="instock"), kept=kept)
        browse.browse(session, Filters(q="hero", after=f"@{browse.RANKED_DEPTH}"), kept=kept)
    assert all("bm25" in s or "ts_rank" in s for s in statements)
