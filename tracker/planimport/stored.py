"""A draft as it is kept (PlanDraft.data): what the document says, units as written. The units are
matched again each time the draft is shown or adopted, against the ward's units of that moment, so
that an edit of a unit's name (or a unit added meanwhile) is taken into account."""

from __future__ import annotations

from datetime import date

from tracker.planimport.matching import UnitMatcher
from tracker.planimport.parser import Draft, DraftFigure, DraftPeriod, DraftTask, partners_not_leading
from tracker.planimport.source import Paragraph, Source


def _task_data(task: DraftTask) -> dict:
    return {
        "code": task.code,
        "title": task.title,
        "line": task.line,
        "text": task.text,
        "lead_text": task.lead_text,
        "lead_line": task.lead_line,
        "partners_text": task.partners_text,
        "partners_line": task.partners_line,
        "title_source": task.title_source,
        "keep": True,
        "children": [_task_data(child) for child in task.children],
    }


def draft_data(draft: Draft, source: Source) -> dict:
    """The draft to keep, with the text of every source line it refers to."""
    wanted = {draft.title_line, draft.secretariat_line, *(p.line for p in draft.periods)}
    for task in draft.all_tasks():
        wanted |= {task.line, task.lead_line, task.partners_line}
    lines = {str(p.line): p.text for p in source.paragraphs if p.line in wanted}
    return {
        "title": draft.title,
        "title_line": draft.title_line,
        "issuer": draft.issuer,
        "start_year": draft.start_year,
        "end_year": draft.end_year,
        "legal_bases": [[p.line, p.text] for p in draft.legal_bases],
        "tasks": [_task_data(task) for task in draft.tasks],
        "periods": [
            {
                "kind": p.kind,
                "year": p.year,
                "starts_on": p.starts_on.isoformat(),
                "ends_on": p.ends_on.isoformat(),
                "ward_deadline": p.ward_deadline.isoformat(),
                "line": p.line,
            }
            for p in draft.periods
        ],
        "secretariat_text": draft.secretariat.text if draft.secretariat else None,
        "secretariat_line": draft.secretariat_line,
        "figures": [
            {"label": f.label, "values": {str(y): v for y, v in f.values.items()}, "line": f.line}
            for f in draft.figures
        ],
        "lines": lines,
    }


def _task(data: dict, matcher: UnitMatcher) -> DraftTask | None:
    if not data.get("keep", True):
        return None
    task = DraftTask(
        data["code"],
        data["title"],
        data["line"],
        text=data.get("text") or "",
        lead=matcher.split(data["lead_text"]) if data.get("lead_text") else [],
        lead_text=data.get("lead_text"),
        lead_line=data.get("lead_line"),
        partners=matcher.split(data["partners_text"]) if data.get("partners_text") else [],
        partners_text=data.get("partners_text"),
        partners_line=data.get("partners_line"),
        title_source=data.get("title_source", "source"),
    )
    task.partners = partners_not_leading(task.lead, task.partners)
    task.children = [child for child in (_task(c, matcher) for c in data.get("children", [])) if child is not None]
    return task


def draft_of(data: dict, matcher: UnitMatcher) -> Draft:
    """The kept draft, its units matched against the ward's units now; tasks not kept left out."""
    draft = Draft(
        title=data.get("title") or "",
        title_line=data.get("title_line") or 0,
        issuer=data.get("issuer"),
        start_year=data.get("start_year"),
        end_year=data.get("end_year"),
        legal_bases=[Paragraph(line, text) for line, text in data.get("legal_bases", [])],
        tasks=[task for task in (_task(t, matcher) for t in data.get("tasks", [])) if task is not None],
        periods=[
            DraftPeriod(
                p["kind"],
                p["year"],
                date.fromisoformat(p["starts_on"]),
                date.fromisoformat(p["ends_on"]),
                date.fromisoformat(p["ward_deadline"]),
                p["line"],
            )
            for p in data.get("periods", [])
        ],
        secretariat=matcher.match_name(data["secretariat_text"]) if data.get("secretariat_text") else None,
        secretariat_line=data.get("secretariat_line"),
        figures=[
            DraftFigure(f["label"], {int(y): v for y, v in f["values"].items()}, f["line"])
            for f in data.get("figures", [])
        ],
    )
    return draft


def each_task(data: dict):
    """Every kept task's data, parents before children (for the review form)."""
    for task in data.get("tasks", []):
        yield from _walk(task)


def _walk(task: dict):
    yield task
    for child in task.get("children", []):
        yield from _walk(child)
