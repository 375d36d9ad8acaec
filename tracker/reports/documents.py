"""A unit's report as its own administrative document (DOCX), built from the same blocks as the
ward's report: the unit under the ward's people's committee, "Kính gửi: Ủy ban nhân dân phường
(qua ...)", a section for each task, the figures, the assessment, and a signature block for the
unit's head. The unit signs and sends it; nobody types the content twice."""

from __future__ import annotations

import io
from datetime import date

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt
from flask_babel import gettext as _

from tracker.core.docx import (
    closing_block,
    date_line,
    default_place,
    document_header,
    heading,
    new_document,
    paragraph,
    table,
    text_block,
    title_block,
    to_bytes,
)
from tracker.core.formatting import format_number
from tracker.core.labels import label
from tracker.core.time import ward_date
from tracker.periods.services import ReportingRound, period_subject
from tracker.reports.models import UnitReport


def round_subject(round_: ReportingRound, plan) -> str:
    """The trích yếu: "Kết quả ... năm 2028 và Sơ kết giữa kỳ ..." for a round of two periods."""
    subjects = [period_subject(p, plan) for p in round_.periods]
    if len(subjects) == 1:
        return subjects[0]
    return _("%(first)s and %(second)s", first=subjects[0], second=subjects[1][0].lower() + subjects[1][1:])


def addressee(plan) -> str:
    """ "Kính gửi: Ủy ban nhân dân phường Bắc Kạn (qua Phòng Xây dựng, Nông nghiệp và Môi trường)"."""
    ward = plan.ward.name
    body = _("The People's Committee of %(ward)s", ward=ward[0].lower() + ward[1:])
    if plan.secretariat_unit is not None:
        body = _("%(body)s (through %(unit)s)", body=body, unit=plan.secretariat_unit.name)
    return _("To: %(body)s.", body=body)


def file_name(report: UnitReport, round_: ReportingRound) -> str:
    period = round_.primary
    return f"bao-cao-{report.unit.code}-{period.kind.replace('_', '-')}-{period.year}.docx"


def _section_lines(section) -> list[str]:
    lines = []
    if section.percent is not None:
        state = f", {label('update_state', section.state).lower()}" if section.state else ""
        lines.append(_("- Progress: %(percent)s%%%(state)s.", percent=format_number(section.percent), state=state))
    for title, text in (
        (_("Results"), section.results),
        (_("Difficulties"), section.difficulties),
        (_("Proposals"), section.proposals),
    ):
        if text:
            lines.append(f"- {title}: {text}")
    return lines


def unit_report_docx(plan, report: UnitReport, round_: ReportingRound, figures, today: date) -> io.BytesIO:
    subject = round_subject(round_, plan)
    document = new_document(author=report.unit.name, title=subject, created=report.submitted_at or report.created_at)
    day = ward_date(report.submitted_at) if report.submitted_at else today
    document_header(
        document,
        [report.unit.name.upper()],
        _("No.: %(number)s", number="      /BC"),
        date_line(default_place(plan), day),
        superior=plan.issuer.upper(),
    )
    title_block(document, _("REPORT"), subject)
    paragraph(document, addressee(plan), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))

    number = 0
    number += 1
    heading(document, _("%(num)s. RESULTS BY TASK", num=_roman(number)))
    for index, section in enumerate(report.sections, start=1):
        paragraph(
            document, f"{index}. {section.task.title}", bold=True, align=WD_ALIGN_PARAGRAPH.JUSTIFY, keep_with_next=True
        )
        text_block(document, "\n".join(_section_lines(section)))

    if figures is not None and figures.indicators:
        number += 1
        heading(document, _("%(num)s. FIGURES", num=_roman(number)))
        rows = []
        for indicator in figures.indicators:
            value = figures.existing.get(indicator.id)
            if value is None:
                figure = "—"
            elif indicator.actual_rule == "fraction":
                figure = f"{format_number(value.numerator)}/{format_number(value.denominator)}"
            else:
                figure = format_number(value.value)
            rows.append([indicator.name, figure, value.source if value and value.source else ""])
        table(document, [_("Indicator"), _("Achieved"), _("Source of the figure")], rows, [Cm(8), Cm(3), Cm(5.5)])

    if round_.review_period is not None and report.review_part:
        number += 1
        heading(document, f"{_roman(number)}. {period_subject(round_.review_period, plan).upper()}")
        text_block(document, report.review_part)

    if report.assessment or report.proposals:
        number += 1
        heading(document, _("%(num)s. GENERAL ASSESSMENT AND PROPOSALS", num=_roman(number)))
        text_block(document, report.assessment or "")
        text_block(document, report.proposals or "")

    closing_block(document, [_("As above"), _("Archive: the unit")], {"title": _("HEAD OF THE UNIT")})
    return io.BytesIO(to_bytes(document))


def _roman(number: int) -> str:
    return ("I", "II", "III", "IV", "V", "VI")[number - 1]
