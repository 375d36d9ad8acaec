"""The secretariat's way from a plan document to tracked tasks, in the browser: upload the document,
review the draft on one page (every task, its units and the line of the document beside it, each
editable), and adopt it through the plan file's own validation and loader."""

from __future__ import annotations

import copy
import re
from pathlib import PurePath

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired

from tracker.accounts.permissions import require
from tracker.audit.services import record
from tracker.core.forms import Form, clean_text
from tracker.core.http import actor
from tracker.core.time import now
from tracker.extensions import db
from tracker.pages.loaders import load_plan
from tracker.plan.models import Plan
from tracker.planfile import export, loading
from tracker.planfile.reader import read_plan_text
from tracker.planfile.schema import PLAN_CODE_RE, PlanFileInvalid
from tracker.planfile.versions import record_version
from tracker.planfile.writer import dump_plan_file
from tracker.planimport import draft_plan_file, matcher_for
from tracker.planimport.matching import folded
from tracker.planimport.models import PlanDraft
from tracker.planimport.parser import read_draft
from tracker.planimport.source import read_source
from tracker.planimport.stored import draft_data, draft_of, each_task

bp = Blueprint("planimport", __name__, url_prefix="/plans/<int:plan_id>/import")

ACCEPTED = (".docx", ".txt")


class UploadForm(Form):
    document = FileField(_l("The plan document"), validators=[DataRequired()], render_kw={"accept": ",".join(ACCEPTED)})


class ReviewForm(Form):
    plan_code = StringField(_l("Code of the new plan"), filters=[lambda v: (v or "").strip()])


def _ward_drafts(plan: Plan) -> list[PlanDraft]:
    return db.session.scalars(
        select(PlanDraft).where(PlanDraft.ward_id == plan.ward_id).order_by(PlanDraft.created_at.desc()).limit(20)
    ).all()


def _read(filename: str, data: bytes, plan: Plan) -> tuple[dict | None, str | None]:
    """The kept form of a draft read from the document, or why it could not be read."""
    if not filename.lower().endswith(ACCEPTED):
        return None, _("Choose a Word document (.docx) or a text file (.txt) with the text of the plan.")
    try:
        source = read_source(filename, data)
    except Exception as exc:  # noqa: BLE001  (a file from anywhere: whatever breaks the reader, say so)
        current_app.logger.warning("plan document %r not read: %r", filename, exc)
        return None, _(
            "The file could not be read as a Word document. Save it again as .docx, or paste its text into a .txt file."
        )
    draft = read_draft(source, matcher_for(export.ward_units(plan.ward)))
    repeated = draft.repeated_codes()
    if repeated:
        return None, _(
            "The document numbers some tasks twice (%(codes)s): is it pasted twice, or is a section numbered again? "
            "Correct the document and upload it again.",
            codes=", ".join(repeated[:5]),
        )
    if not draft.tasks:
        return None, _(
            "No task was found in this document: a plan names its tasks in numbered items under a section "
            "in Roman numerals (IV. NHIỆM VỤ, GIẢI PHÁP), with lines such as “Đơn vị chủ trì: …”."
        )
    return draft_data(draft, source), None


@bp.route("/", methods=["GET", "POST"])
def upload(plan_id: int):
    plan = load_plan(plan_id)
    require("manage_plan", plan)
    form = UploadForm()
    status = 200
    if form.validate_on_submit():
        upload = form.document.data
        filename = PurePath(upload.filename or "").name[:255]
        data, problem = _read(filename, upload.read(), plan)
        if problem is None:
            moment = now()
            draft = PlanDraft(
                ward_id=plan.ward_id,
                filename=filename,
                created_by_id=actor().user_id,
                created_at=moment,
                updated_at=moment,
                data=data,
            )
            db.session.add(draft)
            record(actor(), "plan.import_draft", moment, draft, filename=filename)
            db.session.commit()
            return redirect(url_for("planimport.review", plan_id=plan.id, draft_id=draft.id))
        form.document.errors = [problem]
    if form.errors:
        status = 422
    return render_template("planimport/upload.html", plan=plan, form=form, drafts=_ward_drafts(plan)), status


def _load_draft(plan: Plan, draft_id: int) -> PlanDraft:
    draft = db.session.get(PlanDraft, draft_id)
    if draft is None or draft.ward_id != plan.ward_id:
        abort(404)
    return draft


def _edited(data: dict) -> tuple[dict, list[str]]:
    """The kept draft with the review form's edits: each task's title, units as written, kept or not."""
    problems: list[str] = []
    for task in each_task(data):
        code = task["code"]
        title = (clean_text(request.form.get(f"title-{code}", task["title"])) or "").strip()
        if not title:
            problems.append(_("Task %(code)s needs a title.", code=code))
        else:
            task["title"] = title
        for field in ("lead_text", "partners_text"):
            if f"{field}-{code}" in request.form:
                task[field] = clean_text(request.form[f"{field}-{code}"]).strip() or None
        task["keep"] = f"keep-{code}" in request.form
    return data, problems


