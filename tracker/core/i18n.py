"""Which language a page is shown in, and the switch between them."""

from flask import Flask, current_app, has_request_context, session
from flask.globals import _cv_app  # the application context itself, without the proxy
from flask_babel import get_locale, get_translations
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


def _current() -> tuple:
    """The current language (its Locale, its name) and its translations, as Flask-Babel gives them,
    kept for the language in use. Flask-Babel's own lookup reads the context several times and
    spells the language's name afresh on every call: tens of microseconds for each text, number or
    label of a template, several in each row of a long list. The context is read once, without
    the proxies (`flask.g`), which cost a few microseconds on each access. `force_locale` (an
    e-mail in its reader's language) puts another language object in place, and they are looked
    up again."""
    app_context = _cv_app.get(None)
    if app_context is None:
        return None, None, get_translations()
    context = getattr(app_context.g, "_flask_babel", None)  # Flask-Babel's namespace, once it has a language
    locale = getattr(context, "babel_locale", None)
    kept = getattr(context, "tracker_language", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept
    translations = get_translations()
    locale = get_locale()
    if locale is None:
        return None, None, translations
    kept = (locale, str(locale), translations)
    context = getattr(app_context.g, "_flask_babel", None)
    if context is not None:
        context.tracker_language = kept
    return kept


def language() -> str | None:
    """The current language's name ("vi", "en"); None outside an application context."""
    return _current()[1]


def _translations():
    return _current()[2]


def register(app: Flask) -> None:
    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale()), "languages": app.config["LANGUAGES"]}

    # The templates' _(), ngettext() and the like, as Flask-Babel installs them, with the lookup above.
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
