"""Accounts: creating and changing users, signing in, and the demo accounts of `make run`."""

import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from tracker.accounts import tokens
from tracker.accounts.models import PROVINCE_ROLES, ROLES, Role, User, hash_password
from tracker.audit.models import AuditEvent
from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.core.time import aware
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


def create_user(
    username: str,
    password: str,
    full_name: str,
    roles: list[str],
    ward: Ward | None = None,
    unit: Unit | None = None,
    email: str | None = None,
) -> User:
    known = ensure_roles()
    user = User(
        username=username, full_name=full_name, ward=ward, unit=unit, email=email, roles=[known[code] for code in roles]
    )
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
    # Reads every ward of the ward's province (the overview), changes nothing.
    ("demo.tinh", "Ban Chỉ đạo giảm nghèo tỉnh (demo)", "province_committee", None),
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
        of_province = role in PROVINCE_ROLES
        if of_province and not ward.province:
            continue
        user = create_user(username, password, full_name, [role], ward=None if of_province else ward, unit=unit)
        user.province = ward.province if of_province else None
        record(actor, "user.create", now, user, username=username, roles=[role], demo=True)
        created.append(DemoAccount(username, password, role, unit.name if unit else None))
    return created


_DUMMY_HASHES: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash of a random password, made the configured way (an unknown name costs the same time)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = hash_password(secrets.token_hex(16))
    return _DUMMY_HASHES[method]


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
    """Too many recent failed sign-ins for this name from this address: wait `wait` seconds."""

    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


# Sign-in throttling. Every attempt and its outcome is in the audit log (login, login.failed), so
# the throttle reads it there and works the same across several app servers. A wrong password
# slows down only the (name, address) pair that typed it: after LOGIN_FAILURES_BEFORE_DELAY failures
# the pair waits LOGIN_FIRST_DELAY_SECONDS after its last failure, twice as long after each further
# one, never more than LOGIN_LOCK_MINUTES; so a stranger elsewhere cannot lock out a person, and
# nobody is ever locked for good. An address with LOGIN_MAX_FAILURES_PER_ADDRESS failures under any
# names waits the same way before trying an account that never signed in from it (one guessing at
# many accounts), while the people who do sign in from there (an office behind one NAT) go on.
# Failures count for LOGIN_FAILURE_WINDOW_HOURS, and no longer once the pair signs in or an admin
# unlocks the account (login.unlock). Refused attempts are not failures: they never lengthen a wait.


@dataclass(frozen=True)
class _Failures:
    count: int
    last: datetime | None


def _name_key(username: str | None) -> str:
    """The name as failures are counted: trimmed, any case (as find_user matches it)."""
    return (username or "").strip().lower()[:64]


def _failures(since: datetime, *conditions) -> _Failures:
    count, last = db.session.execute(
        select(func.count(AuditEvent.id), func.max(AuditEvent.occurred_at)).where(
            AuditEvent.action == "login.failed", AuditEvent.occurred_at > since, *conditions
        )
    ).one()
    return _Failures(count, aware(last))


def _latest(action: str, *conditions) -> datetime | None:
    return aware(
        db.session.scalar(select(func.max(AuditEvent.occurred_at)).where(AuditEvent.action == action, *conditions))
    )


def _from_address(remote_addr: str | None):
    return AuditEvent.remote_addr == remote_addr if remote_addr is not None else AuditEvent.remote_addr.is_(None)


def _about(user: User):
    return (AuditEvent.target_type == User.__tablename__) & (AuditEvent.target_id == user.id)


def _counted_since(user: User | None, now: datetime) -> datetime:
    """Failures up to this moment no longer count: the window's start, or the admin's last unlock."""
    since = now - timedelta(hours=current_app.config["LOGIN_FAILURE_WINDOW_HOURS"])
    unlocked = _latest("login.unlock", _about(user)) if user is not None else None
    return max(since, unlocked) if unlocked else since


