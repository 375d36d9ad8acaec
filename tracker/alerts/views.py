"""The bell: each person's messages (one a day, grouped by unit)."""

from datetime import date

from flask import Blueprint, Flask, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import update

from tracker.alerts import queries
from tracker.alerts.messages import alert_url, messages_of
from tracker.alerts.models import Notification
from tracker.core.forms import Form
from tracker.core.time import now, ward_date, ward_today
from tracker.extensions import db

bp = Blueprint("alerts", __name__, url_prefix="/notifications")


@bp.get("/")
def index():
    """The person's messages, one a day, each grouped by unit with the tasks one click away."""
    messages = messages_of(queries.user_notifications(current_user.id))
    return render_template("alerts/notifications.html", messages=messages, form=Form(), today=ward_today())


def _read_own(notification_id: int) -> Notification:
    """The current user's notification, marked read (other people's are not found)."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if not Form().validate_on_submit():
        abort(400)
    if notification.read_at is None:
        notification.read_at = now()
        db.session.commit()
    return notification


@bp.post("/<int:notification_id>/open")
def open_(notification_id: int):
    """Mark the notification read and go to what it is about."""
    return redirect(alert_url(_read_own(notification_id).alert, current_user))


@bp.post("/<int:notification_id>/read")
def mark_read(notification_id: int):
    _read_own(notification_id)
    return redirect(url_for("alerts.index"))


@bp.post("/day/<day>/read")
def mark_day_read(day: str):
    """Mark a whole message (a day's notifications) read."""
    if not Form().validate_on_submit():
        abort(400)
    try:
        chosen = date.fromisoformat(day)
    except ValueError:
        abort(404)
    for notification in queries.user_notifications(current_user.id, unread_only=True):
        if ward_date(notification.created_at) == chosen:
            notification.read_at = now()
    db.session.commit()
    return redirect(url_for("alerts.index"))


@bp.post("/read-all")
def mark_all_read():
    if not Form().validate_on_submit():
        abort(400)
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=now())
    )
    db.session.commit()
    return redirect(url_for("alerts.index"))


def register(app: Flask) -> None:
    @app.context_processor
    def bell():
        if current_user.is_authenticated:
            return {"unread_notifications": queries.unread_count(current_user.id)}
        return {"unread_notifications": 0}
