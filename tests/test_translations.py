"""The Vietnamese catalogue is complete: every user-facing string in the code and templates has a
translation, none is fuzzy, and placeholders survive translation."""
import re
from io import BytesIO

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tracker import ROOT

CATALOGUE = ROOT / "tracker" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def source_messages() -> set[str]:
    method_map = [("tracker/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(ROOT), method_map, keywords=KEYWORDS):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue():
    return read_po(BytesIO(CATALOGUE.read_bytes()))


def test_every_message_in_the_code_is_in_the_catalogue():
    known = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalogue() if m.id}
    missing = sorted(source_messages() - known)
    assert missing == [], "run `make extract-messages` and translate: " + "; ".join(missing)


def test_every_entry_is_translated_and_not_fuzzy():
    problems = []
    for message in catalogue():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(s.strip() for s in strings):
            problems.append(message.id)
    assert problems == []


def test_translations_keep_their_placeholders():
    problems = []
    for message in catalogue():
        if not message.id:
            continue
        msgid = message.id[0] if isinstance(message.id, tuple) else message.id
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            if sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(string)):
                problems.append(msgid)
    assert problems == []
