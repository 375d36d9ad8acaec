"""A draft plan read from a plan document in the administrative layout (tracker.planimport.source).

What it recognises, each with the line of the source it came from:
- the title ("KẾ HOẠCH ..."), its years ("giai đoạn 2026-2030", "năm 2027"), the issuer ("UBND
  phường X xây dựng Kế hoạch ...") and the legal bases ("Căn cứ ...");
- the sections in Roman numerals and, in those that carry tasks, the numbered items ("1.", "4.1.",
  "a)") as tasks: a section carries tasks when its items name who does them ("Đơn vị chủ trì: ...",
  "Đơn vị phối hợp: ...", "Cơ quan chủ trì: ...") or when it gives each unit its duties ("TỔ CHỨC
  THỰC HIỆN"): there each item is a unit (or several), which leads the tasks of its paragraphs;
- the reporting calendar of the "CHẾ ĐỘ BÁO CÁO" section: "Báo cáo 06 tháng trước ngày 10/6 hằng
  năm", "Báo cáo năm trước ngày 15/11", "Sơ kết giữa kỳ năm 2028", "Tổng kết giai đoạn năm 2030",
  and the unit the reports go through ("Giao Phòng ... chủ trì tham mưu báo cáo");
- the tables of a DOCX whose first row has years: a figure per row and year.

Numbering is followed as it goes: "2026 đến năm 2030" at the start of a line is no item 2026, and an
item "3.1." is a child only under item 3.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from tracker.planimport.matching import UnitMatch, UnitMatcher, bare
from tracker.planimport.source import LETTERED, NUMBERED, ROMAN, Paragraph, Source, Table

ASSIGNMENT = re.compile(
    r"^[-+•]?\s*(?:(?:đơn vị|cơ quan)\s+)?(?P<role>chủ trì|phối hợp)(?:\s+thực hiện)?\s*:\s*(?P<text>.*)$",
    re.IGNORECASE,
)
DUTIES_SECTION = re.compile(r"tổ chức thực hiện|phân công nhiệm vụ|trách nhiệm (?:của các|thực hiện)", re.IGNORECASE)
REPORTING_SECTION = re.compile(r"chế độ báo cáo|thông tin,? báo cáo", re.IGNORECASE)
YEARS = re.compile(r"giai đoạn\s+(\d{4})\s*[-–]\s*(\d{4})", re.IGNORECASE)
ONE_YEAR = re.compile(r"\bnăm\s+(\d{4})\b", re.IGNORECASE)
ISSUER = re.compile(
    r"^(?P<issuer>(?:UBND|Ủy ban nhân dân|Ủy ban nhân dân)\s+[^,;]+?)\s+(?:xây dựng|ban hành)\s+kế hoạch", re.IGNORECASE
)
REQUESTED = re.compile(r"^(?:đề nghị|giao)\s+", re.IGNORECASE)
DEADLINE = re.compile(r"(?:trước|chậm nhất|hạn)\s+(?:ngày\s+)?(\d{1,2})\s*/\s*(\d{1,2})", re.IGNORECASE)
SECRETARIAT = re.compile(r"^giao\s+(?P<unit>.+?)\s+(?:là đơn vị\s+)?chủ trì", re.IGNORECASE)
TITLE_WORDS = 14  # a paragraph's first words, as the title of the task it is
LETTERS = "abcdđeghiklmnopqrstuvxy"  # the order of lettered items in Vietnamese: a) b) c) d) đ) e) g)


@dataclass
class DraftTask:
    code: str
    title: str
    line: int
    text: str = ""
    lead: list[UnitMatch] = field(default_factory=list)
    lead_text: str | None = None
    lead_line: int | None = None
    partners: list[UnitMatch] = field(default_factory=list)
    partners_text: str | None = None
    partners_line: int | None = None
    title_source: str = "source"  # or "summary": the first words of its paragraph
    children: list[DraftTask] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class DraftPeriod:
    kind: str
    year: int
    starts_on: date
    ends_on: date
    ward_deadline: date
    line: int


@dataclass
class DraftFigure:
    """A row of a table of figures: its label and a figure per year, as written."""

    label: str
    values: dict[int, str]
    line: int


@dataclass
class Draft:
    title: str = ""
    title_line: int = 0
    issuer: str | None = None
    start_year: int | None = None
    end_year: int | None = None
    legal_bases: list[Paragraph] = field(default_factory=list)
    sections: list[tuple[str, str, int]] = field(default_factory=list)  # numeral, title, line
    tasks: list[DraftTask] = field(default_factory=list)
    periods: list[DraftPeriod] = field(default_factory=list)
    secretariat: UnitMatch | None = None
    secretariat_line: int | None = None
    figures: list[DraftFigure] = field(default_factory=list)

    def all_tasks(self):
        for task in self.tasks:
            yield from task.walk()

    def unmatched(self) -> list[str]:
        """The unit names no unit of the ward answers to, once each ("Đoàn Thanh niên phường" and
        "Đoàn Thanh niên" are one), in the order found."""
        names: dict[str, str] = {}
        for task in self.all_tasks():
            for match in (*task.lead, *task.partners):
                if match.code is None:
                    names.setdefault(bare(match.text), match.text)
        return list(names.values())

    def repeated_codes(self) -> list[str]:
        """Task codes found more than once (a document pasted twice, a section numbered again)."""
        seen: dict[str, int] = {}
        for task in self.all_tasks():
            seen[task.code] = seen.get(task.code, 0) + 1
        return [code for code, times in seen.items() if times > 1]


# --- the parts of a section --------------------------------------------------------------------


@dataclass
class _Item:
    number: str  # "4.1", "a"
    title: str
    line: int
    body: list[Paragraph] = field(default_factory=list)
    children: list[_Item] = field(default_factory=list)


def _is_next(number: str, open_items: list[_Item], lettered: bool) -> int | None:
    """The depth at which an item numbered `number` follows the items open, or None if it does not
    follow them (a number at the start of a sentence, a date)."""
    if lettered:
        if not open_items or number not in LETTERS:
            return None
        parent = (
            open_items[-1] if not open_items[-1].number.isalpha() else open_items[-2] if len(open_items) > 1 else None
        )
        if parent is None:
            return None
        letters = [child.number for child in parent.children if child.number.isalpha()]
        expected = LETTERS[LETTERS.index(letters[-1]) + 1] if letters and letters[-1] != LETTERS[-1] else "a"
        if number != expected:
            return None
        return open_items.index(parent) + 1
    parts = number.split(".")
    depth = len(parts) - 1
    if depth > len(open_items):
        return None
    parent = open_items[depth - 1] if depth else None
    if parent is not None and parent.number != ".".join(parts[:-1]):
        return None
    siblings_before = parent.children if parent is not None else None
    last_number = (
        siblings_before[-1].number.split(".")[-1]
        if siblings_before
        else (open_items[0].number if depth == 0 and open_items else "0")
    )
    if not last_number.isdigit() or int(parts[-1]) != int(last_number) + 1:
        return None
    return depth


def _items(paragraphs: list[Paragraph]) -> tuple[list[Paragraph], list[_Item]]:
    """A section's paragraphs as its numbered items (with their paragraphs), after what comes first."""
    lead: list[Paragraph] = []
    top: list[_Item] = []
    open_items: list[_Item] = []
    for paragraph in paragraphs:
        numbered, lettered = NUMBERED.match(paragraph.text), LETTERED.match(paragraph.text)
        found = numbered or lettered
        depth = _is_next(found.group("num"), open_items, bool(lettered) and not numbered) if found else None
        if found is None or depth is None:
            (open_items[-1].body if open_items else lead).append(paragraph)
            continue
        item = _Item(found.group("num"), found.group("title").strip(), paragraph.line)
        if depth == 0:
            top.append(item)
        else:
            open_items[depth - 1].children.append(item)
        del open_items[depth:]
        open_items.append(item)
    return lead, top


