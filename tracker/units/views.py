from dataclasses import replace

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from tracker.accountability.models import Chase
from tracker.accounts.permissions import require
from tracker.alerts.messages import unit_summary
from tracker.alerts.models import TASK_OVERDUE, TASK_STALE
from tracker.alerts.queries import concerning_counts, first_concerning
from tracker.core.http import actor
from tracker.core.pagination import paginate
from tracker.core.time import now, ward_today
from tracker.discussion.forms import AnswerForm, ReplyForm
from tracker.discussion.queries import plan_directives, plan_questions
from tracker.extensions import db
from tracker.pages.loaders import load_plan
from tracker.plan import assignments
from tracker.plan import queries as plan_queries
from tracker.plan.models import Task
from tracker.progress.queries import latest_updates_by_unit
from tracker.progress.status import IN_PROGRESS_OVERDUE, STALE
from tracker.reports.models import STATUS_RETURNED
from tracker.standing import listing
from tracker.standing.stored import current_standings
from tracker.units import services
from tracker.units.forms import UnitForm
from tracker.units.models import Unit
from tracker.wards.models import Ward

bp = Blueprint("units", __name__, url_prefix="/plans/<int:plan_id>/units")


@bp.get("/")
def index(plan_id: int):
    plan = load_plan(plan_id)
    work = assignments.plan_workload(plan)
    tree = plan_queries.task_tree(plan)
    unassigned = [node for section in tree for node in section.walk() if node.unassigned]
    return render_template("units/index.html", plan=plan, work=list(work.values()), unassigned=unassigned)


@bp.get("/<code>")
def detail(plan_id: int, code: str):
    plan = load_plan(plan_id)
    work = assignments.plan_workload(plan)
    entry = next((w for w in work.values() if w.unit.code == code), None)
    if entry is None:
        abort(404)
    return render_template("units/detail.html", plan=plan, entry=entry, work=work)


home_bp = Blueprint("units_home", __name__, url_prefix="/plans/<int:plan_id>")


@home_bp.get("/my-unit")
def my_unit(plan_id: int):
    """The officer's start page: what the unit leads and supports, what it owes, what came back."""
    plan = load_plan(plan_id)
    if current_user.unit_id is None:
        flash(_("Your account belongs to no unit, so there is no unit page to show."), "info")
        return redirect(url_for("plan.overview", plan_id=plan.id))
    unit = db.session.get(Unit, current_user.unit_id)
    if unit is None or unit.ward_id != plan.ward_id:
        abort(404)
    current_standings(plan, ward_today())
    mine = assignments.unit_task_ids(plan, unit.id, listing.positions)
    size = current_app.config["LIST_PAGE_SIZE"]
    lists = [
        ("led", _("Tasks led"), paginate(mine.leads, request.args.get("led", type=int), size)),
        ("supported", _("Tasks supported"), paginate(mine.supports, request.args.get("supported", type=int), size)),
    ]
    shown = [task_id for _key, _heading, page in lists for task_id in page.items]
    tasks = {t.id: t for t in db.session.scalars(select(Task).where(Task.id.in_(shown)))} if shown else {}
    lists = [(key, heading, replace(page, items=[tasks[i] for i in page.items])) for key, heading, page in lists]
    latest = latest_updates_by_unit(unit.id, shown)
    today = ward_today()
    rows = listing.unit_report_rows(plan, current_user.unit_id, today)
    returned = [r for r in rows if r.status == STATUS_RETURNED]
    # A returned report is owed again until it is sent back.
    owed = [r for r in rows if not r.sent or r.status == STATUS_RETURNED]
    return render_template(
        "units/home.html",
        plan=plan,
        unit=unit,
        lists=lists,
        page_args={key: page.number for key, _heading, page in lists},
        latest=latest,
        owed=owed,
        returned=returned,
        waiting=[r for r in rows if r.sent and r.status not in (STATUS_RETURNED,)],
        today=today,
        questions=plan_questions(plan, open_only=True, unit_id=current_user.unit_id),
        directives=plan_directives(plan, open_only=True, unit_id=current_user.unit_id),
        answer_form=AnswerForm(),
        reply_form=ReplyForm(),
        **_unit_alerts(plan, unit, today),
        chases=db.session.scalars(
            select(Chase)
            .where(Chase.plan_id == plan.id, Chase.unit_id == current_user.unit_id)
            .order_by(Chase.created_at.desc())
            .limit(5)
        ).all(),
    )


