"""Spreadsheet output that is safe to open: CSV with a BOM (so Excel reads Vietnamese), and
cells that cannot run as formulas."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

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


def safe_text(value: str) -> str:
    """Text a spreadsheet will show as text: a leading = + - @ (or tab, return) is neutralised
    with an apostrophe, so a cell typed by a user never becomes a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell_value(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return value.astimezone(WARD_TZ).replace(tzinfo=None) if value.tzinfo else value  # the ward's clock
    return value


def csv_response(filename: str, header: list[str], rows: list[list]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_text(h) for h in header])
    for row in rows:
        writer.writerow([_csv_value(v) for v in row])
    data = "\ufeff" + buffer.getvalue()  # the BOM tells Excel the file is UTF-8
    return Response(data.encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": _attachment(filename)})


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


def add_sheet(workbook: Workbook, title: str, header: list[str], rows: list[list],
              formats: dict[int, str | tuple[str, str]] | None = None, widths: dict[int, int] | None = None,
              row_formats: dict[tuple[int, int], str | tuple[str, str]] | None = None) -> None:
    """A sheet with a bold header, wrapped text, and a number format per column (0-based; a pair
    such as NUMBER_FORMAT is decided per cell, see number_format). `row_formats` overrides the
    column's format for one cell: (row index in `rows`, column index) -> format."""
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_text(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    formats, row_formats = formats or {}, row_formats or {}
    for row_index, row in enumerate(rows):
        sheet.append([cell_value(v) for v in row])
        for index, cell in enumerate(sheet[sheet.max_row]):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            format_ = row_formats.get((row_index, index), formats.get(index))
            if format_ is not None and isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                cell.number_format = number_format(cell.value, format_)
            elif isinstance(cell.value, datetime):
                cell.number_format = DATETIME_FORMAT
            elif isinstance(cell.value, date):
                cell.number_format = DATE_FORMAT
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
    for index, width in (widths or {}).items():
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    sheet.freeze_panes = "A2"


def new_workbook() -> Workbook:
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def xlsx_response(filename: str, workbook: Workbook) -> Response:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": _attachment(filename)})


def _attachment(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
