"""Building blocks of a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I) as
DOCX, laid out the same in Word and in LibreOffice: A4, Times New Roman 13-14, the header as a
fixed-width borderless table (the issuing body on the left, the national name and motto on the
right, each on one line, with rules of the decree's lengths), the subject with its rule, justified
body text, tables whose header row repeats and whose rows never split, and "Nơi nhận" with the
signature block kept together on one page. The language is vi-VN; the document's properties name
the issuing body and the real dates. The ward's report and each unit's report are built from them.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt
from flask_babel import get_locale
from flask_babel import gettext as _

from tracker.core.font_metrics import text_width_pt
from tracker.core.formatting import format_date

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(12)
PAGE_WIDTH, PAGE_HEIGHT = Cm(21), Cm(29.7)  # A4
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = Cm(2), Cm(2), Cm(3), Cm(1.5)
TEXT_WIDTH = Length(PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT)  # 16.5 cm
LEFT_COLUMN = Cm(6)  # the issuing body
RIGHT_COLUMN = Length(TEXT_WIDTH - LEFT_COLUMN)  # the national name and motto: 10.5 cm
CELL_PADDING = Cm(0.19)  # Word's and LibreOffice's default cell padding, each side
LANGUAGE = "vi-VN"

# What follows w:pBdr in a paragraph's properties (ECMA-376, CT_PPrBase).
AFTER_PARAGRAPH_BORDERS = (
    "w:shd",
    "w:tabs",
    "w:suppressAutoHyphens",
    "w:kinsoku",
    "w:wordWrap",
    "w:overflowPunct",
    "w:topLinePunct",
    "w:autoSpaceDE",
    "w:autoSpaceDN",
    "w:bidi",
    "w:adjustRightInd",
    "w:snapToGrid",
    "w:spacing",
    "w:ind",
    "w:contextualSpacing",
    "w:mirrorIndents",
    "w:suppressOverlap",
    "w:jc",
    "w:textDirection",
    "w:textAlignment",
    "w:textboxTightWrap",
    "w:outlineLvl",
    "w:divId",
    "w:cnfStyle",
    "w:rPr",
    "w:sectPr",
    "w:pPrChange",
)


def _twips(length: Length) -> str:
    return str(int(round(length / 635)))  # 1 twip = 635 EMU


# --- text -----------------------------------------------------------------------------------

# What XML cannot hold (control characters pasted from a PDF in text stored before forms cleaned
# it): left out, so that any stored text prints.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(text) -> str:
    return _NOT_XML.sub("", str(text))


def _set_font(run, size=BODY_SIZE, bold=False, italic=False, underline=False):
    run.font.name = FONT
    run.font.size = size
    run.bold, run.italic, run.underline = bold, italic, underline
    # East Asian font slot too, so Word never substitutes another face for Vietnamese letters.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    return run


def _paragraph(
    container,
    text="",
    size=BODY_SIZE,
    bold=False,
    italic=False,
    underline=False,
    align=None,
    first_line_indent=None,
    space_after=Pt(6),
    space_before=Pt(0),
    keep_with_next=False,
):
    paragraph = container.add_paragraph()
    if text:
        _set_font(paragraph.add_run(xml_text(text)), size, bold, italic, underline)
    if align is not None:
        paragraph.alignment = align
    format_ = paragraph.paragraph_format
    format_.space_after = space_after
    format_.space_before = space_before
    format_.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if first_line_indent is not None:
        format_.first_line_indent = first_line_indent
    if keep_with_next:
        format_.keep_with_next = True
    return paragraph


def _tight(paragraph, align=WD_ALIGN_PARAGRAPH.CENTER):
    """A header line: centred, no space before or after, single spacing (no gap between the lines
    of the issuing body's name)."""
    paragraph.alignment = align
    format_ = paragraph.paragraph_format
    format_.space_before = format_.space_after = Pt(0)
    format_.line_spacing_rule = WD_LINE_SPACING.SINGLE
    return paragraph


def _cell_line(cell, text: str, size, bold=False, italic=False, first=False):
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    _tight(paragraph)
    if text:
        _set_font(paragraph.add_run(xml_text(text)), size, bold=bold, italic=italic)
    return paragraph


def _rule(container, length: Length, width: Length, after=Pt(0), height=Pt(3)):
    """The decree's short horizontal rule, centred under the line above: an empty paragraph whose
    bottom border runs between indents that leave `length` of the `width` available."""
    length = min(int(length), int(width))
    indent = Length((int(width) - length) // 2)
    paragraph = container.add_paragraph()
    _tight(paragraph)
    format_ = paragraph.paragraph_format
    format_.left_indent = format_.right_indent = indent
    format_.space_after = after
    format_.line_spacing = height  # exactly: the rule sits just under the text
    _set_font(paragraph.add_run(""), Pt(2))
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    # In the schema's order: Word refuses a w:pBdr after w:spacing, w:ind or w:jc.
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *AFTER_PARAGRAPH_BORDERS)
    return paragraph


def printed_width(text: str, size: Length, bold: bool = False) -> Length:
    return Pt(text_width_pt(text, size.pt, bold))


def _text_block(document, text: str, keep_last_with_next=False):
    """Paragraphs of body text: justified, first line indented (1 cm), 6 pt after."""
    lines = [line.strip() for line in (text or "").split("\n") if line.strip()]
    for index, line in enumerate(lines):
        _paragraph(
            document,
            line,
            align=WD_ALIGN_PARAGRAPH.JUSTIFY,
            first_line_indent=Cm(1),
            keep_with_next=keep_last_with_next and index == len(lines) - 1,
        )


def heading(document, text: str, space_before=Pt(6)):
    """A section heading: bold, kept with what follows."""
    return _paragraph(
        document, text, bold=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, space_before=space_before, keep_with_next=True
    )


# --- tables ---------------------------------------------------------------------------------


def _fixed_table(table, widths: list[Length]) -> None:
    """A table whose column widths are what they say in every reader: fixed layout, its width the
    sum of the columns, each grid column and each cell of that width."""
    tbl_pr = table._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(layout)
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), _twips(Length(sum(int(w) for w in widths))))
    tbl_w.set(qn("w:type"), "dxa")
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


