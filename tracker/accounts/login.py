"""Flask-Login wiring: how a session finds its user, and which pages need no sign-in."""

import secrets

from flask import Flask, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user, user_loaded_from_cookie
from sqlalchemy.orm import joinedload

from tracker.accounts.models import User
from tracker.extensions import db

# Everything else requires a signed-in user, so a new page is private unless listed here.
PUBLIC_ENDPOINTS = {
    "accounts.login",
    "home.set_language",
    "static",
    "health.healthz",
    "api-docs.openapi_json",  # the API's description (tracker.api), and its page
    "api_docs.reference",
}
# Signed in by a token on each call (tracker.api.base), never by the session.
TOKEN_BLUEPRINTS = frozenset({"api"})


def configure(app: Flask, login_manager: LoginManager) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # "strong": a session is bound to the address and browser it was opened from; seen from
    # another one it is deleted, so a copied session cookie is of no use elsewhere. A session the
    # person asked to keep ("keep me signed in") is permanent (keep_session below), and Flask-Login
    # only marks a permanent session "not fresh" when the address changes: a phone moving from
    # Wi-Fi to 4G stays signed in and what it posts next is not lost. Either kind ends when the
    # password changes or the account is disabled (the session token in load_user).
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _sep, token = session_id.partition(":")
        # The unit and roles every page's menu reads come with the account, in one query.
        user = (
            db.session.get(User, int(user_id), options=[joinedload(User.unit), joinedload(User.roles)])
            if user_id.isdigit()
            else None
        )
        if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
            return None
        return user

    @user_loaded_from_cookie.connect_via(app)
    def keep_restored_session(_app, user):
        # A session brought back by the keep-me-signed-in cookie (the browser was closed) is kept
        # like the one it replaces; Flask-Login gives it no identifier, which strong protection
        # would take for a foreign session on the next request.
        keep_session()
        session["_id"] = login_manager._session_identifier_generator()

    @app.before_request
    def require_sign_in():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None or request.blueprint in TOKEN_BLUEPRINTS:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None


def keep_session() -> None:
    """Make the signed-in session permanent (it lasts PERMANENT_SESSION_LIFETIME, as long as the
    keep-me-signed-in cookie, and survives a change of network address); called on sign-in with
    "keep me signed in" and when that cookie restores a session."""
    session.permanent = True
