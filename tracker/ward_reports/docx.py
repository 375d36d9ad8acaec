"""The ward's report as a DOCX laid out as a Vietnamese administrative report (Nghị định
30/2020/NĐ-CP), from the building blocks in `tracker.core.docx`."""
from __future__ import annotations

import io

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from flask_babel import gettext as _

from tracker.core.docx import closing_block, document_header, new_document, paragraph, table, text_block
from tracker.core.formatting import format_date, format_number
from tracker.core.labels import label
from tracker.ward_reports.models import WardReport
from tracker.ward_reports.services import (
    CompiledReport,
    date_line,
    indicator_value_text,
    issuing_body_lines,
    status_lines,
    unit_reporting_lines,
)


def section_titles() -> tuple[str, ...]:
    """The report's numbered sections, in the reader's language (the printable page uses them too)."""
    return (
        _("I. IMPLEMENTATION"),
        _("II. RESULTS OF THE TASKS AND SOLUTIONS"),
        _("III. RESULTS AGAINST THE TARGETS"),
        _("IV. REPORTING BY THE UNITS"),
        _("V. GENERAL ASSESSMENT"),
        _("VI. MAIN TASKS FOR THE NEXT PERIOD"),
        _("VII. PROPOSALS AND RECOMMENDATIONS"),
    )


def build_docx(report: WardReport, compiled: CompiledReport) -> bytes:
    document = new_document()
    document_header(document, issuing_body_lines(compiled.plan), _("No.: %(number)s", number=report.number or "      /BC-UBND"),
                    date_line(report.place, report.report_date))
    titles = section_titles()
    paragraph(document, _("REPORT"), Pt(14), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(0)).paragraph_format.space_before = Pt(18)
    paragraph(document, report.title, Pt(14), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))

    narrative = report.narrative or {}
    paragraph(document, titles[0], bold=True)
    text_block(document, narrative.get("situation", ""))

    paragraph(document, titles[1], bold=True)
    paragraph(document, _("1. Status of the %(num)d tasks as of %(date)s", num=compiled.total_tasks, date=format_date(compiled.as_of)), bold=True)
    table(document, [_("Status"), _("Tasks")], [[name, count] for name, count in status_lines(compiled)], [Cm(10), Cm(4)])
    paragraph(document, _("2. Results of each task"), bold=True).paragraph_format.space_before = Pt(6)
    rows = []
    for number, line in enumerate(compiled.tasks, start=1):
        body = []
        if line.results:
            body.append(_("Results: %(text)s", text=" ".join(line.results)))
        if line.difficulties:
            body.append(_("Difficulties: %(text)s", text=" ".join(line.difficulties)))
        if line.proposals:
            body.append(_("Proposals: %(text)s", text=" ".join(line.proposals)))
        rows.append([
            number, f"{line.task.code}. {line.task.title}",
            ", ".join(u.name for u in line.lead_units) or _("Not assigned"),
            f"{label('task_status', line.status)} ({format_number(line.percent)}%)",
            "\n".join(body) or _("No accepted report yet"),
        ])
    table(document, [_("No."), _("Task"), _("Lead unit"), _("Status"), _("Results, difficulties, proposals")], rows,
           [Cm(1), Cm(4.5), Cm(3), Cm(2.7), Cm(5.3)])

    paragraph(document, titles[2], bold=True).paragraph_format.space_before = Pt(6)
    table(document, [_("Indicator"), _("Planned"), _("Achieved"), _("Variance"), _("Source of the figure")], [
        [line.name, indicator_value_text(line, line.target), indicator_value_text(line, line.actual),
         indicator_value_text(line, line.variance), line.source or ""]
        for line in compiled.indicators
    ], [Cm(6), Cm(2.3), Cm(2.3), Cm(2.3), Cm(3.6)])

    paragraph(document, titles[3], bold=True).paragraph_format.space_before = Pt(6)
    for text in unit_reporting_lines(compiled):
        paragraph(document, text, align=WD_ALIGN_PARAGRAPH.JUSTIFY, first_line_indent=Cm(1))

    for title, key in zip(titles[4:], ("assessment", "next_tasks", "proposals")):
        paragraph(document, title, bold=True)
        text_block(document, narrative.get(key, ""))

    closing_block(document, report.recipients or [], report.signature or {})
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
