from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError

from tracker.extensions import db


def register(app: Flask) -> None:
    for code in (400, 403, 404, 413, 429, 500):
        app.register_error_handler(code, _render_error(code))
    app.register_error_handler(CSRFError, lambda error: (render_template("errors/error.html", code="csrf"), 400))
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(DBAPIError, _database_unavailable)


def _render_error(code: int):
    def handler(error):
        return render_template("errors/error.html", code=code), code

    return handler


def _database_unavailable(error):
    """The database went away: a calm page that asks to wait, never a stack trace. The page
    touches no database; the connection pool checks connections before use, so the app recovers
    by itself when the database is back."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the session may be as broken as the database
        pass
    # Rendered without the context processors: they would ask the missing database who is signed
    # in and how many notifications are unread.
    html = current_app.jinja_env.get_template("errors/unavailable.html").render()
    return html, 503, {"Retry-After": "30", "Content-Type": "text/html; charset=utf-8"}
