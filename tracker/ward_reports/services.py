"""Compiling the ward's periodic report from the units' accepted period reports.

`compile_report` gathers, for one reporting period: each task with its lead unit, status and what
the units' accepted reports say of it (results, difficulties, proposals: the lead unit's section
first); the count of tasks in each status; the indicator table for the period's year; and which
units did not send their report of the period, or sent it late. The DOCX, XLSX and printable page all render this one structure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.core.docx import date_line, default_place, issuing_body_lines, vietnamese_date_line  # noqa: F401
from tracker.core.formatting import format_date, format_number, format_percent
from tracker.core.labels import label
from tracker.core.time import ward_date
from tracker.extensions import db
from tracker.periods.models import SIX_MONTH, ReportingPeriod
from tracker.periods.queries import plan_periods
from tracker.periods.services import period_subject as report_title
from tracker.periods.services import round_of
from tracker.plan.models import Plan, Task
from tracker.progress import status as rules
from tracker.progress.status import STATUSES
from tracker.reports.models import STATUS_ACCEPTED, UnitReportSection
from tracker.reports.queries import ReportRow, round_report_rows
from tracker.standing.queries import plan_snapshot, status_counts
from tracker.targets.models import IndicatorValue
from tracker.targets.queries import entered_values, plan_indicators
from tracker.targets.services import actual_of, variance
from tracker.units.models import Unit
from tracker.ward_reports.models import NARRATIVE_SECTIONS, SIGNATURE_FIELDS, WardReport


@dataclass
class TaskLine:
    task: Task
    section_code: str
    lead_units: list[Unit]
    status: str
    percent: Decimal
    results: list[str] = field(default_factory=list)
    difficulties: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        return bool(self.results or self.difficulties or self.proposals)


@dataclass
class IndicatorLine:
    name: str
    measure: str
    source_ref: str | None
    target: Decimal | None
    actual: Decimal | None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    source: str | None = None

    @property
    def variance(self) -> Decimal | None:
        return variance(self.actual, self.target)


@dataclass
class UnitLine:
    """One unit's report of the period, as the ward's report accounts for it."""

    row: ReportRow

    @property
    def unit(self) -> Unit:
        return self.row.unit

    @property
    def missing(self) -> bool:
        return not self.row.sent

    @property
    def late(self) -> bool:
        return self.row.sent and not self.row.on_time

    @property
    def sent_on(self) -> date | None:
        return ward_date(self.row.report.first_submitted_at) if self.row.sent else None


ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")


@dataclass(frozen=True)
class Section:
    """One numbered section of the ward's report, as the document and the printable page show it."""

    number: str  # "I", "II", ...
    key: str  # situation, tasks, indicators, units, assessment, next_tasks, proposals
    title: str

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.title}"


def section_title(key: str) -> str:
    return {
        "situation": _("IMPLEMENTATION"),
        "tasks": _("RESULTS OF THE TASKS AND SOLUTIONS"),
        "indicators": _("RESULTS AGAINST THE TARGETS"),
        "units": _("REPORTING BY THE UNITS"),
        "assessment": _("GENERAL ASSESSMENT"),
        "next_tasks": _("MAIN TASKS FOR THE NEXT PERIOD"),
        "proposals": _("PROPOSALS AND RECOMMENDATIONS"),
    }[key]


@dataclass
class CompiledReport:
    plan: Plan
    period: ReportingPeriod
    as_of: date
    tasks: list[TaskLine]
    counts: dict[str, int]
    indicators: list[IndicatorLine]
    units: list[UnitLine]

    @property
    def total_tasks(self) -> int:
        return sum(self.counts.values())

    @property
    def units_missing(self) -> list[UnitLine]:
        return [u for u in self.units if u.missing]

    @property
    def units_late(self) -> list[UnitLine]:
        return [u for u in self.units if u.late]

    @property
    def reported(self) -> list[TaskLine]:
        """The tasks the units' accepted reports speak of: the task table lists these."""
        return [line for line in self.tasks if line.reported]

    @property
    def unreported(self) -> list[TaskLine]:
        return [line for line in self.tasks if not line.reported]


def sections(report, compiled: CompiledReport) -> list[Section]:
    """The report's sections, numbered in order, leaving out those with nothing to say (an empty
    narrative section has no heading)."""
    narrative = report.narrative or {}
    present = []
    for key in ("situation", "tasks", "indicators", "units", "assessment", "next_tasks", "proposals"):
        if key in NARRATIVE_SECTIONS and not (narrative.get(key) or "").strip():
            continue
        if key == "indicators" and not compiled.indicators:
            continue
        present.append(key)
    return [Section(ROMAN[index], key, section_title(key)) for index, key in enumerate(present)]


