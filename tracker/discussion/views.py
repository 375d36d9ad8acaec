"""Comments and questions on tasks, and the chair's directives."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.accounts.permissions import can, require
from tracker.core.http import actor, safe_next, sent_once
from tracker.core.submissions import taken
from tracker.core.time import now, ward_today
from tracker.discussion import queries, services
from tracker.discussion.forms import AnswerForm, CommentForm, DirectiveForm, QuestionForm, ReplyForm, unit_choices
from tracker.discussion.models import Directive, Question
from tracker.extensions import db
from tracker.pages.loaders import load_plan, load_task_node
from tracker.progress.models import ProgressUpdate
from tracker.units.models import Unit

bp = Blueprint("discussion", __name__, url_prefix="/plans/<int:plan_id>")


def _ward_unit(plan, unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or unit.ward_id != plan.ward_id:
        abort(400)
    return unit


def _back_to_task(plan, code: str, anchor: str):
    return redirect(url_for("plan.task", plan_id=plan.id, code=code, _anchor=anchor))


@bp.post("/tasks/<code>/comments")
def comment(plan_id: int, code: str):
    plan = load_plan(plan_id)
    require("comment", plan)
    node = load_task_node(plan, code)
    form = CommentForm()
    if not form.validate_on_submit():
        flash(_("Write the comment."), "error")
        return _back_to_task(plan, code, "discussion")
    update = None
    if form.update_id.data:
        update = db.session.get(ProgressUpdate, int(form.update_id.data)) if form.update_id.data.isdigit() else None
        if update is None or update.task_id != node.task.id:
            abort(400)
    back = url_for("plan.task", plan_id=plan.id, code=code, _anchor=f"update-{update.id}" if update else "discussion")
    submission, already = sent_once(form.once.data, back)
    if already:
        return already
    services.add_comment(actor(), node.task, form.body.data, now(), update=update)
    taken(submission, back)
    db.session.commit()
    flash(_("Comment posted."), "success")
    return redirect(back)


@bp.post("/questions")
def ask(plan_id: int):
    plan = load_plan(plan_id)
    require("comment", plan)
    form = QuestionForm()
    form.unit_id.choices = [
        (u.id, u.name) for u in db.session.scalars(select(Unit).where(Unit.ward_id == plan.ward_id))
    ]
    task = load_task_node(plan, form.task_code.data).task if form.task_code.data else None
    if form.validate_on_submit():
        back = (
            url_for("plan.task", plan_id=plan.id, code=task.code, _anchor="discussion")
            if task is not None
            else url_for("discussion.questions", plan_id=plan.id)
        )
        submission, already = sent_once(form.once.data, back)
        if already:
            return already
        services.ask_question(actor(), plan, _ward_unit(plan, form.unit_id.data), form.body.data, now(), task=task)
        taken(submission, back)
        db.session.commit()
        flash(_("Question sent to the unit."), "success")
    else:
        flash(_("Choose the unit and write the question."), "error")
    if task is not None:
        return _back_to_task(plan, task.code, "discussion")
    return redirect(url_for("discussion.questions", plan_id=plan.id))


@bp.get("/questions")
def questions(plan_id: int):
    plan = load_plan(plan_id)
    show = request.args.get("show", "open")
    unit_id = request.args.get("unit", type=int)
    items = queries.plan_questions(plan, open_only=show == "open", unit_id=unit_id)
    return render_template(
        "discussion/questions.html", plan=plan, items=items, show=show, unit_id=unit_id, answer_form=AnswerForm()
    )


@bp.post("/questions/<int:question_id>/answer")
def answer(plan_id: int, question_id: int):
    plan = load_plan(plan_id)
    question = _addressed_to_unit(plan, Question, question_id)
    form = AnswerForm()
    return _respond(
        plan,
        form,
        lambda: services.answer_question(actor(), question, form.answer.data, now()),
        _("Answer sent."),
        _("Write the answer."),
        url_for("discussion.questions", plan_id=plan.id),
    )


def _addressed_to_unit(plan, model, record_id: int):
    """A question or directive of this plan that the user answers for (their unit's)."""
    record = db.get_or_404(model, record_id)
    if record.plan_id != plan.id:
        abort(404)
    if not can("answer_for_unit", record.unit_id, plan):
        abort(403)
    return record


def _respond(plan, form, step, done_message: str, empty_message: str, fallback: str):
    """Take the unit's answer or reply, then go back where the form was."""
    if form.validate_on_submit():
        back = safe_back(fallback)
        submission, already = sent_once(form.once.data, back)
        if already:
            return already
        try:
            step()
            taken(submission, back)
            db.session.commit()
            flash(done_message, "success")
        except services.DiscussionRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
    else:
        flash(empty_message, "error")
    return redirect(safe_back(fallback))


def safe_back(fallback: str) -> str:
    return safe_next(request.form.get("next"), fallback)


@bp.get("/directives")
def directives(plan_id: int):
    plan = load_plan(plan_id)
    unit_id = request.args.get("unit", type=int)
    show = request.args.get("show", "open")
    items = queries.plan_directives(plan, open_only=show == "open", unit_id=unit_id)
    form = None
    if can("issue_directive", plan):
        # From a unit's row of the league table the unit comes chosen; otherwise none is.
        form = DirectiveForm(unit_id=unit_id) if unit_id else DirectiveForm()
        form.unit_id.choices = _unit_choices(plan)
    return render_template(
        "discussion/directives.html",
        plan=plan,
        items=items,
        show=show,
        unit_id=unit_id,
        form=form,
        reply_form=ReplyForm(),
        today=ward_today(),
    )


def _unit_choices(plan):
    """UBND's own offices first, then the bodies it requests of ("đề nghị"); nothing chosen by default."""
    units = db.session.scalars(
        select(Unit).where(Unit.ward_id == plan.ward_id, Unit.active.is_(True)).order_by(Unit.is_group, Unit.sort_order)
    ).all()
    return unit_choices([u for u in units if not u.is_group])


@bp.post("/directives")
def issue(plan_id: int):
    plan = load_plan(plan_id)
    require("issue_directive", plan)
    form = DirectiveForm()
    form.unit_id.choices = _unit_choices(plan)
    task = load_task_node(plan, form.task_code.data).task if form.task_code.data else None
    if form.validate_on_submit():
        back = (
            url_for("plan.task", plan_id=plan.id, code=task.code, _anchor="discussion")
            if task is not None
            else url_for("discussion.directives", plan_id=plan.id)
        )
        submission, already = sent_once(form.once.data, back)
        if already:
            return already
        try:
            services.issue_directive(
                actor(), plan, _ward_unit(plan, form.unit_id.data), form.body.data, form.due_on.data, now(), task=task
            )
        except services.DiscussionRefused as refused:
            db.session.rollback()
            form.due_on.errors = [str(refused)]
        else:
            taken(submission, back)
            db.session.commit()
            flash(_("Directive issued."), "success")
            if task is not None:
                return _back_to_task(plan, task.code, "discussion")
            return redirect(url_for("discussion.directives", plan_id=plan.id))
    items = queries.plan_directives(plan, open_only=True)
    return render_template(
        "discussion/directives.html",
        plan=plan,
        items=items,
        show="open",
        unit_id=None,
        form=form,
        reply_form=ReplyForm(),
        today=ward_today(),
    ), 422


@bp.post("/directives/<int:directive_id>/reply")
def reply(plan_id: int, directive_id: int):
    plan = load_plan(plan_id)
    directive = _addressed_to_unit(plan, Directive, directive_id)
    form = ReplyForm()
    return _respond(
        plan,
        form,
        lambda: services.reply_to_directive(actor(), directive, form.reply.data, form.done.data, now()),
        _("Reply sent."),
        _("Write the reply."),
        url_for("discussion.directives", plan_id=plan.id),
    )
