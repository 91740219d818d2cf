"""Settings of the app under test (the fixtures of tests/conftest.py build it with these)."""
from __future__ import annotations


def settings(database_url: str, **extra: object) -> dict:
    """The test app's configuration: no CSRF, no rate limits, jobs run at once, no page cache."""
    return {"DATABASE_URL": database_url, "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
            "BASE_URL": "http://localhost",
            "RATELIMIT_ENABLED": False, "JOBS_IMMEDIATE": True, "PAGE_CACHE_SECONDS": 0,
            "TESTING": True, **extra}