def unreported_line(compiled: CompiledReport) -> str | None:
    """One line for all the tasks no accepted report speaks of yet, instead of one line each."""
    count = len(compiled.unreported)
    if not count:
        return None
    if not compiled.reported:
        return _(
            "No unit's report of the period has been accepted yet: the %(num)d tasks are listed by status above.",
            num=count,
        )
    return ngettext(
        "%(num)d more task has no accepted report of its lead unit yet.",
        "%(num)d more tasks have no accepted report of their lead units yet.",
        count,
    )


def compile_report(plan: Plan, period: ReportingPeriod, today: date) -> CompiledReport:
    as_of = min(today, max(period.ward_deadline, period.unit_deadline))
    snapshot = plan_snapshot(plan, as_of)
    round_ = round_of(plan_periods(plan), period)
    rows = round_report_rows(plan, round_, today)
    sections: dict[int, list[tuple[Unit, UnitReportSection]]] = {}
    for row in rows:
        if row.report is not None and row.report.status == STATUS_ACCEPTED:
            for section in row.report.sections:
                sections.setdefault(section.task_id, []).append((row.unit, section))

    tasks = []
    for view in snapshot.leaves:
        primary_ids = {u.id for u in view.primary_units}
        # The lead unit's accepted section first, then any partner's.
        found = sorted(
            sections.get(view.task.id, []),
            key=lambda pair: (pair[0].id not in primary_ids, pair[0].sort_order, pair[0].id),
        )
        # The plan's lead units as it names them, the one that answers first.
        leads = [a.unit for a in view.node.leads]
        line = TaskLine(
            view.task, snapshot.section_of(view.task.id).task.code, leads, view.standing.status, view.percent
        )
        for unit, section in found:
            prefix = "" if unit.id in primary_ids else f"{unit.name}: "
            for attribute, bucket in (
                ("results", line.results),
                ("difficulties", line.difficulties),
                ("proposals", line.proposals),
            ):
                text = getattr(section, attribute)
                if text:
                    bucket.append(prefix + text)
        tasks.append(line)

    return CompiledReport(
        plan=plan,
        period=period,
        as_of=as_of,
        tasks=tasks,
        counts=status_counts(snapshot.leaves),
        indicators=_indicator_lines(plan, period),
        units=[UnitLine(row) for row in rows],
    )


def _indicator_lines(plan: Plan, period: ReportingPeriod) -> list[IndicatorLine]:
    indicators = plan_indicators(plan)
    by_code = {i.code: i for i in indicators}
    entered = dict(entered_values(plan))
    # The figures entered for this very period take precedence over the year's best figure.
    for value in db.session.scalars(
        select(IndicatorValue)
        .where(IndicatorValue.period_id == period.id)
        .options(selectinload(IndicatorValue.indicator))
    ):
        entered[(value.indicator.code, period.year)] = (value, period.kind == SIX_MONTH)
    lines = []
    for indicator in indicators:
        if indicator.category in ("household_group",):
            continue
        target = next((t for t in indicator.targets if t.year == period.year), None)
        actual = actual_of(indicator.code, period.year, by_code, entered)
        if target is None and not actual.known and indicator.baseline_value is None:
            continue
        row = entered.get((indicator.code, period.year))
        lines.append(
            IndicatorLine(
                name=indicator.name,
                measure=indicator.measure,
                source_ref=indicator.source_ref,
                target=target.value if target else None,
                actual=actual.value,
                numerator=actual.numerator,
                denominator=actual.denominator,
                source=row[0].source if row else None,
            )
        )
    return lines


# --- the secretariat's draft ----------------------------------------------------------------


def unit_reporting_lines(compiled: CompiledReport) -> list[str]:
    """Section IV: which units did not send their report of the period, or sent it late; one line
    each, the units named in the plan's order."""
    lines = []
    if compiled.units_missing:
        deadline = compiled.units_missing[0].row.round.unit_deadline
        lines.append(
            _(
                "- Not sent (due %(date)s): %(units)s.",
                date=format_date(deadline),
                units=", ".join(line.unit.name for line in compiled.units_missing),
            )
        )
    if compiled.units_late:
        late = [
            _("%(unit)s (on %(date)s)", unit=line.unit.name, date=format_date(line.sent_on))
            for line in compiled.units_late
        ]
        lines.append(_("- Sent late: %(units)s.", units=", ".join(late)))
    return lines or [_("Every unit sent its report of the period on time.")]


