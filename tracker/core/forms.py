"""The base form: WTForms' own messages go through this app's catalogue, so they read in Vietnamese."""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask import has_request_context, request
from flask_babel import get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, PasswordField, StringField
from wtforms.widgets import TextInput

from tracker.core.text import clean_text  # noqa: F401  (the forms' filter; pages import it from here)

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
        # Not flask_babel.ngettext: it fills in %(num)s at once, while WTForms fills in its own
        # names (%(max)d) afterwards.
        # WTForms' plural messages are in the catalogue by their plural form (listed above; a
        # Vietnamese noun does not change with the number).
        translations = get_translations()
        found = translations.ungettext(singular, plural, n)
        if found in (singular, plural):
            return translations.ugettext(plural)
        return found


class Form(FlaskForm):
    """The app's form: WTForms' messages in the user's language, text cleaned at the boundary, no
    silent truncation, and, on a page the person is sent back to after a post that could not be
    taken, what they typed given back (tracker.core.kept)."""

    def __init__(self, formdata=_Auto, **kwargs):
        if formdata is _Auto and has_request_context() and request.method == "GET":
            given_back = _given_back(self, kwargs.get("prefix", ""))
            if given_back is not None:
                formdata = given_back
        super().__init__(formdata=formdata, **kwargs)

    class Meta:
        def get_translations(self, form):
            return _Translations()

        def bind_field(self, form, unbound_field, options):
            """Every text field cleans what was typed at the boundary (clean_text), and no field
            carries a maxlength: a browser would cut a long paste silently, whereas the server
            says it is too long and gives the text back whole."""
            # A password is taken as typed: an old one may hold what the text rule now drops.
            if issubclass(unbound_field.field_class, StringField) and not issubclass(
                unbound_field.field_class, PasswordField
            ):
                options["filters"] = [clean_text, *unbound_field.kwargs.get("filters", ()), *options.get("filters", ())]
            field = unbound_field.bind(form=form, **options)
            if getattr(field.flags, "maxlength", None) is not None:
                delattr(field.flags, "maxlength")
            return field


def _given_back(form, prefix: str):
    """What this browser kept for this page and this form, as form data; None when nothing is."""
    from flask_login import current_user

    from tracker.core import submissions

    if not current_user.is_authenticated or not request.cookies.get(submissions.KEPT_COOKIE):
        return None
    names = {f"{prefix}-{name}" if prefix else name for name, _unbound in form._unbound_fields}
    kept = submissions.kept_for(request.path, current_user.id)
    if kept is None or not submissions.fits(kept, names):
        return None
    request.kept_form_given_back = True
    from flask import flash

    flash(gettext("What you wrote before is back in the form below: check it and send it again."), "info")
    return MultiDict([(key, value) for key, values in kept.data.items() for value in values])


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


class PercentField(IntegerField):
    """A percent complete, typed as a whole number from 0 to 100 ("50" or "50%"). A decimal
    ("50,5") is refused with a message that says why, instead of the browser reading "50,5" as 505
    (a text input: a number input reads the comma by the browser's locale)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {})
        kwargs["render_kw"].setdefault("inputmode", "numeric")
        kwargs["render_kw"].setdefault("autocomplete", "off")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = (valuelist[0] or "").strip().rstrip("%").strip()
        if not text:
            self.data = None
            return
        if re.fullmatch(r"\d+", text):
            self.data = int(text)
            return
        self.data = None
        if re.fullmatch(r"\d+[.,]\d+", text):
            whole = Decimal(text.replace(",", ".")).quantize(Decimal(1), ROUND_HALF_UP)
            raise ValueError(
                gettext(
                    "The percent complete is a whole number: write %(whole)s rather than %(typed)s.",
                    whole=whole,
                    typed=text,
                )
            )
        raise ValueError(gettext("Write the percent complete as a whole number from 0 to 100, e.g. 50."))
