"""Team servers' URLs as the app shows, remembers and opens them: never a password shown
or kept (SQLAlchemy's URL does the parsing and quoting)."""

from __future__ import annotations


def is_database_url(spec: str | None) -> bool:
    """A server URL (``postgresql+psycopg://…``) rather than a workspace folder."""
    return bool(spec) and "://" in str(spec)


def redacted(url: str) -> str:
    """A URL fit to show: its password replaced."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - shown, never parsed again
        return url.split("@")[-1]


def without_password(url: str) -> str:
    """The URL to remember: user, host, port and database, never the password."""
    from sqlalchemy.engine import URL, make_url

    try:
        u = make_url(url)
        return URL.create(u.drivername, u.username, None, u.host, u.port, u.database,
                          u.query).render_as_string(hide_password=False)
    except Exception:  # noqa: BLE001 - not a URL: nothing remembered
        return ""


def with_password(url: str, password: str) -> str:
    """The URL to connect with: the password typed (quoted as a URL needs)."""
    from sqlalchemy.engine import make_url

    return (make_url(url).set(password=password).render_as_string(hide_password=False)
            if password else url)
