"""From a plan document (DOCX, or the text of its PDF) to a draft plan file.

`read_document` reads the document into a Draft (tracker.planimport.parser), naming units by the
ward's units (tracker.planimport.matching); `draft_plan_file` turns the draft into a PlanFile, with a
new unit proposed for each name the ward has no unit for, so that adopting it goes through the plan
file's own validation and loader (tracker.planfile), and it can be written as a plan file.
"""

from __future__ import annotations

import re
from datetime import date

from tracker.planfile.schema import (
    PeriodData,
    PlanData,
    PlanFile,
    ReportingData,
    TaskData,
    UnitData,
    WardData,
)
from tracker.planimport.matching import KnownUnit, UnitMatch, UnitMatcher, bare
from tracker.planimport.parser import Draft, DraftTask, read_draft
from tracker.planimport.source import read_source


def matcher_for(units: list[UnitData]) -> UnitMatcher:
    return UnitMatcher([KnownUnit(u.code, u.name, tuple(u.aliases), u.group) for u in units])


def read_document(filename: str, data: bytes, units: list[UnitData]) -> Draft:
    return read_draft(read_source(filename, data), matcher_for(units))


def unit_code(name: str, taken: set[str]) -> str:
    """A code for a proposed unit, from its name: "Hội Nông dân phường" -> "hoi-nong-dan"."""
    words = re.sub(r"[^a-z0-9]+", "-", bare(name)).strip("-")[:48].strip("-") or "don-vi"
    code, n = words, 2
    while code in taken:
        code, n = f"{words}-{n}", n + 1
    taken.add(code)
    return code


def _proposed(draft: Draft, units: list[UnitData]) -> tuple[list[UnitData], dict[str, str]]:
    """The ward's units and a new one for each name none of them answers to."""
    taken = {u.code for u in units}
    new: dict[str, str] = {}
    added: list[UnitData] = []
    for name in draft.unmatched():
        code = unit_code(name, taken)
        new[bare(name)] = code
        group = UnitMatcher([]).match_name(name).group
        added.append(UnitData(code=code, name=name[:1].upper() + name[1:], group=group))
    return list(units) + added, new


def _codes(matches: list[UnitMatch], new: dict[str, str]) -> list[str]:
    codes: list[str] = []
    for match in matches:
        code = match.code or new.get(bare(match.text))
        if code and code not in codes:
            codes.append(code)
    return codes


def _task(task: DraftTask, new: dict[str, str]) -> TaskData:
    return TaskData(
        code=task.code,
        title=task.title,
        title_source=task.title_source,
        text=task.text or None,
        lead=_codes(task.lead, new),
        lead_text=task.lead_text,
        partners=_codes(task.partners, new),
        partners_text=task.partners_text,
        children=[_task(child, new) for child in task.children],
    )


def draft_plan_file(draft: Draft, ward: WardData, units: list[UnitData], plan_code: str) -> PlanFile:
    every_unit, new = _proposed(draft, units)
    start = draft.start_year or date.today().year
    reporting = ReportingData(
        secretariat=(draft.secretariat.code or new.get(bare(draft.secretariat.text))) if draft.secretariat else None,
        periods=[PeriodData(p.kind, p.year, p.starts_on, p.ends_on, p.ward_deadline) for p in draft.periods],
    )
    plan = PlanData(
        code=plan_code,
        title=draft.title or plan_code,
        issuer=draft.issuer or f"UBND {ward.name}",
        start_year=start,
        end_year=draft.end_year or start,
        legal_bases="\n".join(p.text for p in draft.legal_bases) or None,
        reporting=reporting,
        tasks=[_task(task, new) for task in draft.tasks],
    )
    return PlanFile(ward=ward, units=every_unit, plan=plan)
