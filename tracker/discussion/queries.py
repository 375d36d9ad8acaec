"""Reading questions and directives."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.discussion.models import Comment, Directive, Question
from tracker.extensions import db


def plan_questions(
    plan, open_only: bool = True, unit_id: int | None = None, task_id: int | None = None
) -> list[Question]:
    query = (
        select(Question)
        .where(Question.plan_id == plan.id)
        .options(
            joinedload(Question.unit),
            joinedload(Question.task),
            joinedload(Question.asked_by),
            joinedload(Question.answered_by),
        )
        .order_by(Question.asked_at.desc(), Question.id.desc())
    )
    if open_only:
        query = query.where(Question.answered_at.is_(None))
    if unit_id:
        query = query.where(Question.unit_id == unit_id)
    if task_id:
        query = query.where(Question.task_id == task_id)
    return db.session.scalars(query).all()


def plan_directives(
    plan, open_only: bool = True, unit_id: int | None = None, task_id: int | None = None
) -> list[Directive]:
    query = (
        select(Directive)
        .where(Directive.plan_id == plan.id)
        .options(
            joinedload(Directive.unit),
            joinedload(Directive.task),
            joinedload(Directive.issued_by),
            joinedload(Directive.replied_by),
        )
        .order_by(Directive.due_on, Directive.id)
    )
    if open_only:
        query = query.where(Directive.done_at.is_(None))
    if unit_id:
        query = query.where(Directive.unit_id == unit_id)
    if task_id:
        query = query.where(Directive.task_id == task_id)
    return db.session.scalars(query).all()


def task_comments(task_id: int) -> list[Comment]:
    return db.session.scalars(
        select(Comment)
        .where(Comment.task_id == task_id)
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ).all()


def overdue_directives(plan, today: date) -> list[Directive]:
    return db.session.scalars(
        select(Directive)
        .where(Directive.plan_id == plan.id, Directive.overdue_on(today))
        .options(joinedload(Directive.unit), joinedload(Directive.task))
        .order_by(Directive.due_on)
    ).all()
