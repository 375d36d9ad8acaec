from datetime import date

from flask import Blueprint, render_template, request
from flask_login import current_user
from sqlalchemy import select

from tracker.accounts.models import User
from tracker.accounts.permissions import require
from tracker.audit_log import queries
from tracker.extensions import db
from tracker.units.models import Unit

bp = Blueprint("audit_log", __name__, url_prefix="/admin/audit")


@bp.get("/")
def index():
    require("read_audit")
    user_id = request.args.get("user", type=int)
    unit_id = request.args.get("unit", type=int)
    since = _date_arg("since")
    until = _date_arg("until")
    ward_id = current_user.ward_id
    users = db.session.scalars(select(User).where(User.ward_id == ward_id) if ward_id else select(User)).all()
    units = db.session.scalars(
        select(Unit).where(Unit.ward_id == ward_id, Unit.is_group.is_(False))
        if ward_id
        else select(Unit).where(Unit.is_group.is_(False))
    ).all()
    events = queries.events(user_id=user_id, unit_id=unit_id, since=since, until=until, ward_id=ward_id)
    return render_template(
        "audit_log/index.html",
        events=events,
        users=users,
        units=units,
        filters={"user": user_id, "unit": unit_id, "since": since, "until": until},
    )


def _date_arg(name: str):
    value = request.args.get(name, "")
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None