@bp.route("/<int:draft_id>", methods=["GET", "POST"])
def review(plan_id: int, draft_id: int):
    plan = load_plan(plan_id)
    require("manage_plan", plan)
    row = _load_draft(plan, draft_id)
    form = ReviewForm()
    problems: list[str] = []
    if request.method == "POST" and row.adopted_plan_id is None:
        if not form.validate_on_submit():
            abort(400)
        data, problems = _edited(copy.deepcopy(row.data))
        row.data, row.updated_at = data, now()  # a new object, unlike the old: the JSON column sees the change
        db.session.commit()  # the edits are kept, whatever the adoption below says
        if not problems and request.form.get("action") == "adopt":
            adopted, problems = _adopt(plan, row, form.plan_code.data)
            if adopted is not None:
                flash(
                    _("The plan %(code)s was adopted: its tasks are tracked from now on.", code=adopted.code), "success"
                )
                return redirect(url_for("plan.overview", plan_id=adopted.id))
        elif not problems:
            flash(_("The draft was saved."), "success")
            return redirect(url_for("planimport.review", plan_id=plan.id, draft_id=row.id))
    return _render_review(plan, row, form, problems)


def _render_review(plan: Plan, row: PlanDraft, form: ReviewForm, problems: list[str]):
    units = export.ward_units(plan.ward)
    draft = draft_of(row.data, matcher_for(units))
    resolved = {task.code: task for task in draft.all_tasks()}
    if not form.plan_code.data:
        form.plan_code.data = _suggested_code(row.data)
    return render_template(
        "planimport/review.html",
        other_ward=_names_another_ward(row.data, plan),
        kept=sum(1 for _task in draft.all_tasks()),
        plan=plan,
        row=row,
        data=row.data,
        tasks=list(each_task(row.data)),
        resolved=resolved,
        draft=draft,
        unit_names={u.code: u.name for u in units},
        lines=row.data.get("lines", {}),
        form=form,
        problems=problems,
    ), (422 if problems else 200)


def _names_another_ward(data: dict, plan: Plan) -> bool:
    """Whether the document's title or issuer names a ward (or commune) that is not this plan's."""
    named = folded(f"{data.get('title') or ''} {data.get('issuer') or ''}")
    ward = re.sub(r"^(?:phường|xã|thị trấn)\s+", "", folded(plan.ward.name))
    return bool(re.search(r"\b(?:phường|xã|thị trấn)\s+\w", named)) and ward not in named


def _suggested_code(data: dict) -> str:
    start, end = data.get("start_year"), data.get("end_year")
    years = f"{start}-{end}" if start and end and start != end else str(start or "")
    return f"KH-{years}".strip("-") if years else "KH-MOI"


def _adopt(plan: Plan, row: PlanDraft, code: str) -> tuple[Plan | None, list[str]]:
    """The draft loaded as a new plan of the ward, through the plan file's validation and loader."""
    if not code or not PLAN_CODE_RE.match(code):
        return None, [_("The plan's code may have letters, digits, “-”, “_” and “.”, e.g. KH-GN-2027.")]
    if db.session.scalar(select(Plan.id).where(Plan.ward_id == plan.ward_id, Plan.code == code)):
        return None, [_("The ward already has a plan with the code %(code)s: choose another.", code=code)]
    units = export.ward_units(plan.ward)
    drafted = draft_plan_file(draft_of(row.data, matcher_for(units)), export.ward_data(plan.ward), units, code)
    try:
        plan_file = read_plan_text(dump_plan_file(drafted), row.filename)
        summary = loading.load_plan_file(plan_file, f"import:{row.filename}")
    except PlanFileInvalid as exc:
        db.session.rollback()
        return None, [re.sub(r"^[^:]*:\d+: ", "", line) for line in exc.report().splitlines() if line.strip()]
    moment = now()
    row.adopted_plan_id, row.adopted_at = summary.plan.id, moment
    record(actor(), "plan.import", moment, summary.plan, draft=row.id, filename=row.filename, created=summary.created)
    record_version(summary.plan, _("Adopted from the document %(name)s", name=row.filename), actor(), moment)
    db.session.commit()
    return summary.plan, []


@bp.get("/<int:draft_id>/plan.yaml")
def download(plan_id: int, draft_id: int):
    """The draft as a plan file, to keep or to edit by hand."""
    plan = load_plan(plan_id)
    require("manage_plan", plan)
    row = _load_draft(plan, draft_id)
    units = export.ward_units(plan.ward)
    code = request.args.get("code") or _suggested_code(row.data)
    if not PLAN_CODE_RE.match(code):
        code = _suggested_code(row.data)
    text = dump_plan_file(
        draft_plan_file(draft_of(row.data, matcher_for(units)), export.ward_data(plan.ward), units, code)
    )
    name = PurePath(row.filename).stem or "ke-hoach"
    return Response(
        text,
        mimetype="application/x-yaml",
        headers={"Content-Disposition": f'attachment; filename="{re.sub(r"[^A-Za-z0-9._-]+", "-", name)}.yaml"'},
    )
