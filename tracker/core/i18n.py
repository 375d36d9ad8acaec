"""Which language a page is shown in, and the switch between them."""

from flask import Flask, current_app, has_request_context, session
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError


def select_locale() -> str:
    """Vietnamese, unless the person chose a language: with the language links (kept in the
    session, before and after signing in) or in their profile. The browser's Accept-Language is
    not asked: a ward's shared or second-hand computer set to English still shows Vietnamese."""
    languages = current_app.config["LANGUAGES"]
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    try:
        if current_user.is_authenticated and current_user.locale in languages:
            return current_user.locale
    except SQLAlchemyError:  # the database is away: the page still needs a language
        pass
    return default


def register(app: Flask) -> None:
    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}
