"""The shared indicators of a province (or of every ward) added up, kept: derived data, worked out
again from the wards' indicators when the indicators' version (tracker.core.changes) has moved on."""

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db


class SharedTotal(db.Model):
    __tablename__ = "shared_total"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)  # a province, or "" for every ward
    version: Mapped[int] = mapped_column(BigInteger)  # the indicators' version it was worked out at
    data: Mapped[dict] = mapped_column(JSON)  # {"years": [...], "indicators": [...]}, numbers as text