def default_narrative(compiled: CompiledReport) -> dict[str, str]:
    counts = compiled.counts
    done = sum(counts.get(status, 0) for status in rules.DONE_STATUSES)
    situation = _(
        "The ward has carried out the plan's %(total)d tasks: %(done)d done, %(on_time)d in progress on time, "
        "%(overdue)d in progress but overdue, %(not_started)d not started.",
        total=compiled.total_tasks,
        done=done,
        on_time=counts.get(rules.IN_PROGRESS_ON_TIME, 0),
        overdue=counts.get(rules.IN_PROGRESS_OVERDUE, 0),
        not_started=counts.get(rules.NOT_STARTED, 0),
    )
    # In words a reader expects: who proposes what, never an internal task code.
    proposals = "\n".join(
        f"- {', '.join(u.name for u in line.lead_units)}: {text}" if line.lead_units else f"- {text}"
        for line in compiled.tasks
        for text in line.proposals
    )
    return {"situation": situation, "assessment": "", "next_tasks": "", "proposals": proposals}


def get_or_start(plan: Plan, period: ReportingPeriod, today: date, now: datetime) -> WardReport:
    report = db.session.scalar(select(WardReport).where(WardReport.period_id == period.id))
    if report is None:
        compiled = compile_report(plan, period, today)
        report = WardReport(
            period=period,
            number=None,
            report_date=today,
            place=default_place(plan),
            title=report_title(period, plan),
            narrative=default_narrative(compiled),
            recipients=default_recipients(plan),
            signature=dict(plan.signature or {}),
            created_at=now,
            updated_at=now,
        )
        db.session.add(report)
    return report


LEVELS = ("phường", "xã", "thị trấn")
PROVINCE_KINDS = ("tỉnh", "thành phố")


def _ward_level(plan: Plan) -> str:
    """ "phường", "xã" or "thị trấn", as the ward's name (or else the plan's issuer) says; the
    ward's own name when neither does."""
    for text in (plan.ward.name, plan.issuer):
        words = text.lower()
        for level in LEVELS:
            if words.startswith(level + " ") or f" {level} " in f" {words} ":
                return level
    return plan.ward.name


def _province_authority(province: str) -> str:
    """ "Tỉnh Thái Nguyên" -> "UBND tỉnh Thái Nguyên"."""
    province = province.strip()
    for kind in PROVINCE_KINDS:
        if province.lower().startswith(kind + " "):
            return f"UBND {kind} {province[len(kind) + 1 :].strip()}"
    return f"UBND {province}"


def default_recipients(plan: Plan) -> list[str]:
    """The draft's "Nơi nhận", from the ward's own records: the province's people's committee (to
    report to, when the ward's province is known), the ward's Party committee and council, its
    leaders and the steering committee, and the plan's own archive line ("Lưu: ...")."""
    level = _ward_level(plan)
    lines = [f"{_province_authority(plan.ward.province)} (b/c)"] if (plan.ward.province or "").strip() else []
    lines += [f"TT Đảng ủy, HĐND {level} (b/c)", f"Lãnh đạo UBND {level}", f"Các thành viên BCĐ {level}"]
    archive = next((r.strip() for r in plan.recipients or [] if r.strip().lower().startswith("lưu")), "Lưu: VT")
    return lines + [archive]


def save_draft(
    actor: Actor,
    report: WardReport,
    number: str | None,
    report_date: date,
    title: str,
    narrative: dict[str, str],
    recipients: list[str],
    now: datetime,
    signature: dict[str, str] | None = None,
) -> None:
    report.number = (number or "").strip() or None
    report.report_date = report_date
    report.title = title.strip()
    report.narrative = {key: (narrative.get(key) or "").strip() for key in NARRATIVE_SECTIONS}
    report.recipients = [r.strip() for r in recipients if r.strip()]
    if signature is not None:
        report.signature = {
            key: (signature.get(key) or "").strip() for key in SIGNATURE_FIELDS if (signature.get(key) or "").strip()
        }
    report.updated_at, report.updated_by_id = now, actor.user_id
    record(actor, "ward_report.save", now, report, period=f"{report.period.kind} {report.period.year}")


def status_lines(compiled: CompiledReport) -> list[tuple[str, int]]:
    return [(label("task_status", status), compiled.counts.get(status, 0)) for status in STATUSES]


def indicator_value_text(line: IndicatorLine, value: Decimal | None) -> str:
    if value is None:
        return "—"
    return format_percent(value) if line.measure == "percent" else format_number(value)
