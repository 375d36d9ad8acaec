from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.extensions import db

unit_group_member = Table(
    "unit_group_member",
    db.metadata,
    Column("group_id", Integer, ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
    Column("member_id", Integer, ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class Unit(db.Model):
    """An office or organisation, or a unit group: a collective name in the plan ("các tổ dân
    phố") whose members are real units."""

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("ward_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ward_id: Mapped[int] = mapped_column(ForeignKey("ward.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    aliases: Mapped[list] = mapped_column(JSON, default=list)
    is_group: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # A body outside UBND's own apparatus (Đảng ủy, Ủy ban MTTQ and the mass organisations, Công an,
    # Quân sự, the bank, social insurance, businesses): UBND "đề nghị" (requests) of it rather than
    # "giao" (assigns), and the league table lists it in a group of its own.
    outside_apparatus: Mapped[bool] = mapped_column(Boolean, default=False)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    ward = relationship("Ward")
    members = relationship(
        "Unit",
        secondary=unit_group_member,
        primaryjoin=lambda: Unit.id == unit_group_member.c.group_id,
        secondaryjoin=lambda: Unit.id == unit_group_member.c.member_id,
        back_populates="groups",
        order_by="Unit.sort_order",
    )
    groups = relationship(
        "Unit",
        secondary=unit_group_member,
        primaryjoin=lambda: Unit.id == unit_group_member.c.member_id,
        secondaryjoin=lambda: Unit.id == unit_group_member.c.group_id,
        back_populates="members",
        order_by="Unit.sort_order",
    )

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"
