"""Flask-Login wiring: how a session finds its user, and which pages need no sign-in."""
import secrets

from flask import Flask, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, current_user
from sqlalchemy.orm import joinedload, selectinload

from tracker.accounts.models import User
from tracker.extensions import db

# Everything else requires a signed-in user, so a new page is private unless listed here.
PUBLIC_ENDPOINTS = {"accounts.login", "core.set_language", "static", "health.healthz"}


def configure(app: Flask, login_manager: LoginManager) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    @login_manager.user_loader
    def load_user(session_id: str):
        user_id, _sep, token = session_id.partition(":")
        # The unit and roles every page's menu reads come with the account, in one query.
        user = db.session.get(User, int(user_id), options=[joinedload(User.unit), selectinload(User.roles)]) if user_id.isdigit() else None
        if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
            return None
        return user

    @app.before_request
    def require_sign_in():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None
