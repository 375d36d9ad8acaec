"""The base form: WTForms' own messages go through this app's catalogue, so they read in Vietnamese."""
from flask_babel import gettext, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm

# WTForms' built-in messages that our forms can show; listed so that extraction puts them in
# the catalogue (WTForms ships no Vietnamese translation).
WTFORMS_MESSAGES = (
    _l("This field is required."),
    _l("Not a valid integer value."),
    _l("Not a valid decimal value."),
    _l("Not a valid choice."),
    _l("Invalid Choice: could not coerce."),
    _l("Not a valid date value."),
    _l("Invalid email address."),
    _l("Field must be at least %(min)d characters long."),
    _l("Field cannot be longer than %(max)d characters."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."),
    _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("The CSRF token is missing."),
    _l("The CSRF token is invalid."),
    _l("The CSRF token has expired."),
    _l("The CSRF tokens do not match."),
)


class _Translations:
    def gettext(self, string):
        return gettext(string)

    def ngettext(self, singular, plural, n):
        return ngettext(singular, plural, n)


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _Translations()


def strip(value):
    """A field filter: surrounding spaces are never part of what the user meant."""
    return value.strip() if isinstance(value, str) else value
