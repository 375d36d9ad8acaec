"""The messages of the API's description library (marshmallow, webargs), said in the reader's
language: they are written in English by the library, and translated here when an error is
answered. The page forms' own messages are translated already (tracker.core.forms)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

# (what marshmallow says, with its values as named groups) -> the same, to translate.
KNOWN = [
    (r"Missing data for required field\.", _l("This field is required.")),
    (r"Field may not be null\.", _l("This field cannot be null.")),
    (r"Unknown field\.", _l("There is no such field: check its name.")),
    (r"Invalid input type\.", _l("Send a JSON object.")),
    (r"Not a valid integer\.", _l("Give a whole number.")),
    (r"Not a valid number\.", _l("Give a number.")),
    (r"Not a valid string\.", _l("Give a text.")),
    (r"Not a valid boolean\.", _l("Give true or false.")),
    (r"Not a valid date\.", _l("Give a date as YYYY-MM-DD.")),
    (r"Not a valid list\.", _l("Give a list.")),
    (r"Not a valid mapping type\.", _l("Give a JSON object.")),
    (r"Longer than maximum length (?P<max>\d+)\.", _l("At most %(max)s characters.")),
    (r"Shorter than minimum length (?P<min>\d+)\.", _l("At least %(min)s characters.")),
    (r"Must be one of: (?P<choices>.*)\.", _l("Must be one of: %(choices)s.")),
    (
        r"Must be greater than or equal to (?P<min>\S+) and less than or equal to (?P<max>\S+)\.",
        _l("Must be from %(min)s to %(max)s."),
    ),
    (r"Must be greater than or equal to (?P<min>\S+)\.", _l("Must be at least %(min)s.")),
    (r"Must be less than or equal to (?P<max>\S+)\.", _l("Must be at most %(max)s.")),
]
_PATTERNS = [(re.compile(f"^{pattern}$"), message) for pattern, message in KNOWN]


def translated(message: str) -> str:
    for pattern, said in _PATTERNS:
        found = pattern.match(message)
        if found:
            values = found.groupdict()
            return str(said) % values if values else str(said)
    return message


def translate_errors(errors):
    """Each message of a field-errors structure ({"percent": ["..."], "sections": {...}}), translated."""
    if isinstance(errors, dict):
        return {str(key): translate_errors(value) for key, value in errors.items()}
    if isinstance(errors, (list, tuple)):
        return [translate_errors(value) for value in errors]
    return translated(str(errors))