def _row_property(row, name: str) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement(name)
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _no_borders(table):
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _table(document, header: list[str], rows: list[list], widths: list[Length], size=TABLE_SIZE, aligns=None):
    """A grid table: the header row repeats on every page, no row splits across pages, columns of
    the given widths (they add up to the text width)."""
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    head = table.rows[0]
    _row_property(head, "w:tblHeader")
    _row_property(head, "w:cantSplit")
    for index, text in enumerate(header):
        paragraph = head.cells[index].paragraphs[0]
        _tight(paragraph)
        _set_font(paragraph.add_run(xml_text(text)), size, bold=True)
    for row in rows:
        added = table.add_row()
        _row_property(added, "w:cantSplit")
        for index, value in enumerate(row):
            align = (aligns or {}).get(index, WD_ALIGN_PARAGRAPH.LEFT)
            lines = str(value).split("\n") if value is not None else [""]
            first = added.cells[index].paragraphs[0]
            _tight(first, align)
            _set_font(first.add_run(xml_text(lines[0])), size)
            for line in lines[1:]:
                paragraph = added.cells[index].add_paragraph()
                _tight(paragraph, align)
                _set_font(paragraph.add_run(xml_text(line)), size)
    _fixed_table(table, widths)
    return table


# --- the document ---------------------------------------------------------------------------


def _language(document) -> None:
    """Vietnamese for the spelling checker, in the document's defaults and its Normal style."""
    styles = document.styles.element
    r_pr_default = styles.find(qn("w:docDefaults"))
    targets = []
    if r_pr_default is not None:
        r_pr = r_pr_default.find(qn("w:rPrDefault"))
        if r_pr is not None and r_pr.find(qn("w:rPr")) is not None:
            targets.append(r_pr.find(qn("w:rPr")))
    targets.append(document.styles["Normal"].element.get_or_add_rPr())
    for r_pr in targets:
        for old in r_pr.findall(qn("w:lang")):
            r_pr.remove(old)
        lang = OxmlElement("w:lang")
        for attribute in ("w:val", "w:eastAsia", "w:bidi"):
            lang.set(qn(attribute), LANGUAGE)
        r_pr.append(lang)


