"""Staff pages: the preorder report (page and CSV from one query) and the audit log."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Response, request, stream_with_context

from storefront.extensions import db
from storefront.services import audit, reports
from storefront.web.admin import access, bp
from storefront.web.plumbing.rendering import int_arg, page
from storefront.web.plumbing.transactions import reads_only


@bp.get("/reports/preorders")
@reads_only
@access.requires("reports")
def report_preorders() -> str:
    """Every preorder product: units by state, country and week, with totals (2 queries)."""
    return page("admin/report_preorders.html", report=reports.preorder_report(db.session),
                states=reports.STATES)


@bp.get("/reports/preorders.csv")
@reads_only
@access.requires("reports")
def report_preorders_csv() -> Response:
    """The same report as CSV: the page's numbers, from the same function."""
    report = reports.preorder_report(db.session)
    return csv_response(reports.to_csv(reports.csv_rows(report)), "preorder-report.csv")


def csv_response(lines, filename: str) -> Response:  # type: ignore[no-untyped-def]
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _day(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.strip()[:10]).replace(tzinfo=UTC)
    except ValueError:
        return None


@bp.get("/audit")
@reads_only
@access.requires("audit")
def audit_page() -> str:
    """Who changed what: filters by kind of thing, who, which one, what and dates."""
    args = {k: request.args.get(k, "").strip()[:100] for k in
            ("entity", "actor", "key", "action", "from", "to")}
    until = _day(args["to"])
    found = audit.entries(db.session, entity=args["entity"], actor=args["actor"],
                          key=args["key"], action=args["action"], since=_day(args["from"]),
                          until=until + timedelta(days=1) if until else None,
                          before_id=int_arg(request.args.get("before")) or None)
    more = len(found) == audit.PAGE_SIZE
    return page("admin/audit.html", entries=found, args=args, more=more,
                entities=sorted({e for e, _ in audit.AUDITED.values()} | {"email"}))



