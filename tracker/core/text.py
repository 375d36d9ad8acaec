"""Text as the app stores it."""

import re
import unicodedata

# Control characters a PDF or a word processor leaves in copied text (a form feed, a vertical tab,
# a NUL); tab, line feed and carriage return are text. Also the invisible ones that change what a
# reader sees without being seen: a soft hyphen, zero-width spaces and joiners of words, a byte
# order mark, and the marks that turn the direction of the text (a right-to-left override shows
# "RTL" as "LTR").
CONTROL_CHARACTERS = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f"  # control characters
    r"\u00ad\u200b\u2060\ufeff"  # a soft hyphen, zero-width spaces, a byte order mark
    r"\u200e\u200f\u202a-\u202e\u2066-\u2069]"  # the marks and overrides of the text's direction
)


def clean_text(value):
    """One way to write Vietnamese: text is stored in NFC (a keyboard that sends decomposed
    letters, as macOS does, stores the same text as any other), without control characters."""
    if not isinstance(value, str):
        return value
    return CONTROL_CHARACTERS.sub("", unicodedata.normalize("NFC", value))
