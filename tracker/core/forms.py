"""The base form: WTForms' own messages go through this app's catalogue, so they read in Vietnamese."""
import re
from datetime import date

from flask_babel import gettext, lazy_gettext as _l, ngettext
from flask_wtf import FlaskForm
from wtforms import StringField

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


class WardDateField(StringField):
    """A date typed the ward's way, dd/mm/yyyy, and shown back the same way in every browser (a
    browser's own date picker shows the reader's locale, or nothing at all on some phones).
    Also takes 5/6/2026, 05-06-2026, 05.06.2026 and 2026-06-05. A year must have four digits."""

    PATTERN = re.compile(r"^\s*(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d+)\s*$")
    ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("placeholder", "dd/mm/yyyy")
        kwargs["render_kw"].setdefault("autocomplete", "off")
        super().__init__(label, validators, **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return self.data.strftime("%d/%m/%Y") if isinstance(self.data, date) else ""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not (valuelist[0] or "").strip():
            return
        text = valuelist[0]
        iso = self.ISO.match(text)
        found = self.PATTERN.match(text)
        if iso:
            year, month, day = (int(part) for part in iso.groups())
        elif found:
            day, month, year_text = found.groups()
            if len(year_text) != 4:
                raise ValueError(gettext("Write the year with four digits, e.g. 05/06/2026."))
            day, month, year = int(day), int(month), int(year_text)
        else:
            raise ValueError(gettext("Write the date as day/month/year, e.g. 05/06/2026."))
        try:
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(gettext("%(text)s is not a date in the calendar.", text=text.strip())) from None
        if not MIN_YEAR <= year <= MAX_YEAR:
            self.data = None
            raise ValueError(gettext("The year must be between %(first)d and %(last)d.", first=MIN_YEAR, last=MAX_YEAR))


MIN_YEAR, MAX_YEAR = 2000, 2100