def partners_not_leading(lead: list[UnitMatch], partners: list[UnitMatch]) -> list[UnitMatch]:
    """A unit named to lead and to take part leads (the plan file gives each unit one role)."""
    leading = {match.code for match in lead if match.code}
    return [match for match in partners if match.code is None or match.code not in leading]


def _code(section: str, item: _Item, parent_code: str | None) -> str:
    last = item.number.split(".")[-1]
    number = LETTERS.index(last) + 1 if last.isalpha() else int(last)  # "b)" is the task's 2nd child
    return f"{parent_code or section}.{number}"


def _summary(text: str) -> str:
    """A paragraph's first clause, or its first words, as the title of the task it is."""
    clause = re.split(r"(?<=[.;:])\s", text, maxsplit=1)[0].rstrip(".;:")
    words = clause.split()
    return clause if len(words) <= TITLE_WORDS else " ".join(words[:TITLE_WORDS]) + "…"


class _Reader:
    def __init__(self, matcher: UnitMatcher):
        self.matcher = matcher

    def solution(self, section: str, item: _Item, parent_code: str | None) -> DraftTask:
        """An item of a section of solutions: its text, and who leads and who takes part."""
        task = DraftTask(_code(section, item, parent_code), item.title.rstrip(" .:"), item.line)
        text: list[str] = []
        for paragraph in item.body:
            assigned = ASSIGNMENT.match(paragraph.text)
            if assigned is None:
                text.append(paragraph.text)
                continue
            written = assigned.group("text").strip()
            units = self.matcher.split(written)
            if assigned.group("role").lower() == "chủ trì":
                task.lead, task.lead_text, task.lead_line = units, written, paragraph.line
            else:
                task.partners, task.partners_text, task.partners_line = units, written, paragraph.line
        task.text = "\n".join(text)
        task.partners = partners_not_leading(task.lead, task.partners)
        task.children = [self.solution(section, child, task.code) for child in item.children]
        return task

    def duties(self, section: str, item: _Item) -> DraftTask:
        """An item of the section that gives each unit its duties: the unit(s), then a task per
        paragraph (or the item itself when it has one)."""
        heading, _, inline = item.title.partition(":")
        named = REQUESTED.sub("", heading).strip(" .")
        units = self.matcher.split(named)
        task = DraftTask(_code(section, item, None), heading.strip(" ."), item.line)
        body = ([Paragraph(item.line, inline.strip())] if inline.strip() else []) + list(item.body)
        if len(body) <= 1:
            task.text = body[0].text if body else ""
            task.lead, task.lead_text, task.lead_line = units, named, item.line
            return task
        for number, paragraph in enumerate(body, start=1):
            task.children.append(
                DraftTask(
                    f"{task.code}.{number}",
                    _summary(paragraph.text),
                    paragraph.line,
                    text=paragraph.text,
                    lead=units,
                    lead_text=named,
                    lead_line=item.line,
                    title_source="summary",
                )
            )
        return task


