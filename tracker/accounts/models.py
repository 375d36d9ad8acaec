import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from tracker.core.time import utcnow
from tracker.core.types import UTCDateTime
from tracker.extensions import db

ROLE_OFFICER = "officer"
ROLE_SECRETARIAT = "secretariat"
ROLE_COMMITTEE = "committee"
ROLE_CHAIR = "chair"
ROLE_ADMIN = "admin"
# A province's people read every ward of their province and change nothing: the provincial steering
# committee (Ban Chỉ đạo tỉnh) and the provincial department that follows the programme (Sở).
ROLE_PROVINCE_COMMITTEE = "province_committee"
ROLE_PROVINCE_DEPARTMENT = "province_department"
WARD_ROLES = (ROLE_OFFICER, ROLE_SECRETARIAT, ROLE_COMMITTEE, ROLE_CHAIR, ROLE_ADMIN)
PROVINCE_ROLES = (ROLE_PROVINCE_COMMITTEE, ROLE_PROVINCE_DEPARTMENT)
ROLES = WARD_ROLES + PROVINCE_ROLES

user_role = Table(
    "user_role",
    db.metadata,
    Column("user_id", Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", Integer, ForeignKey("role.id", ondelete="CASCADE"), primary_key=True),
)


class Role(db.Model):
    __tablename__ = "role"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)


class User(UserMixin, db.Model):
    """An account. It belongs to one ward and (for unit staff) one unit, and holds roles. A
    province's account belongs to no ward: it names its province, whose wards it reads."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int | None] = mapped_column(ForeignKey("ward.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    province: Mapped[str | None] = mapped_column(String(200))
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    # The daily e-mail digest; the person can turn it off.
    email_notifications: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Part of the session and remember-me cookies; changing it signs the account out everywhere.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))

    ward = relationship("Ward")
    unit = relationship("Unit")
    roles = relationship("Role", secondary=user_role, order_by="Role.code")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        self.session_token = secrets.token_hex(16)

    @property
    def role_codes(self) -> set[str]:
        return {role.code for role in self.roles}

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


def hash_password(password: str) -> str:
    """The one place passwords are hashed: PASSWORD_HASH_METHOD (scrypt; cheap under the tests)."""
    from flask import current_app, has_app_context

    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)
