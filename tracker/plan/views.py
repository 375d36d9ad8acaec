from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.accounts.permissions import require
from tracker.audit.services import record
from tracker.core.forms import Form
from tracker.core.http import actor
from tracker.core.time import now, ward_today
from tracker.extensions import db
from tracker.pages.loaders import load_plan, load_task_node
from tracker.pages.task_page import render_task_page
from tracker.plan import queries, services
from tracker.plan.forms import AssignmentForm, TaskEditForm
from tracker.plan.models import ROLE_LEAD, ROLE_PARTNER, Milestone
from tracker.planfile import yearly
from tracker.planfile.schema import PlanFileInvalid
from tracker.planfile.versions import changes, record_version, version_count, versions_of
from tracker.units.models import Unit

bp = Blueprint("plan", __name__, url_prefix="/plans/<int:plan_id>")


@bp.get("/")
def overview(plan_id: int):
    plan = load_plan(plan_id)
    tree = queries.task_tree(plan)
    unassigned = [node for section in tree for node in section.walk() if node.unassigned]
    years = yearly.yearly_plans(plan)
    return render_template(
        "plan/overview.html",
        plan=plan,
        tree=tree,
        unassigned=unassigned,
        yearly_plans=years,
        versions=version_count(plan),
        years_left=[y for y in range(plan.start_year, plan.end_year + 1) if y not in {p.year for p in years}]
        if plan.parent_id is None and plan.start_year != plan.end_year
        else [],
        form=Form(),
    )


@bp.post("/yearly")
def derive_yearly(plan_id: int):
    """The yearly plan of a year, derived from this five-year plan by the secretariat."""
    plan = load_plan(plan_id)
    require("manage_plan", plan)
    if not Form().validate_on_submit():
        abort(400)
    year = request.form.get("year", type=int)
    if year is None or not plan.start_year <= year <= plan.end_year or plan.parent_id is not None:
        flash(_("Choose a year of the plan (%(first)s–%(last)s).", first=plan.start_year, last=plan.end_year), "danger")
        return redirect(url_for("plan.overview", plan_id=plan.id))
    try:
        child = yearly.derive_yearly_plan(plan, year)
    except FileExistsError:
        flash(_("The plan of %(year)s exists already.", year=year), "info")
        return redirect(url_for("plan.overview", plan_id=plan.id))
    except PlanFileInvalid as refused:
        db.session.rollback()
        flash(_("The plan of %(year)s could not be made: %(why)s", year=year, why=refused.report()), "danger")
        return redirect(url_for("plan.overview", plan_id=plan.id))
    record(actor(), "plan.derive_yearly", now(), child, parent=plan.code, year=year)
    record_version(child, _("Made from the plan %(code)s for %(year)s", code=plan.code, year=year), actor(), now())
    db.session.commit()
    flash(
        _("The plan of %(year)s was made from this plan: its tasks, units and the year's targets.", year=year),
        "success",
    )
    return redirect(url_for("plan.overview", plan_id=child.id))


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
            record_version(plan, _("Units of %(code)s changed", code=task.code), actor(), now())
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


@bp.get("/versions")
def versions(plan_id: int):
    """The plan's versions: each adopted change, when, by whom and why."""
    plan = load_plan(plan_id)
    return render_template("plan/versions.html", plan=plan, versions=versions_of(plan))


@bp.get("/versions/<int:number>")
def version(plan_id: int, number: int):
    """What one version changed from the one before it, line by line of the plan file."""
    plan = load_plan(plan_id)
    every = {v.number: v for v in versions_of(plan)}
    if number not in every:
        abort(404)
    return render_template(
        "plan/version.html", plan=plan, version=every[number], changes=changes(every.get(number - 1), every[number])
    )


EDITED_FIELDS = ("title", "text", "start_on", "due_on", "weight")


@bp.route("/tasks/<code>/edit", methods=["GET", "POST"])
def edit_task(plan_id: int, code: str):
    """The secretariat changes a task as the plan has it (its title, text, dates, weight), with a reason:
    audited with before and after, and kept as the plan's next version."""
    plan = load_plan(plan_id)
    require("manage_plan", plan)
    task = load_task_node(plan, code).task
    form = TaskEditForm(obj=task if request.method == "GET" else None)
    if form.validate_on_submit():
        problem = _dates_problem(plan, form)
        if problem:
            form.due_on.errors.append(problem)
        else:
            before = {name: getattr(task, name) for name in EDITED_FIELDS}
            for name in EDITED_FIELDS:
                setattr(task, name, getattr(form, name).data if name != "text" else (form.text.data or None))
            after = {name: getattr(task, name) for name in EDITED_FIELDS}
            changed = {
                name: [str(before[name]), str(after[name])] for name in EDITED_FIELDS if before[name] != after[name]
            }
            if changed:
                moment = now()
                record(actor(), "task.edit", moment, task, code=task.code, reason=form.reason.data, changed=changed)
                record_version(plan, f"{task.code}: {form.reason.data}", actor(), moment)
                db.session.commit()
                flash(_("Task %(code)s is saved, with the plan's new version.", code=task.code), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("plan.task", plan_id=plan.id, code=task.code))
    status = 422 if form.errors else 200
    return render_template("plan/edit_task.html", plan=plan, task=task, form=form), status


def _dates_problem(plan, form: TaskEditForm) -> str | None:
    first, last = date(plan.start_year, 1, 1), date(plan.end_year, 12, 31)
    for field in (form.start_on, form.due_on):
        if field.data and not first <= field.data <= last:
            return _(
                "A task's dates are within the plan's years (%(first)s–%(last)s).",
                first=plan.start_year,
                last=plan.end_year,
            )
    if form.start_on.data and form.due_on.data and form.start_on.data > form.due_on.data:
        return _("The task cannot be due before it starts.")
    return None
