"""Text as the app stores it."""

import re
import unicodedata

# Control characters a PDF or a word processor leaves in copied text (a form feed, a vertical tab,
# a NUL); tab, line feed and carriage return are text.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value):
    """One way to write Vietnamese: text is stored in NFC (a keyboard that sends decomposed
    letters, as macOS does, stores the same text as any other), without control characters."""
    if not isinstance(value, str):
        return value
    return CONTROL_CHARACTERS.sub("", unicodedata.normalize("NFC", value))