def new_document(author: str, title: str, created: datetime | None = None):
    """An empty A4 document with the decree's margins and font, Vietnamese, page numbers from the
    second page, and properties that name the issuing body and the real dates."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, BODY_SIZE
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(6)
    style.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    _language(document)
    _page_numbers(section)
    moment = created or datetime.now(UTC)
    properties = document.core_properties
    properties.author = properties.last_modified_by = author
    properties.title = title
    properties.subject = title
    properties.language = LANGUAGE
    properties.created = properties.modified = moment.replace(tzinfo=None)
    properties.revision = 1
    properties.comments = properties.keywords = properties.category = ""
    return document


def _field(paragraph, instruction: str, size=Pt(13)):
    """A Word field (PAGE, ...) as begin / instruction / separate / shown value / end runs."""

    def run_with(*elements, text=None):
        run = _set_font(paragraph.add_run(text), size) if text else _set_font(paragraph.add_run(), size)
        for element in elements:
            run._r.append(element)
        return run

    def char(kind):
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    run_with(char("begin"))
    run_with(code)
    run_with(char("separate"))
    run_with(text="2")  # what shows until the reader updates the field; Word and LibreOffice do on opening
    run_with(char("end"))


def _page_numbers(section):
    """Page numbers centred in the header from the second page on (Nghị định 30/2020/NĐ-CP): the
    first page has a header of its own, left empty."""
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False  # an empty first-page header of its own
    header = section.header
    header.is_linked_to_previous = False
    paragraph = header.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(paragraph, "PAGE")


def document_header(document, issuing_lines: list[str], number_text: str, date_text: str, superior: str | None = None):
    """The two columns of a fixed-width borderless table: the issuing body on the left (under its
    superior body, in normal weight, when there is one) with a rule a third to a half as long as its
    name; the national name and the motto on the right, each on one line, with a rule as long as
    the motto; the number under the body, the place and date under the motto."""
    table = document.add_table(rows=2, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.cell(0, 0), table.cell(0, 1)
    inner_left, inner_right = Length(LEFT_COLUMN - 2 * CELL_PADDING), Length(RIGHT_COLUMN - 2 * CELL_PADDING)
    body_size = Pt(13)
    lines = ([(superior, False)] if superior else []) + [(line, True) for line in issuing_lines]
    for index, (line, bold) in enumerate(lines):
        _cell_line(left, line, body_size, bold=bold, first=index == 0)
    name = issuing_lines[-1]
    _rule(left, Length(int(printed_width(name, body_size, bold=True)) * 2 // 5), inner_left)
    national = _("SOCIALIST REPUBLIC OF VIET NAM")
    motto = _("Independence - Freedom - Happiness")
    _cell_line(right, national, Pt(12), bold=True, first=True)
    _cell_line(right, motto, Pt(13), bold=True)
    _rule(right, printed_width(motto, Pt(13), bold=True), inner_right)
    number_cell, date_cell = table.cell(1, 0), table.cell(1, 1)
    _cell_line(number_cell, number_text, Pt(13), first=True).paragraph_format.space_before = Pt(6)
    _cell_line(date_cell, date_text, Pt(14), italic=True, first=True).paragraph_format.space_before = Pt(6)
    _fixed_table(table, [LEFT_COLUMN, RIGHT_COLUMN])
    return table


def title_block(document, kind: str, subject: str):
    """ "BÁO CÁO", the subject (trích yếu) under it, and the rule under the subject."""
    _paragraph(
        document, kind, Pt(14), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0), space_before=Pt(18)
    )
    _paragraph(document, subject, Pt(14), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0))
    longest = max(subject.split("\n"), key=len)
    line = min(printed_width(longest, Pt(14), bold=True), TEXT_WIDTH)
    _rule(document, Length(int(line) * 2 // 5), TEXT_WIDTH, after=Pt(12), height=Pt(7))


def closing_block(document, recipients: list[str], signature: dict):
    """ "Nơi nhận" on the left, the signature block on the right, in one row that never splits:
    they stay together on one page."""
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    row = table.rows[0]
    _row_property(row, "w:cantSplit")
    left, right = row.cells
    paragraph = _tight(left.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)
    paragraph.paragraph_format.space_before = Pt(12)
    _set_font(paragraph.add_run(_("Recipients:")), Pt(12), bold=True, italic=True)
    for index, recipient in enumerate(recipients):
        end = "." if index == len(recipients) - 1 else ";"
        line = left.add_paragraph()
        _tight(line, WD_ALIGN_PARAGRAPH.LEFT)
        _set_font(line.add_run(xml_text(f"- {recipient}{end}")), Pt(11))
    lines = [signature.get(key) for key in ("on_behalf", "authority", "title") if signature.get(key)]
    for index, text in enumerate(lines or [""]):
        paragraph = _cell_line(right, text, Pt(13), bold=True, first=index == 0)
        if index == 0:
            paragraph.paragraph_format.space_before = Pt(12)
    for _blank in range(4):
        _cell_line(right, "", Pt(14))
    if signature.get("name"):
        _cell_line(right, signature["name"], Pt(14), bold=True)
    _fixed_table(table, [Cm(7.5), Length(TEXT_WIDTH - Cm(7.5))])
    return table


def to_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the words of the header and the date line ----------------------------------------------


def vietnamese_date_line(place: str, day: date) -> str:
    """ "Bắc Kạn, ngày 05 tháng 6 năm 2026" (Nghị định 30/2020/NĐ-CP: a leading zero for days
    below 10 and for months 1 and 2)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def date_line(place: str, day: date) -> str:
    """The place and date line in the reader's language; Vietnamese follows the decree's form."""
    if str(get_locale()) == "vi":
        return vietnamese_date_line(place, day)
    return f"{place}, {format_date(day)}"


def issuing_body_lines(plan) -> list[str]:
    """The issuing body as the header's left column writes it: "ỦY BAN NHÂN DÂN" / "PHƯỜNG BẮC KẠN"."""
    issuer = plan.issuer.upper().replace("UBND", "ỦY BAN NHÂN DÂN")
    for level in (" PHƯỜNG ", " XÃ ", " THỊ TRẤN "):
        body, found, place = issuer.partition(level)
        if found:
            return [body.strip(), (level + place).strip()]
    return [issuer]


def default_place(plan) -> str:
    name = plan.ward.name
    for prefix in ("Phường ", "Xã ", "Thị trấn "):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


# The names the documents use.
set_font, paragraph, table, text_block = _set_font, _paragraph, _table, _text_block
