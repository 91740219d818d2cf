"""Extensions, created unbound and wired to the app in create_app."""
from __future__ import annotations

from authlib.integrations.flask_client import OAuth
from flask import request
from flask_compress import Compress
from flask_htmx import HTMX
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_static_digest import FlaskStaticDigest
from flask_wtf.csrf import CSRFProtect
from huey import Huey

from storefront.db import Database

db = Database()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = HTMX()
compress = Compress()
digest = FlaskStaticDigest()
oauth = OAuth()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _reads_are_not_throttled() -> bool:
    """Every rate limit here is on a POST (logins, sign-ups, resets, contact): pages that
    only read skip the limiter's bookkeeping."""
    return request.method in ("GET", "HEAD")


# Storage is chosen in jobs.init_app (SQLite file, or Redis at scale); immediate until then.
huey = Huey("storefront", immediate=True)
