"""Display names for the codes the database stores. Codes are stored; words are translated on display."""

import functools

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.core.i18n import language

LABELS = {
    "period_kind": {
        "six_month": _l("6-month report"),
        "annual": _l("Annual report"),
        "mid_term": _l("Mid-term review"),
        "final": _l("Final review"),
    },
    "role": {
        "lead": _l("Lead"),
        "partner": _l("Partner"),
        "officer": _l("Unit officer"),
        "secretariat": _l("Secretariat"),
        "committee": _l("Steering committee member"),
        "chair": _l("Chair"),
        "admin": _l("Administrator"),
        "province_committee": _l("Provincial steering committee"),
        "province_department": _l("Provincial department"),
    },
    "task_status": {
        "not_started": _l("Not started yet"),
        "in_progress_on_time": _l("In progress, on time"),
        "in_progress_overdue": _l("In progress, overdue"),
        "done_on_time": _l("Done on time"),
        "done_late": _l("Done late"),
    },
    "task_order": {
        "plan": _l("the plan's order"),
        "late": _l("most overdue first"),
    },
    "flag": {
        "blocked": _l("Blocked"),
        "stale": _l("No recent update"),
        "unassigned": _l("Not assigned"),
        "late_report": _l("Report late"),
        "green": _l("On schedule"),
        "amber": _l("Behind schedule"),
        "red": _l("Seriously behind"),
    },
    "alert_kind": {
        "report_due": _l("Report due soon"),
        "report_missing": _l("Report missing"),
        "task_overdue": _l("Task overdue"),
        "milestone_overdue": _l("Milestone overdue"),
        "directive_overdue": _l("Directive overdue"),
        "question_unanswered": _l("Question unanswered"),
        "task_stale": _l("No recent update"),
        "task_unassigned": _l("No unit assigned"),
        "escalation": _l("Passed to the chair"),
        "chase": _l("Chased"),
    },
    "update_state": {
        "working": _l("Working on it"),
        "done": _l("Done"),
        "blocked": _l("Blocked: needs the committee"),
    },
    "report_status": {
        "not_started": _l("Not started"),
        "draft": _l("Draft"),
        "submitted": _l("Submitted, waiting for review"),
        "accepted": _l("Accepted"),
        "returned": _l("Returned for changes"),
    },
    "report_event": {
        "saved": _l("draft saved"),
        "submitted": _l("submitted"),
        "resubmitted": _l("resubmitted"),
        "returned": _l("returned for changes"),
        "accepted": _l("accepted"),
    },
    "audit_action": {
        "login": _l("signed in"),
        "login.failed": _l("failed sign-in"),
        "login.throttled": _l("sign-in refused: too many failures"),
        "login.guessed": _l("warning: someone is guessing this account's password"),
        "login.unlock": _l("let an account sign in again without waiting"),
        "logout": _l("signed out"),
        "progress.post": _l("posted progress"),
        "evidence.read": _l("opened an evidence file"),
        "evidence.refused": _l("was refused an evidence file"),
        "storage.full": _l("could not attach files: the upload folder is full"),
        "evidence.clean": _l("removed evidence files that no update points at"),
        "report.save": _l("saved a report draft"),
        "report.submit": _l("submitted a report"),
        "report.resubmit": _l("resubmitted a report"),
        "report.accept": _l("accepted a report"),
        "report.return": _l("returned a report"),
        "task.assign": _l("changed a task's units"),
        "period.change": _l("changed a period's deadlines"),
        "unit.create": _l("created a unit"),
        "unit.change": _l("changed a unit"),
        "user.create": _l("created an account"),
        "user.change": _l("changed an account"),
        "user.password": _l("set a password"),
        "user.profile": _l("changed their profile"),
        "milestone.done": _l("marked a milestone done"),
        "comment.add": _l("commented"),
        "question.ask": _l("asked a question"),
        "question.answer": _l("answered a question"),
        "directive.issue": _l("issued a directive"),
        "directive.reply": _l("replied to a directive"),
        "directive.done": _l("marked a directive done"),
        "indicator.value": _l("entered an indicator figure"),
        "ward_report.save": _l("saved the ward's report"),
        "unit.chase": _l("chased a unit"),
        "plan.load": _l("loaded the plan file"),
        "plan.import_draft": _l("read a plan document into a draft"),
        "plan.import": _l("adopted a plan from a document"),
        "plan.derive_yearly": _l("made a yearly plan from the five-year plan"),
        "task.edit": _l("changed a task of the plan"),
        "api_token.create": _l("made an API token"),
        "api_token.revoke": _l("revoked an API token"),
    },
    "record_type": {
        "ward": _l("ward"),
        "plan": _l("plan"),
        "task": _l("task"),
        "assignment": _l("assignment"),
        "milestone": _l("milestone"),
        "unit": _l("unit"),
        "user_account": _l("account"),
        "reporting_period": _l("reporting period"),
        "progress_update": _l("progress update"),
        "evidence": _l("evidence file"),
        "period_report": _l("period report"),
        "unit_report": _l("unit report"),
        "chase": _l("chase"),
        "comment": _l("comment"),
        "question": _l("question"),
        "directive": _l("directive"),
        "indicator_value": _l("indicator figure"),
        "ward_report": _l("ward report"),
        "plan_draft": _l("plan draft"),
        "api_token": _l("API token"),
    },
    "indicator_category": {
        "baseline": _l("Baseline at the end of 2025"),
        "poverty_reduction": _l("Poverty-reduction targets"),
        "coverage": _l("Access to basic social services"),
        "household_group": _l("Poor households by group"),
        "roadmap": _l("Roadmap"),
        "budget": _l("Budget"),
        "context": _l("Other figures"),
    },
    "measure": {
        "households": _l("households"),
        "percent": _l("%"),
        "million_vnd": _l("million VND"),
        "count": _l("count"),
    },
}


def label(kind: str, code: str | None) -> str:
    if code is None:
        return ""
    locale = language()
    if locale is None:
        return str(LABELS.get(kind, {}).get(code, code))
    return _label(locale, kind, code)


@functools.lru_cache(maxsize=4096)
def _label(locale: str, kind: str, code: str) -> str:
    """A label in a language, translated once (the catalogues do not change while the app runs)."""
    with force_locale(locale):
        return str(LABELS.get(kind, {}).get(code, code))


def period_name(period) -> str:
    """ "6-month report 2026", "Mid-term review 2028"."""
    return f"{label('period_kind', period.kind)} {period.year}"


def round_name(round_) -> str:
    """A reporting round by its periods: "Annual report 2028 and Mid-term review 2028"."""
    names = [period_name(p) for p in round_.periods]
    if len(names) == 1:
        return names[0]
    return _("%(first)s and %(second)s", first=", ".join(names[:-1]), second=names[-1])


def register(app: Flask) -> None:
    app.add_template_global(label, "label")
    app.add_template_global(period_name, "period_name")
    app.add_template_global(round_name, "round_name")
