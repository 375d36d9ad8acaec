from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError, PendingRollbackError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from tracker.core.database import CommitOutcomeUnknown
from tracker.extensions import db


def answer_as_json(app: Flask, prefix: str, answer) -> None:
    """Errors of the addresses under `prefix` (the JSON API) are answered by `answer(error)`, an
    HTTPException, rather than as pages: an unknown address, a database that went away."""
    app.extensions.setdefault("json_errors", []).append((prefix, answer))


def _json_answer(error):
    """The JSON answer to `error` if this request is under an `answer_as_json` prefix, else None."""
    from flask import request
    from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

    for prefix, answer in current_app.extensions.get("json_errors", ()):
        if request.path == prefix or request.path.startswith(prefix + "/"):
            if not isinstance(error, HTTPException):
                error = (
                    ServiceUnavailable()
                    if isinstance(error, (SQLAlchemyError, CommitOutcomeUnknown))
                    else InternalServerError()
                )
            response = answer(error)
            if response.status_code == 503:
                response.headers["Retry-After"] = "30"
            return response
    return None


def register(app: Flask, public_endpoints: set[str]) -> None:
    """`public_endpoints`: the forms that hold nothing worth keeping (the sign-in page among them)."""
    app.extensions["public_endpoints"] = public_endpoints
    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, _render_error(code))
    app.register_error_handler(CSRFError, _expired_form)
    app.register_error_handler(OperationalError, _database_unavailable)
    app.register_error_handler(DBAPIError, _database_unavailable)
    # The database refused a value (a NUL in a code typed in an address, a number too large): the
    # request's fault, not the database away.
    app.register_error_handler(DataError, _refused_value)
    app.register_error_handler(CommitOutcomeUnknown, _database_unavailable)
    # No free connection in the pool in time, or a session left broken by a lost connection.
    app.register_error_handler(PoolTimeout, _database_unavailable)
    app.register_error_handler(PendingRollbackError, _database_unavailable)


def _refused_value(error):
    from werkzeug.exceptions import BadRequest

    current_app.logger.warning("a value refused by the database: %s", type(error.orig).__name__)
    db.session.rollback()
    answer = _json_answer(BadRequest())
    if answer is not None:
        return answer
    return _render_error(400)(BadRequest())


def _expired_form(error):
    """A form whose token no longer matches the session (it ended, or the page is old): what was
    typed is kept and given back in the form (tracker.core.kept)."""
    from flask import request

    from tracker.core.kept import keep_and_return

    # The sign-in page and the other public forms hold nothing worth keeping (a password is never
    # stored): they get the plain error page.
    try:
        if request.method == "POST" and request.form and request.endpoint not in _public_endpoints():
            return keep_and_return("expired")
        return render_template("errors/error.html", code="csrf"), 400
    except SQLAlchemyError as unreachable:  # the page asks the database who is signed in
        return _database_unavailable(unreachable)


def _public_endpoints() -> set[str]:
    return current_app.extensions["public_endpoints"]


def _render_error(code: int):
    def handler(error):
        answer = _json_answer(error)
        if answer is not None:
            return answer
        try:
            return render_template("errors/error.html", code=code), code
        except SQLAlchemyError as unreachable:
            # The page's menu asks the database who is signed in: with the database away, the
            # calm 503 page rather than a bare server error.
            return _database_unavailable(unreachable)

    return handler


def _database_unavailable(error):
    """The database went away: a calm page that asks to wait, never a stack trace. The page
    touches no database; the connection pool checks connections before use, so the app recovers
    by itself when the database is back.

    After a form was posted the page does not claim that nothing is lost: it says whether what was
    sent may have been saved (the database went away at the commit: the outcome is unknown) or
    was not, offers to send the same form again (harmless: a form is taken once, see
    tracker.core.submissions) and links back to the page the form was on, never to the address
    posted to (a GET there is refused)."""
    from flask import request

    from tracker.core.database import CommitOutcomeUnknown
    from tracker.core.submissions import FILES_LEFT_BEHIND, page_of_post, resendable_fields

    current_app.logger.warning("database unavailable: %s", type(error).__name__)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the session may be as broken as the database
        pass
    answer = _json_answer(error)
    if answer is not None:
        return answer
    context = {"posted": False}
    if request.method == "POST":
        context = {
            "posted": True,
            "outcome_unknown": isinstance(error, CommitOutcomeUnknown),
            "back": page_of_post(fallback="/"),
            "resend_to": request.path,
            "fields": resendable_fields(request.form) if request.endpoint not in _public_endpoints() else [],
            "had_files": any(f.filename for f in request.files.values()),
        }
        if context["had_files"] and context["fields"]:
            # Sent again from this page the files are missing: the form says so rather than
            # saving the text alone (tracker.core.submissions.FILES_LEFT_BEHIND).
            context["fields"].append((FILES_LEFT_BEHIND, "1"))
    # Rendered without the context processors: they would ask the missing database who is signed
    # in and how many notifications are unread.
    from flask_babel import get_locale

    html = current_app.jinja_env.get_template("errors/unavailable.html").render(
        lang=str(get_locale() or "vi"), **context
    )
    return html, 503, {"Retry-After": "30", "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"}
