"""Every access rule of the app, in one place.

Views call these before they act (load, check, act) and templates call the same functions through
`can(...)`, so a hidden button and a refused request never disagree.
"""

from __future__ import annotations

from flask import Flask, abort, g, has_request_context
from flask_login import current_user
from sqlalchemy import false, true

from tracker.accounts.models import (
    PROVINCE_ROLES,
    ROLE_ADMIN,
    ROLE_CHAIR,
    ROLE_COMMITTEE,
    ROLE_OFFICER,
    ROLE_SECRETARIAT,
)
from tracker.extensions import db
from tracker.plan.assignments import unit_role_on_task
from tracker.plan.models import ROLE_LEAD
from tracker.reports.models import STATUS_DRAFT, STATUS_RETURNED
from tracker.wards.models import Ward


def _signed_in(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def has_role(user, *roles: str) -> bool:
    return _signed_in(user) and bool(user.role_codes & set(roles))


def is_installation_admin(user) -> bool:
    return _signed_in(user) and user.ward_id is None and has_role(user, ROLE_ADMIN)


def reads_province(user) -> bool:
    """A province's account (no ward, a province named, a province role): it reads every ward of
    its province and changes nothing. A province role held by a ward's account counts for nothing."""
    return _signed_in(user) and user.ward_id is None and bool(user.province) and has_role(user, *PROVINCE_ROLES)


def can_view_ward(user, ward_id: int) -> bool:
    """Everyone signed in reads everything of their own ward; an installation admin (no ward)
    reads every ward; a province's account reads the wards of its province."""
    if not _signed_in(user):
        return False
    if user.ward_id is None:
        if has_role(user, ROLE_ADMIN):
            return True
        if reads_province(user):
            ward = db.session.get(Ward, ward_id)
            return ward is not None and ward.province == user.province
        return False
    return user.ward_id == ward_id


def visible_wards(user):
    """The same rule as can_view_ward, as a condition on Ward for a query that lists wards or plans."""
    if not _signed_in(user):
        return false()
    if user.ward_id is not None:
        return Ward.id == user.ward_id
    if has_role(user, ROLE_ADMIN):
        return true()
    if reads_province(user):
        return Ward.province == user.province
    return false()


def can_view_overview(user, province: str | None = None) -> bool:
    """The overview of many wards' plans: a province's account for its own province, an
    installation admin for any province or for every ward (`province` None)."""
    if is_installation_admin(user):
        return True
    return reads_province(user) and province == user.province


def can_view_plan(user, plan) -> bool:
    return can_view_ward(user, plan.ward_id)


def posting_role(user, task) -> str | None:
    """ "lead" or "partner" when the user is an officer of a unit that holds that role on the
    task (named, or through one of its groups); None when the user may not post on it."""
    if not has_role(user, ROLE_OFFICER) or user.unit_id is None or not can_view_plan(user, task.plan):
        return None
    # Asked once per task and request (a task page asks for each of the unit's updates).
    known = g.setdefault("posting_roles", {}) if has_request_context() else {}
    key = (user.id, user.unit_id, task.id)
    if key not in known:
        known[key] = unit_role_on_task(task, user.unit_id)
    return known[key]


def can_post_update(user, task) -> bool:
    return posting_role(user, task) is not None


def can_correct_update(user, update) -> bool:
    """An update is corrected (by a new update pointing at it) by an officer of the unit that
    posted it, while that unit may still post on the task."""
    return update.unit_id is not None and update.unit_id == user.unit_id and can_post_update(user, update.task)


def can_read_evidence(user, evidence) -> bool:
    """Who may open an evidence file. A file for the ward ("ward"): everyone who reads the plan. A
    restricted file (the default, as files may hold lists of poor households): the officers of the
    unit that posted it and of the task's other units (lead or partner, through a unit group too),
    the secretariat, the steering committee and the chair. Not the admin, whose work is accounts and
    units, and who reads the log of who opened which file."""
    update = evidence.update
    if not can_view_plan(user, update.task.plan):
        return False
    if not evidence.is_restricted:
        return True
    if has_role(user, ROLE_SECRETARIAT, ROLE_COMMITTEE, ROLE_CHAIR):
        return True
    if not has_role(user, ROLE_OFFICER) or user.unit_id is None:
        return False
    return user.unit_id == update.unit_id or unit_role_on_task(update.task, user.unit_id) is not None


def can_mark_milestone(user, task) -> bool:
    """The lead unit (or the secretariat) records that a milestone's deliverable is done."""
    return posting_role(user, task) == ROLE_LEAD or (
        has_role(user, ROLE_SECRETARIAT) and can_view_plan(user, task.plan)
    )


def can_edit_report(user, report) -> bool:
    """The unit's officers write and submit their own report while it is a draft or returned."""
    return (
        has_role(user, ROLE_OFFICER)
        and user.unit_id == report.unit_id
        and report.status in (STATUS_DRAFT, STATUS_RETURNED)
        and can_view_plan(user, report.period.plan)
    )


def can_start_report(user, plan, unit_id: int) -> bool:
    return has_role(user, ROLE_OFFICER) and user.unit_id == unit_id and can_view_plan(user, plan)


def can_review_reports(user, plan) -> bool:
    return has_role(user, ROLE_SECRETARIAT) and can_view_plan(user, plan)


def can_manage_plan(user, plan) -> bool:
    """The secretariat keeps the plan and its reporting calendar."""
    return has_role(user, ROLE_SECRETARIAT) and can_view_plan(user, plan)


def can_assign_units(user, plan) -> bool:
    return has_role(user, ROLE_SECRETARIAT, ROLE_ADMIN) and can_view_plan(user, plan)


def can_comment(user, plan) -> bool:
    return has_role(user, ROLE_COMMITTEE, ROLE_CHAIR, ROLE_SECRETARIAT) and can_view_plan(user, plan)


def can_issue_directive(user, plan) -> bool:
    return has_role(user, ROLE_CHAIR) and can_view_plan(user, plan)


def can_answer_for_unit(user, unit_id: int, plan) -> bool:
    """The unit's officers answer questions and directives addressed to the unit."""
    return has_role(user, ROLE_OFFICER) and user.unit_id == unit_id and can_view_plan(user, plan)


def can_chase(user, plan) -> bool:
    """The secretariat and the chair chase (đôn đốc) a late unit."""
    return has_role(user, ROLE_CHAIR, ROLE_SECRETARIAT) and can_view_plan(user, plan)


def can_view_accountability(user, plan) -> bool:
    """The league table is the chair's view; the committee, the secretariat and the province read it too."""
    return has_role(user, ROLE_CHAIR, ROLE_COMMITTEE, ROLE_SECRETARIAT, ROLE_ADMIN, *PROVINCE_ROLES) and can_view_plan(
        user, plan
    )


def can_manage_accounts(user) -> bool:
    return has_role(user, ROLE_ADMIN)


def can_manage_units(user, ward_id: int) -> bool:
    return has_role(user, ROLE_ADMIN) and can_view_ward(user, ward_id)


def can_read_audit(user) -> bool:
    return has_role(user, ROLE_ADMIN)


def can_enter_indicator(user, indicator) -> bool:
    """The unit responsible for an indicator enters its actual values; the secretariat may enter any."""
    if has_role(user, ROLE_SECRETARIAT) and can_view_plan(user, indicator.plan):
        return True
    return (
        has_role(user, ROLE_OFFICER)
        and user.unit_id is not None
        and user.unit_id == indicator.reporting_unit_id
        and can_view_plan(user, indicator.plan)
    )


RULES = {
    "enter_indicator": can_enter_indicator,
    "view_plan": can_view_plan,
    "post_update": can_post_update,
    "correct_update": can_correct_update,
    "read_evidence": can_read_evidence,
    "edit_report": can_edit_report,
    "mark_milestone": can_mark_milestone,
    "start_report": can_start_report,
    "review_reports": can_review_reports,
    "manage_plan": can_manage_plan,
    "assign_units": can_assign_units,
    "comment": can_comment,
    "issue_directive": can_issue_directive,
    "answer_for_unit": can_answer_for_unit,
    "view_accountability": can_view_accountability,
    "view_overview": can_view_overview,
    "chase": can_chase,
    "manage_accounts": can_manage_accounts,
    "manage_units": can_manage_units,
    "read_audit": can_read_audit,
}


def can(rule: str, *args) -> bool:
    """`can("post_update", task)` for the current user; templates use the same."""
    return RULES[rule](current_user, *args)


def require(rule: str, *args) -> None:
    """Refuse the request with 403 unless the current user passes the rule."""
    if not can(rule, *args):
        abort(403)


def register(app: Flask) -> None:
    app.add_template_global(can, "can")
