"""The task page: the task, its standing, the progress form, the discussion and the timeline. Posts
of the plan, progress and discussion features render it again with their form's errors."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select

from tracker.accounts.permissions import can, posting_role
from tracker.core.time import ward_today
from tracker.discussion.forms import AnswerForm, CommentForm, DirectiveForm, QuestionForm, ReplyForm, unit_choices
from tracker.discussion.queries import plan_directives, plan_questions, task_comments
from tracker.extensions import db
from tracker.periods.queries import plan_periods
from tracker.plan import queries
from tracker.plan.assignments import effective_assignments
from tracker.plan.models import Plan
from tracker.progress.forms import ProgressForm
from tracker.progress.queries import task_timeline
from tracker.reports.queries import task_report_rows
from tracker.standing import listing
from tracker.standing.queries import plan_snapshot
from tracker.units.models import Unit
from tracker.units.services import stands_for, ward_groups


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
        figures=listing.stored_figures(plan, task, ward_today()) or plan_snapshot(plan, ward_today()).figures[task.id],
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