def _delay(failures: int, free: int) -> timedelta:
    """The wait after `failures` failures when the first `free` ones cost nothing."""
    if failures < free:
        return timedelta(0)
    config = current_app.config
    longest = config["LOGIN_LOCK_MINUTES"] * 60
    seconds = config["LOGIN_FIRST_DELAY_SECONDS"] * 2 ** min(failures - free, 32)  # 2**32 s is past any cap
    return timedelta(seconds=min(seconds, longest))


def _wait_until(failures: _Failures, free: int) -> datetime | None:
    delay = _delay(failures.count, free)
    return failures.last + delay if delay and failures.last else None


def sign_in_wait(username: str, remote_addr: str | None, now: datetime, user: User | None = None) -> int:
    """Seconds this name must still wait before trying a password from this address (0: none)."""
    config = current_app.config
    since = _counted_since(user, now)
    name, address = _name_key(username), _from_address(remote_addr)
    ends = []
    # The pair: this name from this address, since the pair last signed in.
    signed_in_here = _latest("login", AuditEvent.user_id == user.id, address) if user is not None else None
    pair = _failures(
        max(since, signed_in_here) if signed_in_here else since, func.lower(AuditEvent.username) == name, address
    )
    ends.append(_wait_until(pair, config["LOGIN_FAILURES_BEFORE_DELAY"]))
    # The address, guessing at many names, for an account that never signed in from it.
    if signed_in_here is None:
        ends.append(_wait_until(_failures(since, address), config["LOGIN_MAX_FAILURES_PER_ADDRESS"]))
    end = max((e for e in ends if e is not None), default=None)
    return math.ceil((end - now).total_seconds()) if end and end > now else 0


def check_throttle(username: str, remote_addr: str | None, now: datetime, user: User | None = None) -> None:
    """Raise SignInThrottled while this name must wait at this address. The refusal is logged once
    per wait, not once per click."""
    wait = sign_in_wait(username, remote_addr, now, user)
    if not wait:
        return
    # The wait started at the address's last failure (this name's, or any name's for the address rule).
    last_failure = _latest("login.failed", _from_address(remote_addr))
    already = (
        last_failure is not None
        and _latest(
            "login.throttled",
            func.lower(AuditEvent.username) == _name_key(username),
            _from_address(remote_addr),
            AuditEvent.occurred_at >= last_failure,
        )
        is not None
    )
    if not already:
        record(Actor(None, (username or "").strip()[:64], None, remote_addr), "login.throttled", now, wait=wait)
    raise SignInThrottled(wait)


def _warn_if_guessed_at(user: User, remote_addr: str | None, now: datetime) -> None:
    """One warning in the audit log (login.guessed, about the account) once its failures from
    all addresses reach LOGIN_WARN_FAILURES_PER_ACCOUNT; not again in the same window."""
    failed = failed_sign_ins(user, now)
    if failed.count < current_app.config["LOGIN_WARN_FAILURES_PER_ACCOUNT"]:
        return
    if _latest("login.guessed", _about(user), AuditEvent.occurred_at > failed.since) is None:
        record(
            Actor(None, user.username, None, remote_addr),
            "login.guessed",
            now,
            user,
            failures=failed.count,
            addresses=failed.addresses,
            hours=current_app.config["LOGIN_FAILURE_WINDOW_HOURS"],
        )


@dataclass(frozen=True)
class FailedSignIns:
    """The failed sign-ins that count against an account now: since `since` (the window's start,
    or the admin's last unlock), how many, from how many addresses."""

    since: datetime
    count: int
    addresses: int


def failed_sign_ins(user: User, now: datetime) -> FailedSignIns:
    since = _counted_since(user, now)
    count, addresses = db.session.execute(
        select(func.count(AuditEvent.id), func.count(AuditEvent.remote_addr.distinct())).where(
            AuditEvent.action == "login.failed",
            AuditEvent.occurred_at > since,
            func.lower(AuditEvent.username) == _name_key(user.username),
        )
    ).one()
    return FailedSignIns(since, count, addresses)


def unlock_sign_in(actor: Actor, now: datetime, user: User) -> None:
    """The admin's unlock: the failures so far no longer slow down sign-ins to this account, from
    any address."""
    failed = failed_sign_ins(user, now)
    record(actor, "login.unlock", now, user, failures=failed.count, addresses=failed.addresses)


