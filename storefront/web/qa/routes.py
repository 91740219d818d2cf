"""QA endpoints (QA mode only): mailbox, reset, clock, due jobs, the test payment provider's
faults and ledger. JSON for scripts."""
from __future__ import annotations

from datetime import datetime

from flask import jsonify, request
from werkzeug.wrappers import Response

from storefront import clock, jobs
from storefront.extensions import db, limiter
from storefront.models import Setting
from storefront.payments import faults, ledger
from storefront.services import demo, mail
from storefront.web.qa import bp


@bp.get("/mailbox")
def mailbox() -> Response:
    """Mail delivered to an address, newest first."""
    to = request.args.get("to", "")
    return jsonify([{"to": e.to, "subject": e.subject, "text": e.text, "html": e.html,
                     "sent_at": e.sent_at.isoformat() if e.sent_at else None, "kind": e.kind}
                    for e in mail.mailbox(db.session, to) if e.sent_at])


@bp.post("/reset")
def reset() -> Response:
    """Wipe and reseed the database."""
    clock.use(None)
    demo.reset(db.session)
    if limiter.enabled:  # throttling counts start again (shared when Redis holds them)
        limiter.reset()
    return jsonify({"reset": True})


@bp.post("/catalogue")
def add_catalogue() -> tuple[Response, int] | Response:
    """Add N more products (series, makers, characters) to page through: {"products": N}."""
    body = request.get_json(silent=True) or {}
    count = body.get("products") if isinstance(body, dict) else None
    if not isinstance(count, int) or not 1 <= count <= 5000:
        return jsonify({"error": "products must be a whole number from 1 to 5000"}), 400
    added = demo.add_bulk(db.session, count)
    return jsonify({"added": added})


@bp.post("/clock")
def set_clock() -> tuple[Response, int] | Response:
    """Make the app's clock read a given time, or real time again with null."""
    body = request.get_json(silent=True) or {}
    raw = body.get("now") if isinstance(body, dict) else None
    try:
        moment = datetime.fromisoformat(raw) if raw else None
    except (TypeError, ValueError):
        return jsonify({"error": "now must be an ISO 8601 time or null"}), 400
    if moment is not None and moment.tzinfo is None:
        return jsonify({"error": "now must include a UTC offset"}), 400
    row = db.session.get(Setting, "clock") or Setting(key="clock")
    row.value = moment.isoformat() if moment else None
    db.session.add(row)
    db.session.commit()
    clock.use(moment)
    return jsonify({"now": clock.now().isoformat()})


@bp.post("/run-due-jobs")
def run_due_jobs() -> Response:
    """Run every job due at the app's clock."""
    return jsonify(jobs.run_due())


@bp.post("/gateway")
def gateway_faults() -> tuple[Response, int] | Response:
    """How the test provider answers from now on: declines, outages, lost answers."""
    try:
        wanted = faults.parse(request.get_json(silent=True))
    except faults.BadFaults as exc:
        return jsonify({"error": str(exc)}), 400
    faults.store(db.session, wanted)
    db.session.commit()
    return jsonify(faults.current(db.session))


@bp.get("/payments")
def provider_ledger() -> Response:
    """Every money movement the test provider made for a customer, oldest first."""
    return jsonify(ledger.movements(db.session, request.args.get("to", "")))
