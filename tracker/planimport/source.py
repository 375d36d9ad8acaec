"""A plan document as paragraphs, each with the line of the source it starts on.

A Word document (DOCX) gives its paragraphs and tables as written. The text of a PDF gives lines
cut where the page's width ended, often with an empty line between them and stray spaces: they are
joined back into paragraphs. A line starts a paragraph when it is a heading ("IV. NHIỆM VỤ", "4.1.
Chính sách", "a) Đối với"), an item ("- ", "+ "), a line of the plan's own vocabulary ("Căn cứ",
"Đơn vị chủ trì: ..."), or when the line before it ended a sentence and it starts with a capital;
otherwise it goes on the paragraph before it. A heading goes on only with a line in lower case.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from tracker.core.text import clean_text

ROMAN = re.compile(r"^(?P<num>[IVX]{1,5})\.\s*(?P<title>\S.*)$")
NUMBERED = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>\S.*)$")
LETTERED = re.compile(r"^(?P<num>[a-zđ])\)\s*(?P<title>\S.*)$")
ITEM = re.compile(r"^[-+•–]\s*")
OWN_WORDS = re.compile(
    r"^[-+•]?\s*(?:căn cứ\b|(?:(?:đơn vị|cơ quan)\s+)?(?:chủ trì|phối hợp)(?:\s+thực hiện)?\s*:|nơi nhận\b)",
    re.IGNORECASE,
)
_SENTENCE_END = (".", ";", ":", "!", "?", "…", "./.")


@dataclass
class Paragraph:
    line: int  # the line (text) or paragraph (DOCX) of the source it starts on
    text: str


@dataclass
class Table:
    line: int  # the paragraph it follows
    rows: list[list[str]]


@dataclass
class Source:
    paragraphs: list[Paragraph]
    tables: list[Table] = field(default_factory=list)
    kind: str = "text"  # or "docx"


def clean(text: str) -> str:
    """A line as stored text: NFC, without control characters (tracker.core.text.clean_text), one
    space between words."""
    text = clean_text(text).replace("\u00a0", " ").replace("\t", " ")
    return re.sub(r"\s+", " ", text).strip()


def is_heading(text: str) -> bool:
    return bool(ROMAN.match(text) or NUMBERED.match(text) or LETTERED.match(text))


def _starts_paragraph(text: str) -> bool:
    return is_heading(text) or bool(ITEM.match(text)) or bool(OWN_WORDS.match(text))


def decode(data: bytes) -> str:
    """The text of a file: UTF-8 (with or without its mark), else UTF-16 with its mark, else the
    Windows Vietnamese code page."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def _goes_on(paragraph: str, line: str) -> bool:
    """Whether a line of a PDF's text goes on the paragraph before it."""
    upper = line[0].isupper() or line[0].isdigit()
    if ROMAN.match(paragraph):  # "III. THỰC TRẠNG ... TRÊN ĐỊA BÀN" / "PHƯỜNG"
        return not upper or not any(c.islower() for c in line)
    if is_heading(paragraph):  # a heading goes on in lower case, or after ":", ";" or ","
        return not upper or paragraph.endswith((":", ";", ","))
    return not (upper and paragraph.endswith(_SENTENCE_END))


def read_text(text: str) -> Source:
    paragraphs: list[Paragraph] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = clean(raw)
        if not line:
            continue
        last = paragraphs[-1] if paragraphs else None
        if last is None or _starts_paragraph(line):
            paragraphs.append(Paragraph(number, line))
            continue
        if _goes_on(last.text, line):
            last.text = f"{last.text} {line}"
        else:
            paragraphs.append(Paragraph(number, line))
    return Source(paragraphs)


def read_docx(data: bytes) -> Source:
    """A DOCX's paragraphs in order, its tables where they stand (python-docx)."""
    from docx import Document

    document = Document(io.BytesIO(data))
    paragraphs: list[Paragraph] = []
    tables: list[Table] = []
    body = document.element.body
    number = 0
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            number += 1
            text = clean("".join(node.text or "" for node in child.iter() if node.tag.endswith("}t")))
            if text:
                paragraphs.append(Paragraph(number, text))
        elif tag == "tbl":
            rows = []
            for row in child.iter():
                if row.tag.endswith("}tr"):
                    cells = [
                        clean("".join(n.text or "" for n in cell.iter() if n.tag.endswith("}t")))
                        for cell in row
                        if cell.tag.endswith("}tc")
                    ]
                    rows.append(cells)
            tables.append(Table(number, rows))
    return Source(paragraphs, tables, kind="docx")


def read_source(filename: str, data: bytes) -> Source:
    if filename.lower().endswith(".docx") or data[:2] == b"PK":
        return read_docx(data)
    return read_text(decode(data))
