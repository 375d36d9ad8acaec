"""A post that cannot be taken because the session ended or the form expired: what was typed is
kept (tracker.core.submissions) and the person is sent back to the form, after signing in again if
needed, where it is given back with a message that says what happened. Nothing typed is lost."""

from __future__ import annotations

from flask import Flask, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.core import submissions
from tracker.core.time import now
from tracker.extensions import db


def keep_and_return(reason: str):
    """Keep the post's text and send the person back to the page the form was on (through the
    sign-in page when the session has ended)."""
    page = submissions.page_of_post()
    user_id = current_user.id if current_user.is_authenticated else submissions.stale_user_id()
    kept = None
    try:
        kept = submissions.keep(request.form, page.split("?")[0], user_id, now())
        db.session.commit()
    except Exception:  # noqa: BLE001 - the database may be away; the person is still told what happened
        db.session.rollback()
        kept = None
    if kept is not None:
        flash(
            _("What you wrote was not sent, but it is kept: it is back in the form. Check it and send it again."),
            "warning",
        )
    if current_user.is_authenticated:
        if reason == "expired":
            flash(_("The form had expired."), "warning")
        target = page
    else:
        flash(_("Your session had ended (you signed out, or your password was changed). Sign in again."), "warning")
        target = url_for("accounts.login", next=page)
    response = redirect(target)
    if kept is not None:
        response.set_cookie(
            submissions.KEPT_COOKIE,
            kept.token,
            max_age=int(submissions.KEEP_FOR.total_seconds()),
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def register(app: Flask, public_endpoints: set[str], token_blueprints: frozenset[str] = frozenset()) -> None:
    """`token_blueprints`: signed in by a token on each call, which has no session to end."""

    @app.before_request
    def keep_posts_of_ended_sessions():
        """A form posted after the session ended: keep it rather than lose it behind the sign-in page."""
        if request.method != "POST" or request.endpoint in public_endpoints or request.endpoint is None:
            return None
        if request.blueprint in token_blueprints:
            return None
        if current_user.is_authenticated or not request.form:
            return None
        return keep_and_return("ended")

    @app.after_request
    def forget_given_back(response):
        if getattr(request, "kept_form_given_back", False):
            response.delete_cookie(submissions.KEPT_COOKIE)
        return response
