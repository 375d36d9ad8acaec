"""The ward's report as a workbook: the task table and the indicator table, with number formats
and cells that cannot run as formulas."""

from __future__ import annotations

from flask_babel import gettext as _

from tracker.core.formatting import format_date
from tracker.core.labels import label
from tracker.exports.spreadsheets import (
    DATE_FORMAT,
    INTEGER_FORMAT,
    NUMBER_FORMAT,
    PERCENT_FORMAT,
    add_sheet,
    new_workbook,
)
from tracker.periods.services import period_subject
from tracker.ward_reports.services import CompiledReport


def build_xlsx(compiled: CompiledReport):
    plan, period = compiled.plan, compiled.period
    heading = [
        plan.ward.name,
        plan.title,
        _("%(what)s, as of %(date)s", what=period_subject(period, plan), date=format_date(compiled.as_of)),
    ]
    workbook = new_workbook()
    add_sheet(
        workbook,
        _("Tasks"),
        [
            _("Code"),
            _("Task"),
            _("Lead unit"),
            _("Status"),
            _("Progress (%)"),
            _("Results"),
            _("Difficulties"),
            _("Proposals"),
        ],
        [
            [
                line.task.code,
                line.task.title,
                ", ".join(u.name for u in line.lead_units) or _("Not assigned"),
                label("task_status", line.status),
                line.percent,
                "\n".join(line.results),
                "\n".join(line.difficulties),
                "\n".join(line.proposals),
            ]
            for line in compiled.tasks
        ],
        formats={4: NUMBER_FORMAT},
        widths={0: 8, 1: 36, 2: 20, 3: 15, 4: 8, 5: 40, 6: 22, 7: 22},
        heading=heading,
    )
    add_sheet(
        workbook,
        _("Indicators"),
        [
            _("Indicator"),
            _("Unit of measure"),
            _("Planned"),
            _("Achieved"),
            _("Variance"),
            _("Reached"),
            _("Out of"),
            _("Source of the figure"),
        ],
        [
            [
                line.name,
                label("measure", line.measure),
                line.target,
                line.actual,
                line.variance,
                line.numerator,
                line.denominator,
                line.source,
            ]
            for line in compiled.indicators
        ],
        formats={2: NUMBER_FORMAT, 3: NUMBER_FORMAT, 4: NUMBER_FORMAT, 5: INTEGER_FORMAT, 6: INTEGER_FORMAT},
        # A rate's planned, achieved and variance figures read with a % sign.
        row_formats={
            (row, column): PERCENT_FORMAT
            for row, line in enumerate(compiled.indicators)
            if line.measure == "percent"
            for column in (2, 3, 4)
        },
        widths={0: 50, 1: 12, 2: 11, 3: 11, 4: 11, 5: 9, 6: 9, 7: 30},
        heading=heading,
    )
    add_sheet(
        workbook,
        _("Reporting by unit"),
        [_("Unit"), _("Tasks in the report"), _("Report"), _("First sent"), _("Days late")],
        [
            [
                line.unit.name,
                len(line.row.tasks),
                label("report_status", line.row.status),
                line.sent_on,
                line.row.days_late or None,
            ]
            for line in compiled.units
        ],
        formats={1: INTEGER_FORMAT, 3: DATE_FORMAT, 4: INTEGER_FORMAT},
        widths={0: 45, 1: 12, 2: 28, 3: 14, 4: 10},
        heading=heading,
    )
    return workbook
