"""Spreadsheet output that is safe to open: CSV with a BOM (so Excel reads Vietnamese), and
cells that cannot run as formulas."""

from __future__ import annotations

import csv
import io
import tempfile
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from tracker.core.time import WARD_TZ

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

INTEGER_FORMAT = "#,##0"
DECIMAL_FORMAT = "#,##0.0#"
# A figure that may or may not be whole (a target, an actual, a progress percent): the format is
# chosen per cell by number_format(), since Excel shows a whole value in "#,##0.##" as "22." with a
# stray decimal point.
NUMBER_FORMAT = (INTEGER_FORMAT, DECIMAL_FORMAT)
PERCENT_FORMAT = ('#,##0"%"', '#,##0.0#"%"')
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
TOP_WRAP = Alignment(wrap_text=True, vertical="top")
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=13)


def printable(text: str) -> str:
    """Text a workbook can hold: control characters pasted from a PDF (a form feed, a vertical tab)
    are dropped; tabs and line breaks stay."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def safe_text(value: str) -> str:
    """Text a spreadsheet will show as text: a leading = + - @ (or tab, return) is neutralised
    with an apostrophe, so a cell typed by a user never becomes a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell_value(value):
    """A value as a spreadsheet cell holds it (text as it is: the cell's type keeps it text)."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.astimezone(WARD_TZ).replace(tzinfo=None) if value.tzinfo else value  # the ward's clock
    return value


def csv_response(filename: str, header: list[str], rows) -> Response:
    """`rows` (any iterable) written one by one to a spooled file: memory stays flat however many."""
    spool = _spool()
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    text.write("\ufeff")  # the BOM tells Excel the file is UTF-8
    writer = csv.writer(text)
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    text.flush()
    text.detach()
    return _file_response(spool, filename, "text/csv")


SPOOL_BYTES = 4 * 1024 * 1024  # a file larger than this goes to disk while it is written and sent


def _spool():
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


def _file_response(spool, filename: str, mimetype: str) -> Response:
    """The spooled file (written to its end), sent a block at a time and closed after."""
    size = spool.tell()
    spool.seek(0)

    def blocks():
        with spool:
            while block := spool.read(64 * 1024):
                yield block

    headers = {"Content-Disposition": _attachment(filename), "Content-Length": str(size)}
    return Response(blocks(), mimetype=mimetype, headers=headers)


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (value.astimezone(WARD_TZ) if value.tzinfo else value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return safe_text(str(value))


def number_format(value: int | float, format_: str | tuple[str, str]) -> str:
    """The format of one numeric cell. A pair (whole, fractional), such as NUMBER_FORMAT, gives the
    first for a whole value and the second for a value with a fractional part."""
    if isinstance(format_, str):
        return format_
    whole, fractional = format_
    return whole if float(value).is_integer() else fractional


SAMPLE_ROWS = 500  # rows read to size the columns, before the rest is streamed
MIN_WIDTH, MAX_WIDTH = 8, 45  # in characters; longer text wraps
PAGE_BUDGET = 170  # characters across a landscape A4 page at a readable size: wider sheets shrink their text columns
DATE_WIDTH, DATETIME_WIDTH = 12, 17


def _text_width(value) -> int:
    """Characters a value needs on one line (its longest line for text)."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return DATETIME_WIDTH
    if isinstance(value, date):
        return DATE_WIDTH
    if isinstance(value, (int, float, Decimal)):
        return len(f"{value:,}") + 2
    return max((len(line) for line in str(value).split("\n")), default=0) + 1


def column_widths(header: list[str], sample: list[list], given: dict[int, int] | None = None) -> dict[int, int]:
    """Widths that fit: the caller's, else the longest of the header's words and the sampled
    values, between MIN_WIDTH and MAX_WIDTH characters (longer text wraps)."""
    widths = {}
    for index, title in enumerate(header):
        if given and index in given:
            widths[index] = given[index]
            continue
        longest_word = max((len(word) for word in str(title).split()), default=0) + 2
        values = max((_text_width(row[index]) for row in sample if index < len(row)), default=0)
        widths[index] = max(MIN_WIDTH, min(MAX_WIDTH, max(longest_word, values)))
    # Printed to the page's width, a sheet wider than a page shrinks its text: narrow the widest
    # (free-text) columns instead, so the print stays readable.
    excess = sum(widths.values()) - PAGE_BUDGET
    wide = {i: w for i, w in widths.items() if w > 20 and not (given and i in given)}
    if excess > 0 and wide:
        room = sum(w - 20 for w in wide.values())
        for index, width in wide.items():
            widths[index] = max(20, width - round(excess * (width - 20) / room))
    return widths


