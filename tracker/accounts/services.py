"""Accounts: creating and changing users, signing in, and the demo accounts of `make run`."""
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.accounts.models import ROLES, Role, User
from tracker.audit.models import AuditEvent
from tracker.audit.services import Actor, record
from tracker.extensions import db
from tracker.units.models import Unit
from tracker.wards.models import Ward


def ensure_roles() -> dict[str, Role]:
    roles = {role.code: role for role in db.session.scalars(select(Role))}
    for code in ROLES:
        if code not in roles:
            roles[code] = Role(code=code)
            db.session.add(roles[code])
    return roles


def create_user(username: str, password: str, full_name: str, roles: list[str], ward: Ward | None = None,
                unit: Unit | None = None, email: str | None = None) -> User:
    known = ensure_roles()
    user = User(username=username, full_name=full_name, ward=ward, unit=unit, email=email,
                roles=[known[code] for code in roles])
    user.set_password(password)
    db.session.add(user)
    return user


@dataclass
class DemoAccount:
    username: str
    password: str
    role: str
    unit_name: str | None


# One account per role, each in the unit that holds that role in the plan.
DEMO_ACCOUNTS = (
    ("demo.canbo", "Cán bộ Phòng Văn hóa – Xã hội (demo)", "officer", "phong-vh-xh"),
    ("demo.thuongtruc", "Cơ quan thường trực (demo)", "secretariat", "phong-xd-nn-mt"),
    ("demo.bancd", "Thành viên Ban Chỉ đạo (demo)", "committee", "phong-kinh-te"),
    ("demo.truongban", "Trưởng ban Chỉ đạo (demo)", "chair", "ubnd"),
    ("demo.quantri", "Quản trị hệ thống (demo)", "admin", None),
)


def create_demo_accounts(ward: Ward, actor: Actor, now: datetime) -> list[DemoAccount]:
    """Create the demo accounts if the installation has no accounts at all (each one in the
    audit log, marked as a demo account)."""
    if db.session.scalar(select(func.count(User.id))) > 0:
        return []
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == ward.id))}
    created = []
    for username, full_name, role, unit_code in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        unit = units.get(unit_code) if unit_code else None
        user = create_user(username, password, full_name, [role], ward=ward, unit=unit)
        record(actor, "user.create", now, user, username=username, roles=[role], demo=True)
        created.append(DemoAccount(username, password, role, unit.name if unit else None))
    return created


_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))

USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,64}$")
MIN_PASSWORD_LENGTH = 10


def username_problem(username: str) -> str | None:
    """Why a username cannot be used, or None. The form, the admin pages and the command line
    all ask this."""
    if not USERNAME_RE.match(username or ""):
        return _("Use 3 to 64 lowercase letters without accents, digits, dots, dashes or underscores.")
    return None


def password_problem(password: str) -> str | None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return _("The password must have at least %(min)d characters.", min=MIN_PASSWORD_LENGTH)
    if password != password.strip():
        return _("The password must not start or end with a space.")
    return None


class AccountRefused(ValueError):
    """The change cannot be made; the message says why."""


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == (username or "").strip().lower()))


class SignInThrottled(Exception):
    """Too many failed sign-ins for this account or from this address: wait a while."""


def _recent_failures(now: datetime, **match) -> int:
    since = now - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    query = select(func.count(AuditEvent.id)).where(AuditEvent.action == "login.failed", AuditEvent.occurred_at >= since)
    if "username" in match:
        query = query.where(func.lower(AuditEvent.username) == (match["username"] or "").strip().lower()[:64])
    if "remote_addr" in match:
        query = query.where(AuditEvent.remote_addr == match["remote_addr"])
    return db.session.scalar(query)


def check_throttle(username: str, remote_addr: str | None, now: datetime) -> None:
    """The limit counts the failures the audit log already holds, so it works the same across
    several app servers."""
    config = current_app.config
    if _recent_failures(now, username=username) >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] or (
        remote_addr and _recent_failures(now, remote_addr=remote_addr) >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    ):
        record(Actor(None, (username or "").strip()[:64], None, remote_addr), "login.throttled", now)
        raise SignInThrottled()


def authenticate(username: str, password: str, remote_addr: str | None, now: datetime) -> User | None:
    """The user if the credentials are right and the account is active. Every failure is logged
    with the name that was tried. Raises SignInThrottled after too many recent failures."""
    check_throttle(username, remote_addr, now)
    user = find_user(username)
    # An unknown name costs the same hashing time as a known one, so timing reveals nothing.
    password_ok = user.check_password(password) if user else check_password_hash(_DUMMY_HASH, password or "")
    if user is None or not password_ok or not user.active:
        reason = "unknown_user" if user is None else ("wrong_password" if not password_ok else "inactive")
        # The name as it matches the account (trimmed), so padding it never dodges the per-account limit.
        record(Actor(user.id if user else None, (username or "").strip()[:64], user.unit_id if user else None, remote_addr),
               "login.failed", now, reason=reason)
        return None
    record(Actor.for_user(user, remote_addr), "login", now)
    return user


def record_logout(actor: Actor, now: datetime) -> None:
    record(actor, "logout", now)


def add_user(actor: Actor, now: datetime, username: str, password: str, full_name: str, roles: list[str],
             ward=None, unit=None, email: str | None = None, active: bool = True) -> User:
    problem = username_problem(username) or password_problem(password)
    if problem:
        raise AccountRefused(problem)
    if not (full_name or "").strip():
        raise AccountRefused(_("Enter the person's full name."))
    if find_user(username) is not None:
        raise AccountRefused(_('The username "%(username)s" is already taken.', username=username))
    user = create_user(username, password, full_name, roles, ward=ward, unit=unit, email=email)
    user.active = active
    record(actor, "user.create", now, user, username=username, roles=sorted(roles))
    return user


def change_user(actor: Actor, now: datetime, user: User, username: str, full_name: str, roles: list[str],
                unit=None, email: str | None = None, active: bool = True) -> None:
    problem = username_problem(username)
    if problem:
        raise AccountRefused(problem)
    other = find_user(username)
    if other is not None and other.id != user.id:
        raise AccountRefused(_('The username "%(username)s" is already taken.', username=username))
    if user.id == actor.user_id and (not active or "admin" not in roles):
        raise AccountRefused(_("You cannot disable your own account or remove your own admin role."))
    known = ensure_roles()
    before = {"roles": sorted(user.role_codes), "active": user.active, "unit": user.unit_id}
    user.username, user.full_name, user.email, user.unit, user.active = username, full_name, email, unit, active
    user.roles = [known[code] for code in roles]
    if not active:
        user.end_sessions()
    record(actor, "user.change", now, user, before=before,
           after={"roles": sorted(roles), "active": active, "unit": unit.id if unit else None})


def set_password(actor: Actor, now: datetime, user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountRefused(problem)
    user.set_password(password)
    user.end_sessions()  # a new password signs the account out everywhere
    record(actor, "user.password", now, user)


def update_profile(actor: Actor, now: datetime, user: User, email: str | None, locale: str, email_notifications: bool) -> None:
    before = {"email": user.email, "locale": user.locale, "email_notifications": user.email_notifications}
    user.email, user.locale, user.email_notifications = (email or None), locale, email_notifications
    record(actor, "user.profile", now, user, before=before,
           after={"email": user.email, "locale": locale, "email_notifications": email_notifications})
