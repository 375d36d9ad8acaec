"""Compiling the ward's periodic report from the units' accepted period reports.

`compile_report` gathers, for one reporting period: each task with its lead unit, status and what
the lead unit's accepted report says (results, difficulties, proposals); the count of tasks in each
status; the indicator table for the period's year; and which units did not report or reported
late. The DOCX, XLSX and printable page all render this one structure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit.services import Actor, record
from flask_babel import get_locale

from tracker.core.formatting import format_date, format_number, format_percent
from tracker.core.labels import label
from tracker.dashboard.queries import PlanSnapshot, plan_snapshot, status_counts
from tracker.extensions import db
from tracker.periods.models import ReportingPeriod
from tracker.plan.models import Plan, Task
from tracker.progress.status import STATUSES
from tracker.reports.models import STATUS_ACCEPTED, PeriodReport
from tracker.reports.queries import expected_reports
from tracker.reports.services import is_on_time
from tracker.targets.models import IndicatorValue
from tracker.targets.queries import entered_values, plan_indicators
from tracker.targets.services import actual_of, variance
from tracker.units.models import Unit
from tracker.ward_reports.models import NARRATIVE_SECTIONS, WardReport


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
    unit: Unit
    expected: int
    missing: list[Task]
    late: list[Task]


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


def report_title(period: ReportingPeriod, plan: Plan) -> str:
    """The report's subject line, as a Vietnamese administrative report names it."""
    span = f"{plan.start_year}-{plan.end_year}"
    if period.kind == "six_month":
        return _("Results of sustainable poverty reduction in the first 6 months of %(year)s", year=period.year)
    if period.kind == "annual":
        return _("Results of sustainable poverty reduction in %(year)s", year=period.year)
    if period.kind == "mid_term":
        return _("Mid-term review of the sustainable poverty reduction plan %(span)s", span=span)
    return _("Final review of the sustainable poverty reduction plan %(span)s", span=span)


def compile_report(plan: Plan, period: ReportingPeriod, today: date) -> CompiledReport:
    as_of = min(today, max(period.ward_deadline, period.unit_deadline))
    snapshot = plan_snapshot(plan, as_of)
    accepted = db.session.scalars(
        select(PeriodReport).where(PeriodReport.period_id == period.id, PeriodReport.status == STATUS_ACCEPTED)
    ).all()
    by_task: dict[int, list[PeriodReport]] = {}
    for report in accepted:
        by_task.setdefault(report.task_id, []).append(report)

    tasks = []
    for view in snapshot.leaves:
        primary_ids = {u.id for u in view.primary_units}
        # The lead unit's accepted report first, then any partner's.
        reports = sorted(by_task.get(view.task.id, []), key=lambda r: (r.unit_id not in primary_ids, r.unit_id))
        # The plan's lead units as it names them, the one that answers first.
        leads = [a.unit for a in view.node.leads]
        line = TaskLine(view.task, snapshot.section_of(view.task.id).task.code, leads, view.standing.status, view.percent)
        for report in reports:
            prefix = "" if report.unit_id in primary_ids else f"{report.unit.name}: "
            for attribute, bucket in (("results", line.results), ("difficulties", line.difficulties), ("proposals", line.proposals)):
                text = getattr(report, attribute)
                if text:
                    bucket.append(prefix + text)
        tasks.append(line)

    return CompiledReport(
        plan=plan, period=period, as_of=as_of, tasks=tasks,
        counts=status_counts(snapshot.leaves), indicators=_indicator_lines(plan, period), units=_unit_lines(plan, period, snapshot),
    )


def _indicator_lines(plan: Plan, period: ReportingPeriod) -> list[IndicatorLine]:
    indicators = plan_indicators(plan)
    by_code = {i.code: i for i in indicators}
    entered = dict(entered_values(plan))
    # The figures entered for this very period take precedence over the year's best figure.
    for value in db.session.scalars(select(IndicatorValue).where(IndicatorValue.period_id == period.id).options(selectinload(IndicatorValue.indicator))):
        entered[(value.indicator.code, period.year)] = (value, period.kind == "six_month")
    lines = []
    for indicator in indicators:
        if indicator.category in ("household_group",):
            continue
        target = next((t for t in indicator.targets if t.year == period.year), None)
        actual = actual_of(indicator.code, period.year, by_code, entered)
        if target is None and not actual.known and indicator.baseline_value is None:
            continue
        row = entered.get((indicator.code, period.year))
        lines.append(IndicatorLine(
            name=indicator.name, measure=indicator.measure, source_ref=indicator.source_ref,
            target=target.value if target else None, actual=actual.value,
            numerator=actual.numerator, denominator=actual.denominator,
            source=row[0].source if row else None,
        ))
    return lines