def authenticate(username: str, password: str, remote_addr: str | None, now: datetime) -> User | None:
    """The user if the credentials are right and the account is active. Every failure is logged
    with the name that was tried. Raises SignInThrottled while this name must wait at this address."""
    user = find_user(username)
    check_throttle(username, remote_addr, now, user)
    # An unknown name costs the same hashing time as a known one, so timing reveals nothing.
    password_ok = user.check_password(password) if user else check_password_hash(_dummy_hash(), password or "")
    if user is None or not password_ok or not user.active:
        reason = "unknown_user" if user is None else ("wrong_password" if not password_ok else "inactive")
        # The name as it matches the account (trimmed), so padding it never dodges the limit.
        record(
            Actor(
                user.id if user else None, (username or "").strip()[:64], user.unit_id if user else None, remote_addr
            ),
            "login.failed",
            now,
            reason=reason,
        )
        if user is not None:
            _warn_if_guessed_at(user, remote_addr, now)
        return None
    record(Actor.for_user(user, remote_addr), "login", now)
    return user


def record_logout(actor: Actor, now: datetime) -> None:
    record(actor, "logout", now)


def add_user(
    actor: Actor,
    now: datetime,
    username: str,
    password: str,
    full_name: str,
    roles: list[str],
    ward=None,
    unit=None,
    email: str | None = None,
    active: bool = True,
    province: str | None = None,
) -> User:
    problem = username_problem(username) or password_problem(password) or province_problem(roles, ward, province, unit)
    if problem:
        raise AccountRefused(problem)
    if not (full_name or "").strip():
        raise AccountRefused(_("Enter the person's full name."))
    if find_user(username) is not None:
        raise AccountRefused(_('The username "%(username)s" is already taken.', username=username))
    user = create_user(username, password, full_name, roles, ward=ward, unit=unit, email=email)
    user.active = active
    user.province = province
    details = {"province": province} if province else {}
    record(actor, "user.create", now, user, username=username, roles=sorted(roles), **details)
    return user


def province_problem(roles: list[str], ward, province: str | None, unit=None) -> str | None:
    """A province's roles go with an account of no ward that names its province, and only with them."""
    province_roles = set(roles) & set(PROVINCE_ROLES)
    if province_roles and (ward is not None or unit is not None):
        return _("A province's account belongs to no ward: leave the ward out.")
    if province_roles and not (province or "").strip():
        return _("Name the province whose wards the account reads.")
    if province and not province_roles:
        return _("Only a province's roles (provincial committee, provincial department) name a province.")
    if province_roles and set(roles) - set(PROVINCE_ROLES):
        return _("A province's account holds only a province's roles.")
    return None


def change_user(
    actor: Actor,
    now: datetime,
    user: User,
    username: str,
    full_name: str,
    roles: list[str],
    unit=None,
    email: str | None = None,
    active: bool = True,
) -> None:
    # An account stays of its kind: a ward's holds a ward's roles, a province's only a province's.
    problem = username_problem(username) or province_problem(roles, user.ward, user.province, unit)
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
        tokens.revoke_all(actor, user, now)
    record(
        actor,
        "user.change",
        now,
        user,
        before=before,
        after={"roles": sorted(roles), "active": active, "unit": unit.id if unit else None},
    )


def set_password(actor: Actor, now: datetime, user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountRefused(problem)
    user.set_password(password)
    user.end_sessions()  # a new password signs the account out everywhere, and ends its API tokens
    tokens.revoke_all(actor, user, now)
    record(actor, "user.password", now, user)


def update_profile(
    actor: Actor, now: datetime, user: User, email: str | None, locale: str, email_notifications: bool
) -> None:
    before = {"email": user.email, "locale": user.locale, "email_notifications": user.email_notifications}
    user.email, user.locale, user.email_notifications = (email or None), locale, email_notifications
    record(
        actor,
        "user.profile",
        now,
        user,
        before=before,
        after={"email": user.email, "locale": locale, "email_notifications": email_notifications},
    )
