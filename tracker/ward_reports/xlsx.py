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
    """The workbook: a sheet of tasks, one of indicators and one of the units' reports, each under
    the same heading (the ward, the plan, the period and the day)."""
    plan, period = compiled.plan, compiled.period
    heading = [
        plan.ward.name,
        plan.title,
        _("%(what)s, as of %(date)s", what=period_subject(period, plan), date=format_date(compiled.as_of)),
    ]
    workbook = new_workbook()
    _add_task_sheet(workbook, compiled, heading)
    _add_indicator_sheet(workbook, compiled, heading)
    _add_unit_sheet(workbook, compiled, heading)
    return workbook


def _add_task_sheet(workbook, compiled: CompiledReport, heading: list[str]) -> None:
    """Each task's lead, status, progress, and what the units reported on it."""
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


def _add_indicator_sheet(workbook, compiled: CompiledReport, heading: list[str]) -> None:
    """Each indicator's planned and achieved figures, and where the figure comes from."""
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


def _add_unit_sheet(workbook, compiled: CompiledReport, heading: list[str]) -> None:
    """Each unit's report for the period: how many tasks, its status, when it was sent, days late."""
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
