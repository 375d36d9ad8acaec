"""The data a plan file holds, and the errors found in reading one. Nothing here reads YAML or
touches the database."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

FORMAT_VERSION = 1

UNIT_CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
INDICATOR_CODE_RE = UNIT_CODE_RE
PLAN_CODE_RE = re.compile(r"^[A-Za-z0-9]+(?:[-_.][A-Za-z0-9]+)*$")
ROMAN_RE = re.compile(r"^(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$")
TASK_CODE_RE = re.compile(r"^([IVXLC]+)((?:\.[1-9][0-9]*)*)$")


# --- the data a plan file holds -------------------------------------------------------------


@dataclass
class WardData:
    code: str
    name: str
    province: str | None = None


@dataclass
class UnitData:
    code: str
    name: str
    aliases: list[str] = field(default_factory=list)
    group: bool = False
    members: list[str] = field(default_factory=list)
    note: str | None = None
    outside: bool = False  # outside UBND's own apparatus: UBND requests rather than assigns


@dataclass
class MilestoneData:
    title: str
    due: date


@dataclass
class TaskData:
    code: str
    title: str
    title_source: str = "source"
    text: str | None = None
    lead: list[str] = field(default_factory=list)
    lead_text: str | None = None
    partners: list[str] = field(default_factory=list)
    partners_text: str | None = None
    partners_report: bool = False
    weight: Decimal = Decimal(1)
    start: date | None = None
    due: date | None = None
    milestones: list[MilestoneData] = field(default_factory=list)
    children: list[TaskData] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class PeriodData:
    kind: str
    year: int
    starts_on: date
    ends_on: date
    ward_deadline: date
    unit_deadline: date | None = None  # None: ward_deadline - unit_deadline_days_before


@dataclass
class ReportingData:
    unit_deadline_days_before: int = 5
    # The unit through which the units send their reports ("qua Phòng ..."), by code.
    secretariat: str | None = None
    periods: list[PeriodData] = field(default_factory=list)


@dataclass
class StandardData:
    year: int
    rural_income: int
    urban_income: int
    legal_basis: str | None = None


@dataclass
class TargetData:
    year: int
    value: Decimal | None = None
    text: str | None = None


@dataclass
class IndicatorData:
    code: str
    name: str
    category: str
    measure: str
    source_ref: str | None = None
    baseline_year: int | None = None
    baseline_value: Decimal | None = None
    reporting_unit: str | None = None
    unit_cost: Decimal | None = None
    in_cost_estimate: bool = False
    note: str | None = None
    targets: list[TargetData] = field(default_factory=list)
    actual_rule: str = "value"
    actual_from: list[str] = field(default_factory=list)


@dataclass
class RoadmapData:
    unit_label: str | None = None
    households_indicator: str | None = None
    support_indicators: list[str] = field(default_factory=list)
    cost_indicator: str | None = None
    stated_totals: dict[str, Decimal] = field(default_factory=dict)
    cost_notes: str | None = None


@dataclass
class NarrativeData:
    code: str
    title: str
    text: str


@dataclass
class SignatureData:
    on_behalf: str | None = None
    authority: str | None = None
    title: str | None = None
    name: str | None = None


@dataclass
class PlanData:
    code: str
    title: str
    issuer: str
    start_year: int
    end_year: int
    parent: str | None = None
    legal_bases: str | None = None
    introduction: str | None = None
    narrative: list[NarrativeData] = field(default_factory=list)
    closing: str | None = None
    recipients: list[str] = field(default_factory=list)
    signature: SignatureData = field(default_factory=SignatureData)
    poverty_standards: list[StandardData] = field(default_factory=list)
    reporting: ReportingData = field(default_factory=ReportingData)
    indicators: list[IndicatorData] = field(default_factory=list)
    roadmap: RoadmapData = field(default_factory=RoadmapData)
    tasks: list[TaskData] = field(default_factory=list)

    def all_tasks(self):
        for task in self.tasks:
            yield from task.walk()


@dataclass
class PlanFile:
    ward: WardData
    units: list[UnitData]
    plan: PlanData
    format_version: int = FORMAT_VERSION


# --- errors ---------------------------------------------------------------------------------


@dataclass
class PlanFileProblem:
    line: int | None
    message: str


class PlanFileInvalid(Exception):
    """The file cannot be loaded; `problems` lists every reason, each with its line."""

    def __init__(self, source: str, problems: list[PlanFileProblem]):
        self.source = source
        self.problems = problems
        super().__init__(self.report())

    def report(self) -> str:
        lines = []
        for problem in self.problems:
            where = f"{self.source}:{problem.line}" if problem.line else self.source
            lines.append(f"{where}: {problem.message}")
        return "\n".join(lines)
