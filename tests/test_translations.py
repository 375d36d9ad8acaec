"""The Vietnamese catalogue is complete: every user-facing string in the code and templates has a
translation, none is fuzzy, and placeholders survive translation."""

import re
from io import BytesIO

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tracker import ROOT

CATALOGUES = {
    locale: ROOT / "tracker" / "translations" / locale / "LC_MESSAGES" / "messages.po" for locale in ("vi", "en")
}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def source_messages() -> set[str]:
    method_map = [("tracker/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue(locale: str):
    return read_po(BytesIO(CATALOGUES[locale].read_bytes()))


@pytest.mark.parametrize("locale", sorted(CATALOGUES))
def test_every_message_in_the_code_is_in_the_catalogue(locale):
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue(locale) if m.id}
    missing = sorted(source_messages() - known)
    assert missing == [], "run `make extract-messages` and translate: " + "; ".join(missing)


@pytest.mark.parametrize("locale", sorted(CATALOGUES))
def test_every_entry_is_translated_and_not_fuzzy(locale):
    problems = []
    for message in catalogue(locale):
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            problems.append(message.id)
    assert problems == []


@pytest.mark.parametrize("locale", sorted(CATALOGUES))
def test_translations_keep_their_placeholders(locale):
    problems = []
    for message in catalogue(locale):
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(string)):
                problems.append(msgid)
    assert problems == []
