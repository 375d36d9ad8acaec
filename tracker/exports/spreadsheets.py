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

NUMBER_FORMAT = "#,##0.##"
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = '0.00"%"'
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


def add_sheet(workbook: Workbook, title: str, header: list[str], rows: list[list], formats: dict[int, str] | None = None,
              widths: dict[int, int] | None = None) -> None:
    """A sheet with a bold header, wrapped text, and a number format per column (0-based)."""
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([safe_text(h) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    formats = formats or {}
    for row in rows:
        sheet.append([cell_value(v) for v in row])
        for index, cell in enumerate(sheet[sheet.max_row]):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if index in formats and isinstance(cell.value, (int, float)):
                cell.number_format = formats[index]
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
