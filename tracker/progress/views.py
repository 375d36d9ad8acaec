"""Posting progress on a task, and serving its evidence files to those who may read them (each
read is in the audit log)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from tracker.accounts.permissions import can, posting_role, require
from tracker.core.database import commit
from tracker.core.http import actor, sent_once
from tracker.core.submissions import FILES_LEFT_BEHIND, already_sent, taken
from tracker.core.time import now
from tracker.extensions import db
from tracker.pages.loaders import load_plan, load_task_node
from tracker.pages.task_page import render_task_page
from tracker.progress import services, storage
from tracker.progress.forms import NotCorrectable, ProgressForm
from tracker.progress.models import Evidence

bp = Blueprint("progress", __name__, url_prefix="/plans/<int:plan_id>")


@bp.post("/tasks/<code>/updates")
def post(plan_id: int, code: str):
    """Post progress on a task as the user's unit, with evidence files; a correction names the
    update it corrects. A form in error comes back with what was typed."""
    plan = load_plan(plan_id)
    node = load_task_node(plan, code)
    role = posting_role(current_user, node.task)
    if role is None:
        abort(403)
    form = ProgressForm()
    files = [f for f in request.files.getlist(form.evidence.name) if f and f.filename]
    try:
        corrects = form.corrected_update(node.task)
    except NotCorrectable:
        abort(400)
    if request.form.get(FILES_LEFT_BEHIND) and not files:
        return _sent_without_files(plan, node, code, form)
    if form.validate_on_submit():
        response = _save_update(plan, node, code, role, form, files, corrects)
        if response is not None:
            return response
    if files:
        # A browser cannot refill a file input: say so, next to the field.
        form.evidence.errors = list(form.evidence.errors) + [
            _("Choose the files again: they were not saved because of the errors above.")
        ]
    return render_task_page(plan, node, form=form, status=422)


def _sent_without_files(plan, node, code: str, form: ProgressForm):
    """Sent again from the "temporarily unavailable" page, which cannot hold files: if the first
    post was saved after all, lead to it; if not, give the form back (text kept) to attach the
    files again, rather than saving the update without them."""
    first = already_sent(form.once.data)
    if first is not None:
        flash(_("This was already sent and has not been sent a second time."), "info")
        return redirect(first.result_url or url_for("plan.task", plan_id=plan.id, code=code))
    form.validate()
    form.evidence.errors = list(form.evidence.errors) + [
        _("The files you attached were not sent again. Choose them again, then send.")
    ]
    return render_task_page(plan, node, form=form, status=422)


def _save_update(plan, node, code: str, role: str, form: ProgressForm, files: list, corrects):
    """Store the update and commit, then lead to it on the task's page. None when it was refused:
    the reason is on the form."""
    data = form.update_input()
    task_page = url_for("plan.task", plan_id=plan.id, code=code)
    submission, already = sent_once(form.once.data, task_page)
    if already is not None:  # a double click, or Back then Post again: the first post stands
        return already
    stored: list[str] = []
    try:
        update, stored = services.post_update(
            actor(), node.task, current_user.unit_id, role, data, files, now(), corrects
        )
        db.session.flush()
        # The answer is built before the commit: nothing is read from the database after it.
        result = url_for("plan.task", plan_id=plan.id, code=code, _anchor=f"update-{update.id}")
        taken(submission, result)
    except storage.EvidenceRejected as rejected:
        db.session.rollback()
        form.evidence.errors = [str(rejected)]
    except storage.StorageFull:
        db.session.rollback()
        services.record_storage_full(actor(), now(), node.task)
        form.evidence.errors = [
            _(
                "The files could not be saved: the server's storage is full. What you wrote is kept below; "
                "send it without the files, or try again later. The administrator has been told."
            )
        ]
    except services.UpdateRefused as refused:
        db.session.rollback()
        form.form_errors.append(str(refused))
    except Exception:
        # Nothing was committed: the files written so far point at nothing.
        db.session.rollback()
        storage.discard(stored)
        raise
    else:
        # From here the outcome may be unknown (the connection may break during the commit):
        # the files are never deleted here; files that no row points at are removed later by
        # `flask evidence clean`, after a grace period.
        commit()
        flash(_("Progress posted."), "success")
        return redirect(result)
    return None


@bp.get("/evidence/<int:evidence_id>")
def evidence(plan_id: int, evidence_id: int):
    plan = load_plan(plan_id)
    item = db.get_or_404(Evidence, evidence_id)
    if item.update.task.plan_id != plan.id:
        abort(404)
    require("view_plan", plan)
    if not can("read_evidence", item):
        # Someone of the ward asked for a file they may not read: logged, and told why.
        services.record_evidence_read(actor(), item, now(), allowed=False)
        db.session.commit()
        return render_template("progress/evidence_refused.html", plan=plan, item=item), 403
    try:
        path = storage.path_of(item.stored_name)
    except FileNotFoundError:
        abort(404)
    if not path.exists():
        abort(404)
    # Every read is in the audit log, written before the file is served.
    services.record_evidence_read(actor(), item, now())
    db.session.commit()
    response = send_file(
        path, mimetype=item.content_type, as_attachment=True, download_name=item.original_name, max_age=0
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