def _unit_alerts(plan, unit: Unit, today) -> dict:
    """The unit page's alerts: one line counting them by kind, the first few by name, and the task
    lists behind the counts (a unit may have hundreds of task alerts: they are counted, not listed)."""
    counts = concerning_counts(plan.id, current_user)
    return {
        "alerts": first_concerning(plan.id, current_user),
        "alert_total": sum(found.count for found in counts.values()),
        "alert_summary": unit_summary(unit.name, counts, today) if counts else None,
        "alert_lists": [
            (phrase, url_for("dashboard.tasks", plan_id=plan.id, unit=unit.code, **chosen))
            for kind, phrase, chosen in (
                (TASK_OVERDUE, _("The unit's overdue tasks"), {"status": IN_PROGRESS_OVERDUE}),
                (TASK_STALE, _("The unit's tasks without a recent update"), {"flag": STALE}),
            )
            if kind in counts
        ],
    }


# --- admin: units ---------------------------------------------------------------------------

admin = Blueprint("units_admin", __name__, url_prefix="/admin/units")


def _ward() -> Ward:
    """The admin's own ward, or the ward chosen with ?ward= by an installation admin."""
    if current_user.ward_id is not None:
        return current_user.ward
    wards = db.session.scalars(select(Ward).order_by(Ward.name)).all()
    chosen = request.args.get("ward", type=int)
    ward = next((w for w in wards if w.id == chosen), wards[0] if len(wards) == 1 else None)
    if ward is None:
        abort(404)
    return ward


def _form(ward: Ward, unit: Unit | None) -> UnitForm:
    form = UnitForm(obj=unit) if unit is not None and request.method == "GET" else UnitForm()
    others = db.session.scalars(
        select(Unit).where(Unit.ward_id == ward.id).order_by(Unit.is_group, Unit.sort_order, Unit.id)
    ).all()
    form.members.choices = [(u.id, u.name) for u in others if unit is None or u.id != unit.id]
    if unit is not None and request.method == "GET":
        form.members.data = [m.id for m in unit.members]
    return form


@admin.get("/", endpoint="index")
def admin_index():
    ward = _ward()
    require("manage_units", ward.id)
    units = db.session.scalars(
        select(Unit).where(Unit.ward_id == ward.id).order_by(Unit.is_group, Unit.sort_order, Unit.id)
    ).all()
    return render_template("units/admin_list.html", ward=ward, units=units)


@admin.route("/new", methods=["GET", "POST"])
def new():
    ward = _ward()
    require("manage_units", ward.id)
    form = _form(ward, None)
    return _save(ward, None, form)


@admin.route("/<int:unit_id>", methods=["GET", "POST"])
def edit(unit_id: int):
    unit = db.get_or_404(Unit, unit_id)
    require("manage_units", unit.ward_id)
    form = _form(unit.ward, unit)
    return _save(unit.ward, unit, form)


def _save(ward: Ward, unit: Unit | None, form: UnitForm):
    if form.validate_on_submit():
        try:
            saved = services.save_unit(
                actor(),
                now(),
                ward.id,
                unit,
                form.code.data,
                form.name.data,
                form.is_group.data,
                form.members.data,
                form.note.data,
                form.active.data,
                outside_apparatus=form.outside_apparatus.data,
            )
        except services.UnitRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            flash(_('Unit "%(name)s" saved.', name=saved.name), "success")
            return redirect(url_for("units_admin.index", ward=ward.id))
    return render_template("units/admin_form.html", ward=ward, unit=unit, form=form), 200 if not (
        form.errors or form.form_errors
    ) else 422