def _unit_lines(plan: Plan, period: ReportingPeriod, snapshot: PlanSnapshot) -> list[UnitLine]:
    reports = {
        (r.task_id, r.unit_id): r
        for r in db.session.scalars(select(PeriodReport).where(PeriodReport.period_id == period.id))
    }
    lines: dict[int, UnitLine] = {}
    for _period, task, unit_id in expected_reports(plan, [period]):
        line = lines.setdefault(unit_id, UnitLine(snapshot.units[unit_id], 0, [], []))
        line.expected += 1
        report = reports.get((task.id, unit_id))
        if report is None or report.first_submitted_at is None:
            line.missing.append(task)
        elif not is_on_time(report.first_submitted_at, period):
            line.late.append(task)
    return sorted(lines.values(), key=lambda line: (line.unit.sort_order, line.unit.id))


# --- the secretariat's draft ----------------------------------------------------------------


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


def unit_reporting_lines(compiled: CompiledReport) -> list[str]:
    """Section IV: which units did not report, or reported late, in the period."""
    lines = [
        _("- %(unit)s: %(missing)d of %(expected)d reports not sent (%(tasks)s).", unit=line.unit.name, missing=len(line.missing),
          expected=line.expected, tasks=", ".join(t.code for t in line.missing))
        for line in compiled.units_missing
    ] + [
        _("- %(unit)s: %(late)d reports sent late (%(tasks)s).", unit=line.unit.name, late=len(line.late), tasks=", ".join(t.code for t in line.late))
        for line in compiled.units_late
    ]
    return lines or [_("Every unit sent all its reports of the period on time.")]


def issuing_body_lines(plan: Plan) -> list[str]:
    """The issuing body as the header's left column writes it: "ỦY BAN NHÂN DÂN" / "PHƯỜNG BẮC KẠN"."""
    issuer = plan.issuer.upper().replace("UBND", "ỦY BAN NHÂN DÂN")
    for level in (" PHƯỜNG ", " XÃ ", " THỊ TRẤN "):
        body, found, place = issuer.partition(level)
        if found:
            return [body.strip(), (level + place).strip()]
    return [issuer]


def default_place(plan: Plan) -> str:
    name = plan.ward.name
    for prefix in ("Phường ", "Xã ", "Thị trấn "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def default_narrative(compiled: CompiledReport) -> dict[str, str]:
    counts = compiled.counts
    done = counts.get("done_on_time", 0) + counts.get("done_late", 0)
    situation = _(
        "The ward has carried out the plan's %(total)d tasks: %(done)d done, %(on_time)d in progress on time, "
        "%(overdue)d in progress but overdue, %(not_started)d not started.",
        total=compiled.total_tasks, done=done, on_time=counts.get("in_progress_on_time", 0),
        overdue=counts.get("in_progress_overdue", 0), not_started=counts.get("not_started", 0),
    )
    proposals = "\n".join(f"- {line.task.code}: {text}" for line in compiled.tasks for text in line.proposals)
    return {"situation": situation, "assessment": "", "next_tasks": "", "proposals": proposals}


def get_or_start(plan: Plan, period: ReportingPeriod, today: date, now: datetime) -> WardReport:
    report = db.session.scalar(select(WardReport).where(WardReport.period_id == period.id))
    if report is None:
        compiled = compile_report(plan, period, today)
        report = WardReport(
            period=period, number=None, report_date=today, place=default_place(plan), title=report_title(period, plan),
            narrative=default_narrative(compiled), recipients=default_recipients(plan), signature=dict(plan.signature or {}),
            created_at=now, updated_at=now,
        )
        db.session.add(report)
    return report


LEVELS = ("phường", "xã", "thị trấn")
PROVINCE_KINDS = ("tỉnh", "thành phố")


def _ward_level(plan: Plan) -> str:
    """"phường", "xã" or "thị trấn", as the ward's name (or else the plan's issuer) says; the
    ward's own name when neither does."""
    for text in (plan.ward.name, plan.issuer):
        words = text.lower()
        for level in LEVELS:
            if words.startswith(level + " ") or f" {level} " in f" {words} ":
                return level
    return plan.ward.name


def _province_authority(province: str) -> str:
    """"Tỉnh Thái Nguyên" -> "UBND tỉnh Thái Nguyên"."""
    province = province.strip()
    for kind in PROVINCE_KINDS:
        if province.lower().startswith(kind + " "):
            return f"UBND {kind} {province[len(kind) + 1:].strip()}"
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


def save_draft(actor: Actor, report: WardReport, number: str | None, report_date: date, title: str,
               narrative: dict[str, str], recipients: list[str], now: datetime) -> None:
    report.number = (number or "").strip() or None
    report.report_date = report_date
    report.title = title.strip()
    report.narrative = {key: (narrative.get(key) or "").strip() for key in NARRATIVE_SECTIONS}
    report.recipients = [r.strip() for r in recipients if r.strip()]
    report.updated_at, report.updated_by_id = now, actor.user_id
    record(actor, "ward_report.save", now, report, period=f"{report.period.kind} {report.period.year}")


def status_lines(compiled: CompiledReport) -> list[tuple[str, int]]:
    return [(label("task_status", status), compiled.counts.get(status, 0)) for status in STATUSES]


def indicator_value_text(line: IndicatorLine, value: Decimal | None) -> str:
    if value is None:
        return "—"
    return format_percent(value) if line.measure == "percent" else format_number(value)