def _periods(draft: Draft, paragraphs: list[Paragraph]) -> None:
    start, end = draft.start_year, draft.end_year
    if start is None or end is None:
        return
    found: dict[str, tuple] = {}
    for paragraph in paragraphs:
        lower = paragraph.text.lower()
        deadline = DEADLINE.search(lower)
        year = re.search(r"\b(20\d\d)\b", lower)
        if re.search(r"\b(?:0?6|sáu)\s+tháng", lower) and deadline:
            found.setdefault("six_month", (deadline, paragraph.line))
        elif re.search(r"báo cáo\s+(?:năm|hằng năm|hàng năm|định kỳ năm)", lower) and deadline:
            found.setdefault("annual", (deadline, paragraph.line))
        elif "giữa kỳ" in lower and year:
            found.setdefault("mid_term", (int(year.group(1)), paragraph.line))
        elif "tổng kết" in lower and year:
            found.setdefault("final", (int(year.group(1)), paragraph.line))
    day_month = {
        kind: (int(m.group(1)), int(m.group(2)))
        for kind, (m, _line) in found.items()
        if kind in ("six_month", "annual")
    }
    lines = {kind: line for kind, (_value, line) in found.items()}
    for year in range(start, end + 1):
        for kind, first, last in (
            ("six_month", date(year, 1, 1), date(year, 6, 30)),
            ("annual", date(year, 1, 1), date(year, 12, 31)),
        ):
            if kind in day_month:
                day, month = day_month[kind]
                draft.periods.append(DraftPeriod(kind, year, first, last, date(year, month, day), lines[kind]))
        for kind in ("mid_term", "final"):
            if kind in found and found[kind][0] == year:
                day, month = day_month.get("annual", (31, 12))
                draft.periods.append(
                    DraftPeriod(kind, year, date(start, 1, 1), date(year, 12, 31), date(year, month, day), lines[kind])
                )


