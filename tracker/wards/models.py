from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db


class Ward(db.Model):
    """A local government (phường / xã) that owns plans, units and accounts."""

    __tablename__ = "ward"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<Ward {self.code}>"
