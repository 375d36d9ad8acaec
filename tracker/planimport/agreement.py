"""How far a draft read from a plan document agrees with a plan file: the importer measured on a
plan whose file was written by hand (the Bắc Kạn plan and its source text).

An assignment is a unit's role on a task (lead or partner). For the tasks both have, by code, each
assignment is equal (in both), missing (only in the file) or extra (only in the draft); the
calendar is compared period by period (kind, year, dates).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from tracker.planfile.schema import PlanFile
from tracker.planimport.parser import Draft

LEAD, PARTNER = "lead", "partner"


@dataclass
class Difference:
    code: str
    role: str
    unit: str
    side: str  # "file": only the plan file has it; "draft": only the draft
    line: int | None = None  # the draft's source line for it


@dataclass
class Agreement:
    tasks_in_file: int
    tasks_found: int  # of the file's tasks, those the draft has (by code)
    tasks_extra: list[str]  # codes only the draft has
    tasks_missing: list[str]  # codes only the file has
    assignments_equal: int
    differences: list[Difference] = field(default_factory=list)
    units_unmatched: list[str] = field(default_factory=list)
    periods_equal: int = 0
    periods_in_file: int = 0
    periods_differing: list[str] = field(default_factory=list)
    secretariat_equal: bool = False

    @property
    def assignments_differing(self) -> int:
        return len(self.differences)

    def lines(self) -> list[str]:
        """The figures, then each difference, as printed by `flask plan import-check`."""
        out = [
            _(
                "Tasks in the plan file: %(file)s; found: %(found)s; missing: %(missing)s; extra: %(extra)s",
                file=self.tasks_in_file,
                found=self.tasks_found,
                missing=len(self.tasks_missing),
                extra=len(self.tasks_extra),
            ),
            _(
                "Assignments equal: %(equal)s; differing: %(differing)s; units unmatched: %(unmatched)s",
                equal=self.assignments_equal,
                differing=self.assignments_differing,
                unmatched=len(self.units_unmatched),
            ),
            _(
                "Reporting periods equal: %(equal)s of %(total)s; secretariat: %(same)s",
                equal=self.periods_equal,
                total=self.periods_in_file,
                same=_("the same") if self.secretariat_equal else _("different"),
            ),
        ]
        out += [_("  task missing: %(code)s", code=code) for code in self.tasks_missing]
        out += [_("  task extra: %(code)s", code=code) for code in self.tasks_extra]
        for d in self.differences:
            role = _("lead") if d.role == LEAD else _("partner")
            if d.side == "file":
                text = _("  %(code)s %(role)s %(unit)s: only in the plan file", code=d.code, role=role, unit=d.unit)
            else:
                text = _("  %(code)s %(role)s %(unit)s: only in the draft", code=d.code, role=role, unit=d.unit)
            out.append(text + (_(" (line %(line)s)", line=d.line) if d.line else ""))
        out += [_("  unit unmatched: %(name)s", name=name) for name in self.units_unmatched]
        out += [_("  reporting period differing: %(period)s", period=period) for period in self.periods_differing]
        return out


def _file_roles(pf: PlanFile) -> dict[str, dict[str, set[str]]]:
    return {task.code: {LEAD: set(task.lead), PARTNER: set(task.partners)} for task in pf.plan.all_tasks()}


def compare(draft: Draft, pf: PlanFile) -> Agreement:
    in_file = _file_roles(pf)
    drafted = {task.code: task for task in draft.all_tasks()}
    both = [code for code in in_file if code in drafted]
    agreement = Agreement(
        tasks_in_file=len(in_file),
        tasks_found=len(both),
        tasks_extra=[code for code in drafted if code not in in_file],
        tasks_missing=[code for code in in_file if code not in drafted],
        assignments_equal=0,
        units_unmatched=draft.unmatched(),
    )
    for code in both:
        task = drafted[code]
        found = {
            LEAD: ({m.code for m in task.lead if m.code}, task.lead_line),
            PARTNER: ({m.code for m in task.partners if m.code}, task.partners_line),
        }
        for role in (LEAD, PARTNER):
            mine, line = found[role]
            theirs = in_file[code][role]
            agreement.assignments_equal += len(mine & theirs)
            agreement.differences += [Difference(code, role, unit, "file", line) for unit in sorted(theirs - mine)]
            agreement.differences += [Difference(code, role, unit, "draft", line) for unit in sorted(mine - theirs)]
    # Extra tasks' assignments are differences too: the file has no such task.
    for code in agreement.tasks_extra:
        task = drafted[code]
        for role, matches, line in ((LEAD, task.lead, task.lead_line), (PARTNER, task.partners, task.partners_line)):
            agreement.differences += [Difference(code, role, m.code, "draft", line) for m in matches if m.code]
    for code in agreement.tasks_missing:
        for role in (LEAD, PARTNER):
            agreement.differences += [Difference(code, role, unit, "file") for unit in sorted(in_file[code][role])]
    _calendar(agreement, draft, pf)
    return agreement


def _calendar(agreement: Agreement, draft: Draft, pf: PlanFile) -> None:
    def key(kind, year, starts_on, ends_on, ward_deadline):
        return (kind, year, starts_on.isoformat(), ends_on.isoformat(), ward_deadline.isoformat())

    theirs = {key(p.kind, p.year, p.starts_on, p.ends_on, p.ward_deadline) for p in pf.plan.reporting.periods}
    mine = {key(p.kind, p.year, p.starts_on, p.ends_on, p.ward_deadline) for p in draft.periods}
    agreement.periods_in_file = len(theirs)
    agreement.periods_equal = len(theirs & mine)
    agreement.periods_differing = [" ".join(map(str, period)) for period in sorted(theirs ^ mine)]
    agreement.secretariat_equal = bool(
        draft.secretariat and draft.secretariat.code and draft.secretariat.code == pf.plan.reporting.secretariat
    )
