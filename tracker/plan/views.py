from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.accounts.permissions import can, posting_role, require
from tracker.core.forms import Form
from tracker.core.http import actor
from tracker.core.time import now, ward_today
from tracker.discussion.forms import AnswerForm, CommentForm, DirectiveForm, QuestionForm, ReplyForm, unit_choices
from tracker.discussion.queries import plan_directives, plan_questions, task_comments
from tracker.extensions import db
from tracker.periods.queries import plan_periods
from tracker.plan import queries, services
from tracker.plan.assignments import effective_assignments
from tracker.plan.forms import AssignmentForm
from tracker.plan.models import ROLE_LEAD, ROLE_PARTNER, Milestone, Plan
from tracker.progress.forms import ProgressForm
from tracker.progress.queries import task_timeline
from tracker.reports.queries import task_report_rows
from tracker.standing.queries import plan_snapshot
from tracker.units.models import Unit
from tracker.units.services import stands_for, ward_groups

bp = Blueprint("plan", __name__, url_prefix="/plans/<int:plan_id>")


def load_plan(plan_id: int) -> Plan:
    """The plan, if the current user may read it (every plan-scoped view starts here)."""
    plan = db.get_or_404(Plan, plan_id)
    require("view_plan", plan)
    return plan


def load_task_node(plan: Plan, code: str) -> queries.TaskNode:
    node = queries.find_node(queries.task_tree(plan), code)
    if node is None:
        abort(404)
    return node


def render_task_page(plan: Plan, node: queries.TaskNode, form: ProgressForm | None = None, status: int = 200):
    task = node.task
    role = posting_role(current_user, task)
    if form is None and role is not None:
        form = ProgressForm()
        correcting = request.args.get("corrects", type=int)
        if correcting:
            original = next((e.update for e in task_timeline(task.id) if e.update.id == correcting), None)
            if original is not None and can("correct_update", original):
                form = ProgressForm(obj=original, formdata=None)
                form.corrects.data = str(original.id)
                form.correction_note.data = ""
    groups = ward_groups(plan.ward_id)
    group_members = stands_for(groups, [a.unit_id for a in task.assignments if a.unit_id in groups])
    ids = set().union(*group_members.values()) if group_members else set()
    members_by_id = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else {}
    ancestors = []
    parent = task.parent
    while parent is not None:
        ancestors.insert(0, parent)
        parent = parent.parent
    return render_template(
        "plan/task.html",
        plan=plan,
        node=node,
        ancestors=ancestors,
        periods=plan_periods(plan),
        group_members={
            gid: sorted((members_by_id[m] for m in mids), key=lambda u: u.sort_order)
            for gid, mids in group_members.items()
        },
        form=form,
        posting_role=role,
        timeline=task_timeline(task.id),
        report_rows=task_report_rows(plan, node.task.id, ward_today()),
        today=ward_today(),
        view=plan_snapshot(plan, ward_today()).views[task.id],
        **_discussion(plan, task, groups),
    ), status


def _discussion(plan: Plan, task, groups) -> dict:
    """Comments, questions and directives on the task, with the forms the user may use."""
    effective = effective_assignments(task.assignments, groups)
    unit_ids = sorted({unit_id for (_task_id, unit_id) in effective})
    units = (
        db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids)).order_by(Unit.sort_order)).all()
        if unit_ids
        else []
    )
    choices = [(u.id, u.name) for u in units if not u.is_group]
    question_form = directive_form = None
    if can("comment", plan) and choices:
        question_form = QuestionForm(task_code=task.code)
        question_form.unit_id.choices = choices
    if can("issue_directive", plan) and choices:
        directive_form = DirectiveForm(task_code=task.code)
        # As on the directives page: no unit chosen for the chair, outside bodies marked as requests.
        directive_form.unit_id.choices = unit_choices([u for u in units if not u.is_group])
    return {
        "comments": task_comments(task.id),
        "questions": plan_questions(plan, open_only=False, task_id=task.id),
        "directives": plan_directives(plan, open_only=False, task_id=task.id),
        "comment_form": CommentForm() if can("comment", plan) else None,
        "question_form": question_form,
        "directive_form": directive_form,
        "answer_form": AnswerForm(),
        "reply_form": ReplyForm(),
    }


@bp.get("/")
def overview(plan_id: int):
    plan = load_plan(plan_id)
    tree = queries.task_tree(plan)
    unassigned = [node for section in tree for node in section.walk() if node.unassigned]
    return render_template("plan/overview.html", plan=plan, tree=tree, unassigned=unassigned)


@bp.get("/tasks/<code>")
def task(plan_id: int, code: str):
    plan = load_plan(plan_id)
    return render_task_page(plan, load_task_node(plan, code))


@bp.route("/tasks/<code>/assignments", methods=["GET", "POST"])
def assignments(plan_id: int, code: str):
    plan = load_plan(plan_id)
    require("assign_units", plan)
    node = load_task_node(plan, code)
    task = node.task
    units = db.session.scalars(
        select(Unit).where(Unit.ward_id == plan.ward_id, Unit.active.is_(True)).order_by(Unit.is_group, Unit.sort_order)
    ).all()
    form = AssignmentForm()
    form.set_units(units)
    if request.method == "GET":
        leads = [a for a in node.leads]
        form.primary_lead.data = leads[0].unit_id if leads else 0
        form.co_leads.data = [a.unit_id for a in leads[1:]]
        form.partners.data = [a.unit_id for a in task.assignments if a.role == ROLE_PARTNER]
        form.partners_report.data = task.partners_report
    if form.validate_on_submit():
        try:
            services.set_assignments(
                actor(),
                task,
                form.primary_lead.data or None,
                form.co_leads.data,
                form.partners.data,
                form.partners_report.data,
                now(),
            )
        except services.AssignmentRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            flash(_("The units of %(code)s are saved.", code=task.code), "success")
            return redirect(url_for("plan.task", plan_id=plan.id, code=task.code))
    return render_template("plan/assignments.html", plan=plan, node=node, form=form, ROLE_LEAD=ROLE_LEAD), 200 if not (
        form.errors or form.form_errors
    ) else 422


@bp.post("/tasks/<code>/milestones/<int:milestone_id>/done")
def milestone_done(plan_id: int, code: str, milestone_id: int):
    plan = load_plan(plan_id)
    node = load_task_node(plan, code)
    milestone = db.get_or_404(Milestone, milestone_id)
    if milestone.task_id != node.task.id:
        abort(404)
    require("mark_milestone", node.task)
    if not Form().validate_on_submit():
        abort(400)
    if milestone.done_on is None:
        services.mark_milestone_done(actor(), milestone, ward_today(), now())
        db.session.commit()
        flash(_("Milestone marked done."), "success")
    return redirect(url_for("plan.task", plan_id=plan.id, code=code))