LINE_HEIGHT = 15  # points per line of the default 11 pt font


def row_height(values: list, widths: dict[int, int]) -> float | None:
    """The height a row of wrapped text needs, in points: readers do not all size rows to their
    text (LibreOffice keeps the default height), so the height is written with the row."""
    lines = 1
    for index, value in enumerate(values):
        if not isinstance(value, str) or not value:
            continue
        width = max(1, widths.get(index, MIN_WIDTH) - 1)
        needed = sum(max(1, -(-len(line) * 11 // (width * 10))) for line in value.split("\n"))
        lines = max(lines, needed)
    return lines * LINE_HEIGHT if lines > 1 else None


def _cell(sheet, value, format_=None, bold=False, styles: dict | None = None):
    """One cell, wrapped at the top, bold or not, with its number format. `styles` keeps each
    combination's style made once (setting a style on every cell costs most of a large export)."""
    cell = WriteOnlyCell(sheet, value=cell_value(value) if not isinstance(value, str) else printable(value))
    shown = None
    if isinstance(cell.value, str):
        # Text stays text: a value starting with = + - @ is stored as a string, never as a formula,
        # and shows without any mark (CSV, which has no types, neutralises it instead).
        cell.data_type = "s"
    elif format_ is not None and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
        shown = number_format(cell.value, format_)
    elif isinstance(cell.value, datetime):
        shown = DATETIME_FORMAT
    elif isinstance(cell.value, date):
        shown = DATE_FORMAT
    styles = {} if styles is None else styles
    key = (shown, bold)
    if key not in styles:
        model = WriteOnlyCell(sheet)
        model.alignment = TOP_WRAP
        if bold:
            model.font = BOLD
        if shown is not None:
            model.number_format = shown
        styles[key] = model._style
    cell._style = copy(styles[key])
    return cell


def add_sheet(
    workbook: Workbook,
    title: str,
    header: list[str],
    rows,
    formats: dict[int, str | tuple[str, str]] | None = None,
    widths: dict[int, int] | None = None,
    row_formats: dict[tuple[int, int], str | tuple[str, str]] | None = None,
    heading: list[str] | None = None,
) -> None:
    """A sheet written row by row (constant memory, whatever the number of rows): an optional
    title block (`heading`: the ward, the plan, the period), a bold header row that stays in view
    and repeats on every printed page, wrapped text, columns sized to fit, landscape A4 printed to
    the page's width. A number format per column (0-based; a pair such as NUMBER_FORMAT is decided
    per cell, see number_format); `row_formats` overrides it for one cell: (row index, column) -> format."""
    sheet = workbook.create_sheet(title=title[:31])
    rows = iter(rows)
    sample = list(islice(rows, SAMPLE_ROWS))
    sized = column_widths(header, sample, widths)
    for index, width in sized.items():
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    header_row = len(heading) + 2 if heading else 1
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if heading:
        for number, line in enumerate(heading):
            title_cell = WriteOnlyCell(sheet, value=printable(line))
            title_cell.data_type = "s"
            title_cell.font = TITLE if number == 0 else BOLD
            sheet.append([title_cell])
        sheet.append([])
    height = row_height([str(h) for h in header], sized)
    if height:
        sheet.row_dimensions[header_row].height = height
    styles: dict = {}
    sheet.append([_cell(sheet, h, bold=True, styles=styles) for h in header])
    formats, row_formats = formats or {}, row_formats or {}
    for row_index, row in enumerate(chain(sample, rows)):
        height = row_height(row, sized)
        if height:
            sheet.row_dimensions[header_row + 1 + row_index].height = height
        sheet.append(
            [
                _cell(sheet, value, row_formats.get((row_index, index), formats.get(index)), styles=styles)
                for index, value in enumerate(row)
            ]
        )


def new_workbook() -> Workbook:
    """A workbook written as a stream: memory stays flat however many rows it gets."""
    return Workbook(write_only=True)


def xlsx_response(filename: str, workbook: Workbook) -> Response:
    spool = _spool()
    workbook.save(spool)
    return _file_response(spool, filename, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
