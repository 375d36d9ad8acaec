"""Building blocks of a Vietnamese administrative document (Nghị định 30/2020/NĐ-CP, Phụ lục I) as
DOCX: A4, Times New Roman 13-14, the two-column header with the issuing body and the national
motto, the place and date line, tables, "Nơi nhận" and the signature block. The ward's report and
each unit's report are built from them."""
from __future__ import annotations

from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Length, Pt

from flask_babel import get_locale
from flask_babel import gettext as _

from tracker.core.formatting import format_date

FONT = "Times New Roman"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(11)
LEFT_COLUMN, RIGHT_COLUMN = Cm(6.5), Cm(10)  # the two-column header's widths
CELL_MARGINS = Cm(0.38)  # Word's default cell padding, left and right together
# What follows w:pBdr in a paragraph's properties (ECMA-376, CT_PPrBase).
AFTER_PARAGRAPH_BORDERS = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)

def _set_font(run, size=BODY_SIZE, bold=False, italic=False, underline=False):
    run.font.name = FONT
    run.font.size = size
    run.bold, run.italic, run.underline = bold, italic, underline
    # East Asian font slot too, so Word never substitutes another face for Vietnamese letters.
    run._element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    return run


def _paragraph(container, text="", size=BODY_SIZE, bold=False, italic=False, underline=False, align=None,
               first_line_indent=None, space_after=Pt(6)):
    paragraph = container.add_paragraph()
    if text:
        _set_font(paragraph.add_run(text), size, bold, italic, underline)
    if align is not None:
        paragraph.alignment = align
    format_ = paragraph.paragraph_format
    format_.space_after = space_after
    format_.space_before = Pt(0)
    if first_line_indent is not None:
        format_.first_line_indent = first_line_indent
    return paragraph


def _no_borders(table):
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _text_width(text: str, size_pt: float) -> Length:
    """Roughly how wide `text` prints in bold Times New Roman (within a tenth for Vietnamese):
    capitals about 0.68 of the font size, spaces 0.25, hyphens 0.33, other letters 0.47."""
    ems = sum(0.25 if c == " " else 0.33 if c == "-" else 0.68 if c.isupper() else 0.47 for c in text)
    return Pt(ems * size_pt)


def _rule(cell, cell_width: Length, length: Length):
    """The decree's short horizontal rule, centred under the line above: an empty paragraph whose
    bottom border runs between indents that leave `length` of the cell's width."""
    room = cell_width - CELL_MARGINS
    length = min(int(length), room)
    indent = Length((room - length) // 2)
    paragraph = _paragraph(cell, "", Pt(2), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0))
    format_ = paragraph.paragraph_format
    format_.left_indent = format_.right_indent = indent
    format_.line_spacing = Pt(2)  # exactly: the rule sits just under the text
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for name, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "auto")):
        bottom.set(qn(name), value)
    borders.append(bottom)
    # In the schema's order: Word refuses a w:pBdr after w:spacing, w:ind or w:jc.
    paragraph._p.get_or_add_pPr().insert_element_before(borders, *AFTER_PARAGRAPH_BORDERS)
    return paragraph


def _field(paragraph, instruction: str, size=BODY_SIZE):
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


def _table(document, header, rows, widths):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, text in enumerate(header):
        cell = table.rows[0].cells[index]
        cell.width = widths[index]
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_font(cell.paragraphs[0].add_run(text), TABLE_SIZE, bold=True)
    for row in rows:
        cells = table.add_row().cells
        for index, text in enumerate(row):
            cells[index].width = widths[index]
            lines = str(text).split("\n")
            _set_font(cells[index].paragraphs[0].add_run(lines[0]), TABLE_SIZE)
            for line in lines[1:]:
                _paragraph(cells[index], line, TABLE_SIZE, space_after=Pt(0))
    return table


def _text_block(document, text: str):
    for line in (text or "").split("\n"):
        if line.strip():
            _paragraph(document, line.strip(), align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_indent=Cm(1))


def new_document():
    """An empty A4 document with the decree's margins, font and page numbers."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, BODY_SIZE
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    _page_numbers(section)
    return document


def document_header(document, issuing_lines: list[str], number_text: str, date_text: str, superior: str | None = None):
    """The two columns: issuing body on the left (under its superior body, in normal weight, when
    there is one), the national name and motto on the right."""
    table = document.add_table(rows=2, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.width, right.width = LEFT_COLUMN, RIGHT_COLUMN
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    first, *rest = issuing_lines
    if superior:
        _set_font(left.paragraphs[0].add_run(superior), Pt(13))
        rest = issuing_lines
    else:
        _set_font(left.paragraphs[0].add_run(first), Pt(13), bold=True)
    for line in rest:
        _paragraph(left, line, Pt(13), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0))
    # Under the issuing body's name: a short rule, a third to a half of the name's length.
    _rule(left, LEFT_COLUMN, _text_width(issuing_lines[-1], 13) * 0.4)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(right.paragraphs[0].add_run(_("SOCIALIST REPUBLIC OF VIET NAM")), Pt(13), bold=True)
    motto = _("Independence - Freedom - Happiness")
    _paragraph(right, motto, Pt(14), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0))
    # Under the motto: a rule as long as the motto.
    _rule(right, RIGHT_COLUMN, _text_width(motto, 14))
    number_cell, date_cell = table.cell(1, 0), table.cell(1, 1)
    number_cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(number_cell.paragraphs[0].add_run(number_text), Pt(13))
    date_cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(date_cell.paragraphs[0].add_run(date_text), Pt(14), italic=True)


def closing_block(document, recipients: list[str], signature: dict):
    """"Nơi nhận" on the left, the signature block on the right."""
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.cell(0, 0), table.cell(0, 1)
    left.width, right.width = Cm(8), Cm(8.5)
    _set_font(left.paragraphs[0].add_run(_("Recipients:")), Pt(12), bold=True, italic=True)
    for index, recipient in enumerate(recipients):
        end = "." if index == len(recipients) - 1 else ";"
        _paragraph(left, f"- {recipient}{end}", Pt(11), space_after=Pt(0))
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(right.paragraphs[0].add_run(signature.get("on_behalf", "")), Pt(13), bold=True)
    for key in ("authority", "title"):
        if signature.get(key):
            _paragraph(right, signature[key], Pt(13), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0))
    for _blank in range(4):
        _paragraph(right, "", space_after=Pt(0))
    if signature.get("name"):
        _paragraph(right, signature["name"], Pt(14), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0))


# --- the words of the header and the date line ----------------------------------------------


def vietnamese_date_line(place: str, day: date) -> str:
    """"Bắc Kạn, ngày 05 tháng 6 năm 2026" (Nghị định 30/2020/NĐ-CP: a leading zero for days
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
            return name[len(prefix):]
    return name


# The names the documents use.
set_font, paragraph, table, text_block = _set_font, _paragraph, _table, _text_block