def _year_columns(row: list[str]) -> dict[int, int]:
    """Column -> year, for a row that heads its columns with years ("2026", "Năm 2027")."""
    return {i: int(cell[-4:]) for i, cell in enumerate(row) if re.fullmatch(r"(?:năm\s*)?20\d\d", cell, re.IGNORECASE)}


def _figures(tables: list[Table]) -> list[DraftFigure]:
    """The rows of the tables whose first row (or second) names years: a figure per year."""
    found: list[DraftFigure] = []
    for table in tables:
        headers = [(at, _year_columns(row)) for at, row in enumerate(table.rows[:2])]
        headers = [(at, years) for at, years in headers if len(years) >= 2]
        if not headers:
            continue
        at, years = headers[0]
        for row in table.rows[at + 1 :]:
            label = next((cell for cell in row if cell and not re.fullmatch(r"[\d.,\s]*", cell)), "")
            values = {year: row[i] for i, year in years.items() if i < len(row) and row[i]}
            if label and values:
                found.append(DraftFigure(label, values, table.line))
    return found


def read_draft(source: Source, matcher: UnitMatcher) -> Draft:
    draft = Draft()
    sections: list[tuple[str, str, int, list[Paragraph]]] = []
    front: list[Paragraph] = []
    for paragraph in source.paragraphs:
        roman = ROMAN.match(paragraph.text)
        if roman and roman.group("title").upper() == roman.group("title"):
            sections.append((roman.group("num"), roman.group("title").strip(), paragraph.line, []))
        elif sections:
            sections[-1][3].append(paragraph)
        else:
            front.append(paragraph)
    _front(draft, front)
    reader = _Reader(matcher)
    for numeral, title, line, paragraphs in sections:
        draft.sections.append((numeral, title, line))
        if REPORTING_SECTION.search(title):
            _reporting(draft, paragraphs, matcher)
            continue
        _lead, items = _items(paragraphs)
        if not items:
            continue
        if DUTIES_SECTION.search(title):
            children = [reader.duties(numeral, item) for item in items]
        else:
            children = [reader.solution(numeral, item, None) for item in items]
            if not any(task.lead or task.partners for child in children for task in child.walk()):
                continue  # numbered, but nobody is named: aims, context, money
        draft.tasks.append(DraftTask(numeral, title, line, children=children))
    draft.figures = _figures(source.tables)
    return draft


def _front(draft: Draft, front: list[Paragraph]) -> None:
    titled = False  # "KẾ HOẠCH" read, its title still to come (a paragraph of its own in a DOCX)
    for paragraph in front:
        text = paragraph.text
        if not draft.title and re.match(r"^kế hoạch\b", text, re.IGNORECASE):
            title = re.sub(r"^kế hoạch\s*", "", text, flags=re.IGNORECASE).strip()
            draft.title, draft.title_line = f"Kế hoạch {title[:1].lower()}{title[1:]}".strip(), paragraph.line
            titled = not title
        elif titled and not text.lower().startswith("căn cứ"):
            draft.title = f"{draft.title} {text[:1].lower()}{text[1:]}"
            titled = False
        elif text.lower().startswith("căn cứ"):
            draft.legal_bases.append(paragraph)
        elif draft.issuer is None and (issuer := ISSUER.match(text)):
            draft.issuer = issuer.group("issuer")
    years = YEARS.search(draft.title)
    if years:
        draft.start_year, draft.end_year = int(years.group(1)), int(years.group(2))
    elif one := ONE_YEAR.search(draft.title):
        draft.start_year = draft.end_year = int(one.group(1))


def _reporting(draft: Draft, paragraphs: list[Paragraph], matcher: UnitMatcher) -> None:
    for paragraph in paragraphs:
        found = SECRETARIAT.match(paragraph.text)
        if found and draft.secretariat is None:
            draft.secretariat, draft.secretariat_line = matcher.match_name(found.group("unit")), paragraph.line
    _periods(draft, paragraphs)
