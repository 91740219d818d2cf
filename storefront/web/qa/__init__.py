"""QA mode only (templates/qa/): the JSON hooks of the QA contract under /_qa/ (reset, clock,
mailbox, due jobs, gateway faults, the provider's ledger) and the local stand-ins for Google
and Facebook (providers/). Exempt from CSRF: QA scripts call them, not browser forms."""
from __future__ import annotations

from flask import Blueprint, Flask

from storefront.extensions import csrf

bp = Blueprint("qa", __name__, url_prefix="/_qa")

from storefront.web.qa import providers, routes  # noqa: E402,F401,I001


def init_app(app: Flask) -> None:
    if not app.config["QA_MODE"]:
        return
    app.register_blueprint(bp)
    csrf.exempt(bp)
    for provider_bp in providers.blueprints:  # the local Google and Facebook
        app.register_blueprint(provider_bp)
    for view in providers.machine_endpoints:  # their sign-in forms keep CSRF
        csrf.exempt(view)
    providers.init_app(app)
    app.extensions["qa_provider_credentials"] = providers.credentials
