"""Reading a plan file and validating it completely.

`read_plan_file` walks the YAML node tree (not the constructed objects) so that every error can
name the line it is on. It collects every error it finds, then raises `PlanFileInvalid` with all of
them; nothing here touches the database. `tracker.planfile.writer` writes the same format back, so that
load → export → load is lossless. The format is documented in README.md ("The plan file format").
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import yaml
from flask_babel import gettext as _

from tracker.periods.models import PERIOD_KINDS
from tracker.periods.services import unit_deadline_for
from tracker.planfile.fields import YamlFields
from tracker.planfile.schema import (
    FORMAT_VERSION,
    INDICATOR_CODE_RE,
    PLAN_CODE_RE,
    ROMAN_RE,
    TASK_CODE_RE,
    UNIT_CODE_RE,
    IndicatorData,
    MilestoneData,
    NarrativeData,
    PeriodData,
    PlanData,
    PlanFile,
    PlanFileInvalid,
    PlanFileProblem,
    ReportingData,
    RoadmapData,
    SignatureData,
    StandardData,
    TargetData,
    TaskData,
    UnitData,
    WardData,
)
from tracker.targets.models import INDICATOR_CATEGORIES, MEASURES

# --- reading --------------------------------------------------------------------------------


def read_plan_file(path: str | Path) -> PlanFile:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PlanFileInvalid(
            str(path), [PlanFileProblem(None, _("cannot read the file: %(reason)s", reason=exc.strerror))]
        ) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PlanFileInvalid(str(path), [PlanFileProblem(None, _("the file is not UTF-8 text"))]) from None
    return read_plan_text(text, str(path))


def read_plan_text(text: str, source: str = "<plan>") -> PlanFile:
    # One way to write Vietnamese: a file saved in decomposed Unicode (NFD) reads as the same plan,
    # so names and codes match what is stored and nothing looks changed. Line numbers stay the same.
    text = unicodedata.normalize("NFC", text)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise PlanFileInvalid(
            source, [PlanFileProblem(line, _("YAML syntax error: %(problem)s", problem=problem))]
        ) from None
    reader = _Reader()
    result = reader.plan_file(root)
    if reader.problems:
        raise PlanFileInvalid(source, sorted(reader.problems, key=lambda p: p.line or 0))
    return result


class _Reader(YamlFields):
    """The plan file's structure: which mappings hold which fields, and the rules between them."""

    def plan_file(self, root) -> PlanFile | None:
        if root is None:
            self.problems.append(PlanFileProblem(1, _("the file is empty")))
            return None
        fields = self.mapping(root, _("the file"), required=("ward", "units", "plan"), optional=("format_version",))
        if fields is None:
            return None
        version = self.integer(fields, "format_version", _("format_version"))
        if version is not None and version != FORMAT_VERSION:
            self.error(
                fields["format_version"],
                _(
                    "format_version %(found)s is not supported (this version reads %(supported)s)",
                    found=version,
                    supported=FORMAT_VERSION,
                ),
            )
        ward = self.ward(fields.get("ward")) if "ward" in fields else None
        units = self.units(fields.get("units")) if "units" in fields else []
        self.unit_codes = {unit.code for unit in units}
        plan = self.plan(fields.get("plan")) if "plan" in fields else None
        return PlanFile(ward=ward, units=units, plan=plan)

    def ward(self, node) -> WardData | None:
        what = _("the ward")
        fields = self.mapping(node, what, required=("code", "name"), optional=("province",))
        if fields is None:
            return None
        return WardData(
            code=self.code(fields, "code", _("ward code"), UNIT_CODE_RE, "bac-kan"),
            name=self.text(fields, "name", _("ward name")),
            province=self.text(fields, "province", _("province")),
        )

    def units(self, node) -> list[UnitData]:
        units, seen, member_nodes = [], {}, {}
        for item in self.sequence(node, _("units")):
            fields = self.mapping(
                item,
                _("a unit"),
                required=("code", "name"),
                optional=("aliases", "group", "members", "note", "outside"),
            )
            if fields is None:
                continue
            code = self.code(fields, "code", _("unit code"), UNIT_CODE_RE, "phong-vh-xh")
            if code in seen:
                self.error(
                    fields["code"],
                    _('unit code "%(code)s" is used twice (first on line %(line)d)', code=code, line=seen[code]),
                )
                continue
            unit = UnitData(
                code=code,
                name=self.text(fields, "name", _("unit name")),
                aliases=self.text_list(fields, "aliases", _("aliases")),
                group=self.boolean(fields, "group", _("group")),
                note=self.text(fields, "note", _("note")),
                outside=self.boolean(fields, "outside", _("outside")),
            )
            if code:
                seen[code] = fields["code"].start_mark.line + 1
            member_nodes[code] = [
                m
                for m in self.sequence(fields.get("members"), _("members"))
                if self.scalar(m, _("a member")) is not None
            ]
            if member_nodes[code] and not unit.group:
                self.error(
                    fields["members"],
                    _('unit "%(code)s" has members but is not a group (add "group: true")', code=code),
                )
            unit.members = [m.value for m in member_nodes[code]]
            units.append(unit)
        for unit in units:
            for member in member_nodes.get(unit.code, []):
                if member.value not in seen:
                    self.error(
                        member,
                        _('unknown unit "%(code)s" in the members of "%(group)s"', code=member.value, group=unit.code),
                    )
                elif member.value == unit.code:
                    self.error(member, _('unit group "%(code)s" lists itself as a member', code=unit.code))
        self._check_group_cycles(units, member_nodes)
        return units

    def _check_group_cycles(self, units: list[UnitData], member_nodes: dict) -> None:
        graph = {unit.code: [m for m in unit.members if m != unit.code] for unit in units}
        state: dict[str, str] = {}
        reported: set[frozenset] = set()

        def visit(code: str, path: list[str]) -> None:
            state[code] = "active"
            for member in graph.get(code, []):
                if state.get(member) == "active":
                    cycle = path[path.index(member) :] + [member]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        node = next(n for n in member_nodes[code] if n.value == member)
                        self.error(node, _("unit groups form a cycle: %(cycle)s", cycle=" → ".join(cycle)))
                elif member in graph and member not in state:
                    visit(member, path + [member])
            state[code] = "done"

        for code in graph:
            if code not in state:
                visit(code, [code])

    def unit_ref(self, node, what: str) -> str | None:
        if self.scalar(node, what) is None:
            return None
        code = node.value.strip()
        if code not in self.unit_codes:
            self.error(
                node,
                _('unknown unit "%(code)s" in %(what)s (it is not in the file\'s list of units)', code=code, what=what),
            )
            return None
        return code

    def plan(self, node) -> PlanData | None:
        """The plan: its heading, then its narrative, signature, poverty standards, reporting,
        indicators, roadmap and tasks, in that order."""
        fields = self.mapping(
            node,
            _("the plan"),
            required=("code", "title", "issuer", "start_year", "end_year"),
            optional=(
                "parent",
                "legal_bases",
                "introduction",
                "narrative",
                "closing",
                "recipients",
                "signature",
                "poverty_standards",
                "reporting",
                "indicators",
                "roadmap",
                "tasks",
            ),
        )
        if fields is None:
            return None
        plan = self._plan_heading(fields)
        plan.narrative = self.narrative(fields.get("narrative"))
        self._plan_signature(plan, fields)
        plan.poverty_standards = self.standards(fields.get("poverty_standards"))
        if "reporting" in fields:
            plan.reporting = self.reporting(fields["reporting"])
        plan.indicators = self.indicators(fields.get("indicators"))
        if "roadmap" in fields:
            plan.roadmap = self.roadmap(fields["roadmap"], {i.code for i in plan.indicators})
        self.task_lines: dict[str, int] = {}
        plan.tasks = [
            t for t in (self.task(item, None) for item in self.sequence(fields.get("tasks"), _("tasks"))) if t
        ]
        return plan

    def _plan_heading(self, fields: dict) -> PlanData:
        """The plan's own fields (code, title, years, parent, texts), with the checks between them."""
        plan = PlanData(
            code=self.code(fields, "code", _("plan code"), PLAN_CODE_RE, "KH-GNBV-2026-2030"),
            title=self.text(fields, "title", _("plan title")),
            issuer=self.text(fields, "issuer", _("issuer")),
            start_year=self.integer(fields, "start_year", _("start_year")),
            end_year=self.integer(fields, "end_year", _("end_year")),
            parent=self.text(fields, "parent", _("parent plan")),
            legal_bases=self.text(fields, "legal_bases", _("legal_bases")),
            introduction=self.text(fields, "introduction", _("introduction")),
            closing=self.text(fields, "closing", _("closing")),
            recipients=self.text_list(fields, "recipients", _("recipients")),
        )
        if plan.start_year and plan.end_year and plan.start_year > plan.end_year:
            self.error(
                fields["end_year"],
                _("end_year %(end)s is before start_year %(start)s", end=plan.end_year, start=plan.start_year),
            )
        if plan.parent and plan.parent == plan.code:
            self.error(fields["parent"], _('plan "%(code)s" cannot be its own parent: that is a cycle', code=plan.code))
        return plan

    def _plan_signature(self, plan: PlanData, fields: dict) -> None:
        """The signature block, when the plan file gives one."""
        if "signature" in fields and not self.is_null(fields["signature"]):
            sig = self.mapping(
                fields["signature"], _("signature"), optional=("on_behalf", "authority", "title", "name")
            )
            if sig is not None:
                plan.signature = SignatureData(
                    **{key: self.text(sig, key, key) for key in ("on_behalf", "authority", "title", "name")}
                )

    def narrative(self, node) -> list[NarrativeData]:
        sections, seen = [], set()
        for item in self.sequence(node, _("narrative")):
            fields = self.mapping(item, _("a narrative section"), required=("code", "title", "text"))
            if fields is None:
                continue
            code = self.text(fields, "code", _("section code"))
            if code in seen:
                self.error(fields["code"], _('narrative section "%(code)s" appears twice', code=code))
            seen.add(code)
            sections.append(
                NarrativeData(
                    code=code, title=self.text(fields, "title", _("title")), text=self.text(fields, "text", _("text"))
                )
            )
        return sections

    def standards(self, node) -> list[StandardData]:
        standards, seen = [], set()
        for item in self.sequence(node, _("poverty_standards")):
            fields = self.mapping(
                item,
                _("a poverty standard"),
                required=("year", "rural_income", "urban_income"),
                optional=("legal_basis",),
            )
            if fields is None:
                continue
            year = self.integer(fields, "year", _("year"))
            if year in seen:
                self.error(fields["year"], _("the poverty standard for %(year)s appears twice", year=year))
            seen.add(year)
            standards.append(
                StandardData(
                    year=year,
                    rural_income=self.integer(fields, "rural_income", _("rural_income")),
                    urban_income=self.integer(fields, "urban_income", _("urban_income")),
                    legal_basis=self.text(fields, "legal_basis", _("legal_basis")),
                )
            )
        return standards

    def reporting(self, node) -> ReportingData:
        fields = self.mapping(node, _("reporting"), optional=("unit_deadline_days_before", "secretariat", "periods"))
        if fields is None:
            return ReportingData()
        days = self.integer(fields, "unit_deadline_days_before", _("unit_deadline_days_before"))
        if days is not None and days < 0:
            self.error(fields["unit_deadline_days_before"], _("unit_deadline_days_before cannot be negative"))
        reporting = ReportingData(unit_deadline_days_before=days if days is not None else 5)
        if not self.is_null(fields.get("secretariat")):
            reporting.secretariat = self.unit_ref(fields["secretariat"], _("secretariat"))
        seen = {}
        for item in self.sequence(fields.get("periods"), _("periods")):
            period_fields = self.mapping(
                item,
                _("a reporting period"),
                required=("kind", "year", "starts_on", "ends_on", "ward_deadline"),
                optional=("unit_deadline",),
            )
            if period_fields is None:
                continue
            kind = self.text(period_fields, "kind", _("kind"))
            if kind is not None and kind not in PERIOD_KINDS:
                self.error(
                    period_fields["kind"],
                    _(
                        '"%(kind)s" is not a reporting period kind (use one of: %(kinds)s)',
                        kind=kind,
                        kinds=", ".join(PERIOD_KINDS),
                    ),
                )
            period = PeriodData(
                kind=kind,
                year=self.integer(period_fields, "year", _("year")),
                starts_on=self.date(period_fields, "starts_on", "starts_on"),
                ends_on=self.date(period_fields, "ends_on", "ends_on"),
                ward_deadline=self.date(period_fields, "ward_deadline", "ward_deadline"),
                unit_deadline=self.date(period_fields, "unit_deadline", "unit_deadline"),
            )
            key = (period.kind, period.year)
            if key in seen:
                self.error(
                    item,
                    _(
                        "the %(kind)s period of %(year)s appears twice (first on line %(line)d)",
                        kind=kind,
                        year=period.year,
                        line=seen[key],
                    ),
                )
            seen[key] = item.start_mark.line + 1
            if period.starts_on and period.ends_on and period.starts_on > period.ends_on:
                self.error(period_fields["ends_on"], _("the period ends before it starts"))
            deadline = period.unit_deadline or (
                period.ward_deadline and unit_deadline_for(period.ward_deadline, reporting.unit_deadline_days_before)
            )
            if period.ward_deadline and deadline and deadline > period.ward_deadline:
                self.error(period_fields.get("unit_deadline", item), _("the unit deadline is after the ward deadline"))
            reporting.periods.append(period)
        return reporting

    def indicators(self, node) -> list[IndicatorData]:
        """The plan's indicators, each with its targets and the way its actual value is obtained;
        then the indicators their actual values come from are checked."""
        indicators, seen, nodes = [], {}, {}
        for item in self.sequence(node, _("indicators")):
            indicator = self._indicator(item, seen)
            if indicator is None:
                continue
            indicators.append(indicator)
            nodes[id(indicator)] = item
        self._check_actual_sources(indicators, nodes)
        return indicators

    def _indicator(self, item, seen: dict) -> IndicatorData | None:
        """One indicator; `seen` holds the line of each indicator code read so far."""
        fields = self.mapping(
            item,
            _("an indicator"),
            required=("code", "name", "category", "measure"),
            optional=(
                "source_ref",
                "baseline_year",
                "baseline_value",
                "reporting_unit",
                "unit_cost",
                "in_cost_estimate",
                "note",
                "targets",
                "actual",
            ),
        )
        if fields is None:
            return None
        code = self._indicator_code(fields, seen)
        category, measure = self._indicator_kind(fields)
        indicator = IndicatorData(
            code=code,
            name=self.text(fields, "name", _("indicator name")),
            category=category,
            measure=measure,
            source_ref=self.text(fields, "source_ref", "source_ref"),
            baseline_year=self.integer(fields, "baseline_year", "baseline_year"),
            baseline_value=self.decimal(fields, "baseline_value", "baseline_value"),
            reporting_unit=self.unit_ref(fields["reporting_unit"], _("reporting_unit"))
            if not self.is_null(fields.get("reporting_unit"))
            else None,
            unit_cost=self.decimal(fields, "unit_cost", "unit_cost"),
            in_cost_estimate=self.boolean(fields, "in_cost_estimate", "in_cost_estimate"),
            note=self.text(fields, "note", _("note")),
        )
        self._indicator_targets(indicator, fields.get("targets"))
        if not self.is_null(fields.get("actual")):
            indicator.actual_rule, indicator.actual_from = self.actual(fields["actual"])
        return indicator

    def _indicator_code(self, fields: dict, seen: dict) -> str | None:
        """The indicator's code, reported if an earlier indicator has it too."""
        code = self.code(fields, "code", _("indicator code"), INDICATOR_CODE_RE, "poor-households")
        if code in seen:
            self.error(
                fields["code"],
                _('indicator code "%(code)s" is used twice (first on line %(line)d)', code=code, line=seen[code]),
            )
        elif code:
            seen[code] = fields["code"].start_mark.line + 1
        return code

    def _indicator_kind(self, fields: dict) -> tuple[str | None, str | None]:
        """The indicator's category and measure, each one of the known values."""
        category = self.text(fields, "category", _("category"))
        if category is not None and category not in INDICATOR_CATEGORIES:
            self.error(
                fields["category"],
                _(
                    '"%(value)s" is not an indicator category (use one of: %(values)s)',
                    value=category,
                    values=", ".join(INDICATOR_CATEGORIES),
                ),
            )
        measure = self.text(fields, "measure", _("measure"))
        if measure is not None and measure not in MEASURES:
            self.error(
                fields["measure"],
                _(
                    '"%(value)s" is not a measure (use one of: %(values)s)',
                    value=measure,
                    values=", ".join(MEASURES),
                ),
            )
        return category, measure

    def _indicator_targets(self, indicator: IndicatorData, node) -> None:
        """The indicator's yearly targets, at most one a year."""
        years = set()
        for target_node in self.sequence(node, _("targets")):
            target_fields = self.mapping(target_node, _("a target"), required=("year",), optional=("value", "text"))
            if target_fields is None:
                continue
            target = TargetData(
                year=self.integer(target_fields, "year", _("year")),
                value=self.decimal(target_fields, "value", _("target value")),
                text=self.text(target_fields, "text", _("text")),
            )
            if target.year in years:
                self.error(
                    target_fields["year"],
                    _('indicator "%(code)s" has two targets for %(year)s', code=indicator.code, year=target.year),
                )
            years.add(target.year)
            indicator.targets.append(target)

    def _check_actual_sources(self, indicators: list[IndicatorData], nodes: dict) -> None:
        graph = {i.code: list(i.actual_from) for i in indicators}
        for indicator in indicators:
            for code in indicator.actual_from:
                if code not in graph:
                    self.error(
                        nodes[id(indicator)],
                        _(
                            'indicator "%(code)s" takes its actual value from "%(other)s", which is not in the file',
                            code=indicator.code,
                            other=code,
                        ),
                    )
            # Follow the sources: coming back to the indicator is a cycle.
            pending, seen = list(indicator.actual_from), set()
            while pending:
                current = pending.pop()
                if current == indicator.code:
                    self.error(
                        nodes[id(indicator)],
                        _(
                            'indicator "%(code)s" takes its actual value from itself, directly or through others: that is a cycle',
                            code=indicator.code,
                        ),
                    )
                    break
                if current not in seen:
                    seen.add(current)
                    pending.extend(graph.get(current, []))

    def actual(self, node) -> tuple[str, list[str]]:
        """`actual: value` | `actual: fraction` | `actual: {rate_of: [a, b]}` | `{same_as: a}` | `{sum_of: [a, b]}`
        | `{decrease_of: a}`."""
        if isinstance(node, yaml.ScalarNode):
            if node.value in ("value", "fraction"):
                return node.value, []
            self.error(
                node,
                _(
                    '"%(value)s" is not a way to obtain an actual value (use value, fraction, or rate_of / same_as / sum_of / decrease_of)',
                    value=node.value,
                ),
            )
            return "value", []
        fields = self.mapping(node, "actual", optional=("rate_of", "same_as", "sum_of", "decrease_of"))
        if not fields or len(fields) != 1:
            if fields is not None:
                self.error(node, _("give exactly one of rate_of, same_as, sum_of or decrease_of"))
            return "value", []
        key, value_node = next(iter(fields.items()))
        if key in ("same_as", "decrease_of"):
            return key, [value_node.value] if self.scalar(value_node, key) is not None else []
        codes = [n.value for n in self.sequence(value_node, key) if self.scalar(n, key) is not None]
        if key == "rate_of" and len(codes) != 2:
            self.error(value_node, _("rate_of needs two indicator codes: the numerator and the denominator"))
        if key == "sum_of" and len(codes) < 2:
            self.error(value_node, _("sum_of needs at least two indicator codes"))
        return ("rate" if key == "rate_of" else "sum_of"), codes

    def roadmap(self, node, indicator_codes: set[str]) -> RoadmapData:
        fields = self.mapping(
            node,
            _("roadmap"),
            optional=(
                "unit_label",
                "households_indicator",
                "support_indicators",
                "cost_indicator",
                "stated_totals",
                "cost_notes",
            ),
        )
        if fields is None:
            return RoadmapData()

        def indicator_ref(ref_node):
            if self.scalar(ref_node, _("an indicator code")) is None:
                return None
            if ref_node.value not in indicator_codes:
                self.error(ref_node, _('unknown indicator "%(code)s" in the roadmap', code=ref_node.value))
            return ref_node.value

        roadmap = RoadmapData(
            unit_label=self.text(fields, "unit_label", "unit_label"),
            households_indicator=indicator_ref(fields["households_indicator"])
            if "households_indicator" in fields
            else None,
            support_indicators=[
                indicator_ref(n) for n in self.sequence(fields.get("support_indicators"), "support_indicators")
            ],
            cost_indicator=indicator_ref(fields["cost_indicator"]) if "cost_indicator" in fields else None,
            cost_notes=self.text(fields, "cost_notes", "cost_notes"),
        )
        totals_node = fields.get("stated_totals")
        if not self.is_null(totals_node):
            if not isinstance(totals_node, yaml.MappingNode):
                self.error(totals_node, _("%(what)s must be a mapping of fields", what="stated_totals"))
            else:
                for key_node, value_node in totals_node.value:
                    code = indicator_ref(key_node)
                    value = self.decimal({"v": value_node}, "v", _("a stated total"))
                    if code is not None and value is not None:
                        roadmap.stated_totals[code] = value
        return roadmap

    def task(self, node, parent: TaskData | None) -> TaskData | None:
        """One task of the plan (`parent` None for a section), with its units, milestones and,
        read the same way, its children."""
        fields = self.mapping(
            node,
            _("a task"),
            required=("code", "title"),
            optional=(
                "title_source",
                "text",
                "lead",
                "lead_text",
                "partners",
                "partners_text",
                "partners_report",
                "weight",
                "start",
                "due",
                "milestones",
                "children",
            ),
        )
        if fields is None:
            return None
        code = self.text(fields, "code", _("task code"))
        if code is not None:
            self._check_task_code(fields, code, parent)
        title_source = self.text(fields, "title_source", "title_source") or "source"
        if title_source not in ("source", "summary"):
            self.error(fields["title_source"], _('title_source must be "source" or "summary"'))
        task = TaskData(
            code=code,
            title=self.text(fields, "title", _("task title")),
            title_source=title_source,
            text=self.text(fields, "text", _("text")),
            lead_text=self.text(fields, "lead_text", "lead_text"),
            partners_text=self.text(fields, "partners_text", "partners_text"),
            partners_report=self.boolean(fields, "partners_report", "partners_report"),
            start=self.date(fields, "start", _("the start date")),
            due=self.date(fields, "due", _("the due date")),
        )
        self._task_weight_and_dates(task, fields)
        self._task_units(task, fields)
        self._task_milestones(task, fields.get("milestones"))
        task.children = [
            c for c in (self.task(item, task) for item in self.sequence(fields.get("children"), _("children"))) if c
        ]
        return task

    def _check_task_code(self, fields: dict, code: str, parent: TaskData | None) -> None:
        """The task code's shape (a Roman section number, then its parent's code and a number),
        and that no earlier task has it."""
        match = TASK_CODE_RE.match(code)
        if not match or not ROMAN_RE.match(match.group(1)):
            self.error(
                fields["code"],
                _(
                    'task code "%(code)s" is malformed: write a Roman section number followed by dot-separated numbers, e.g. IV.4.3',
                    code=code,
                ),
            )
        elif (
            parent is not None
            and parent.code
            and not (code.startswith(parent.code + ".") and "." not in code[len(parent.code) + 1 :])
        ):
            self.error(
                fields["code"],
                _(
                    'task code "%(code)s" does not follow its parent\'s code "%(parent)s" (expected %(parent)s.<number>)',
                    code=code,
                    parent=parent.code,
                ),
            )
        elif parent is None and "." in code:
            self.error(
                fields["code"], _('top-level task "%(code)s" must be a section number alone (e.g. IV)', code=code)
            )
        if code in self.task_lines:
            self.error(
                fields["code"],
                _(
                    'task code "%(code)s" is used twice (first on line %(line)d)',
                    code=code,
                    line=self.task_lines[code],
                ),
            )
        else:
            self.task_lines[code] = fields["code"].start_mark.line + 1

    def _task_weight_and_dates(self, task: TaskData, fields: dict) -> None:
        """The task's weight (greater than zero), and its start no later than its due date."""
        weight = self.decimal(fields, "weight", _("weight"))
        if weight is not None:
            if weight <= 0:
                self.error(fields["weight"], _("the weight must be greater than zero"))
            else:
                task.weight = weight
        if task.start and task.due and task.start > task.due:
            self.error(
                fields["due"],
                _(
                    "the due date %(due)s is before the start date %(start)s",
                    due=task.due.isoformat(),
                    start=task.start.isoformat(),
                ),
            )

    def _task_units(self, task: TaskData, fields: dict) -> None:
        """The task's lead and partner units; a unit cannot be both."""
        code = task.code
        lead_nodes = self.sequence(fields.get("lead"), _("lead"))
        partner_nodes = self.sequence(fields.get("partners"), _("partners"))
        task.lead = self._unit_list(lead_nodes, _("the lead units of %(code)s", code=code))
        task.partners = self._unit_list(partner_nodes, _("the partner units of %(code)s", code=code))
        for partner_node in partner_nodes:
            if isinstance(partner_node, yaml.ScalarNode) and partner_node.value in task.lead:
                self.error(
                    partner_node,
                    _('unit "%(unit)s" is both a lead and a partner of %(code)s', unit=partner_node.value, code=code),
                )

    def _task_milestones(self, task: TaskData, node) -> None:
        """The task's milestones, each title once."""
        titles = set()
        for item in self.sequence(node, _("milestones")):
            milestone_fields = self.mapping(item, _("a milestone"), required=("title", "due"))
            if milestone_fields is None:
                continue
            milestone = MilestoneData(
                title=self.text(milestone_fields, "title", _("title")),
                due=self.date(milestone_fields, "due", _("the milestone's due date")),
            )
            if milestone.title in titles:
                self.error(
                    milestone_fields["title"],
                    _('task %(code)s has two milestones named "%(title)s"', code=task.code, title=milestone.title),
                )
            titles.add(milestone.title)
            task.milestones.append(milestone)

    def _unit_list(self, nodes: list, what: str) -> list[str]:
        codes = []
        for node in nodes:
            code = self.unit_ref(node, what)
            if code is None:
                continue
            if code in codes:
                self.error(node, _('unit "%(unit)s" is listed twice in %(what)s', unit=code, what=what))
                continue
            codes.append(code)
        return codes
