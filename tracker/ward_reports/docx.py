"""The ward's report as a DOCX a secretary signs as it is (Nghị định 30/2020/NĐ-CP, Phụ lục I),
from the building blocks in `tracker.core.docx`: only what the records say, statuses in words, one
line for the tasks no accepted report speaks of, no section heading without content."""

from __future__ import annotations

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from flask_babel import gettext as _

from tracker.core.docx import (
    TEXT_WIDTH,
    closing_block,
    document_header,
    heading,
    new_document,
    paragraph,
    table,
    text_block,
    title_block,
    to_bytes,
)
from tracker.core.formatting import format_date
from tracker.core.labels import label
from tracker.ward_reports.models import WardReport
from tracker.ward_reports.services import (
    CompiledReport,
    date_line,
    indicator_value_text,
    issuing_body_lines,
    sections,
    status_lines,
    unit_reporting_lines,
    unreported_line,
)

CENTER, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT


def task_body(line) -> str:
    body = []
    if line.results:
        body.append(_("Results: %(text)s", text=" ".join(line.results)))
    if line.difficulties:
        body.append(_("Difficulties: %(text)s", text=" ".join(line.difficulties)))
    if line.proposals:
        body.append(_("Proposals: %(text)s", text=" ".join(line.proposals)))
    return "\n".join(body)


def build_docx(report: WardReport, compiled: CompiledReport) -> bytes:
    plan = compiled.plan
    document = new_document(author=plan.issuer, title=report.title, created=report.updated_at)
    document_header(
        document,
        issuing_body_lines(plan),
        _("No.: %(number)s", number=report.number or "      /BC-UBND"),
        date_line(report.place, report.report_date),
    )
    title_block(document, _("REPORT"), report.title)
    narrative = report.narrative or {}
    for section in sections(report, compiled):
        heading(document, section.heading)
        if section.key in ("situation", "assessment", "next_tasks", "proposals"):
            text_block(document, narrative.get(section.key, ""))
        elif section.key == "tasks":
            _tasks(document, compiled)
        elif section.key == "indicators":
            _indicators(document, compiled)
        elif section.key == "units":
            for text in unit_reporting_lines(compiled):
                paragraph(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_indent=Cm(1))
    closing_block(document, report.recipients or [], report.signature or {})
    return to_bytes(document)


def _tasks(document, compiled: CompiledReport) -> None:
    heading(
        document,
        _("1. Status of the %(num)d tasks as of %(date)s", num=compiled.total_tasks, date=format_date(compiled.as_of)),
        space_before=Pt(0),
    )
    table(
        document,
        [_("Status"), _("Tasks")],
        [[name, count] for name, count in status_lines(compiled)],
        [Cm(12.5), Cm(4)],
        aligns={1: RIGHT},
    )
    heading(document, _("2. Results of each task"))
    if compiled.reported:
        rows = [
            [
                number,
                line.task.title,
                ", ".join(u.name for u in line.lead_units) or _("Not assigned"),
                label("task_status", line.status),
                task_body(line),
            ]
            for number, line in enumerate(compiled.reported, start=1)
        ]
        table(
            document,
            [_("No."), _("Task"), _("Lead unit"), _("Status"), _("Results, difficulties, proposals")],
            rows,
            [Cm(1), Cm(4.6), Cm(3), Cm(2.6), Cm(5.3)],
            aligns={0: CENTER},
        )
    line = unreported_line(compiled)
    if line:
        paragraph(document, line, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_indent=Cm(1), space_before=Cm(0.2))


def _indicators(document, compiled: CompiledReport) -> None:
    rows = [
        [
            line.name,
            label("measure", line.measure),
            indicator_value_text(line, line.target),
            indicator_value_text(line, line.actual),
            indicator_value_text(line, line.variance),
            line.source or "",
        ]
        for line in compiled.indicators
    ]
    widths = [Cm(5.2), Cm(1.9), Cm(1.9), Cm(1.9), Cm(1.9), None]
    widths[-1] = TEXT_WIDTH - sum(widths[:-1])
    table(
        document,
        [_("Indicator"), _("Unit of measure"), _("Planned"), _("Achieved"), _("Variance"), _("Source of the figure")],
        rows,
        widths,
        aligns={2: RIGHT, 3: RIGHT, 4: RIGHT},
    )
