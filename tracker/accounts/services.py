"""Accounts: creating users, and the demo accounts that `make run` sets up."""
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from tracker.accounts.models import ROLES, Role, User
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


def create_demo_accounts(ward: Ward) -> list[DemoAccount]:
    """Create the demo accounts if the installation has no accounts at all."""
    if db.session.scalar(select(func.count(User.id))) > 0:
        return []
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.ward_id == ward.id))}
    created = []
    for username, full_name, role, unit_code in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        unit = units.get(unit_code) if unit_code else None
        create_user(username, password, full_name, [role], ward=ward, unit=unit)
        created.append(DemoAccount(username, password, role, unit.name if unit else None))
    return created
