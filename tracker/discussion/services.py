"""Comments, questions and directives: the committee and the chair talking to the units."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.core.time import ward_date
from tracker.discussion.models import Comment, Directive, Question
from tracker.extensions import db


class DiscussionRefused(ValueError):
    """The step cannot be taken; the message says why."""


def _text(value: str | None, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise DiscussionRefused(what)
    return value


def add_comment(actor: Actor, task, body: str, now: datetime, update=None) -> Comment:
    if update is not None and update.task_id != task.id:
        raise DiscussionRefused(_("That update belongs to another task."))
    comment = Comment(
        task=task, update=update, author_id=actor.user_id, body=_text(body, _("Write the comment.")), created_at=now
    )
    db.session.add(comment)
    record(actor, "comment.add", now, comment, task=task.code)
    return comment


def ask_question(actor: Actor, plan, unit, body: str, now: datetime, task=None) -> Question:
    if unit.ward_id != plan.ward_id:
        raise DiscussionRefused(_("Choose a unit of this ward."))
    question = Question(
        plan_id=plan.id,
        task=task,
        unit=unit,
        asked_by_id=actor.user_id,
        body=_text(body, _("Write the question.")),
        asked_at=now,
    )
    db.session.add(question)
    record(actor, "question.ask", now, question, unit=unit.code, task=task.code if task else None)
    return question


def answer_question(actor: Actor, question: Question, answer: str, now: datetime) -> None:
    if not question.is_open:
        raise DiscussionRefused(_("This question has already been answered."))
    question.answer = _text(answer, _("Write the answer."))
    question.answered_by_id = actor.user_id
    question.answered_at = now
    record(actor, "question.answer", now, question)


def issue_directive(actor: Actor, plan, unit, body: str, due_on: date, now: datetime, task=None) -> Directive:
    if unit.ward_id != plan.ward_id:
        raise DiscussionRefused(_("Choose a unit of this ward."))
    if due_on < ward_date(now):
        raise DiscussionRefused(_("The due date cannot be in the past."))
    directive = Directive(
        plan_id=plan.id,
        task=task,
        unit=unit,
        issued_by_id=actor.user_id,
        body=_text(body, _("Write the directive.")),
        due_on=due_on,
        issued_at=now,
    )
    db.session.add(directive)
    record(
        actor,
        "directive.issue",
        now,
        directive,
        unit=unit.code,
        task=task.code if task else None,
        due_on=due_on.isoformat(),
    )
    return directive


def reply_to_directive(actor: Actor, directive: Directive, reply: str, done: bool, now: datetime) -> None:
    if directive.done_at is not None:
        raise DiscussionRefused(_("This directive is already marked done."))
    directive.reply = _text(reply, _("Write the reply."))
    directive.replied_by_id = actor.user_id
    directive.replied_at = now
    if done:
        directive.done_at = now
    record(actor, "directive.done" if done else "directive.reply", now, directive)


def directive_on_time(directive: Directive) -> bool:
    """Done by its due date (in the ward's calendar)."""
    return directive.done_at is not None and ward_date(directive.done_at) <= directive.due_on
