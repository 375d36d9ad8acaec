import unicodedata

from sqlalchemy import String, event
from sqlalchemy.orm import Mapped, mapped_column

from tracker.extensions import db

# Vietnamese letters that come after their base letter (a ă â, d đ, e ê, o ô ơ, u ư): the base letter
# and a character that sorts after every ASCII letter. Tone marks do not count in the order.
_LETTER_AFTER = {"\u0306": "{", "\u0302": "|", "\u031b": "}"}  # breve, circumflex, horn


def vietnamese_sort_key(text: str) -> str:
    """A key under which names sort in Vietnamese alphabetical order with a plain byte comparison
    (every database's ORDER BY): "Phường Ba Bể" < "Phường Bắc Kạn" < "Phường Dương" < "Phường Đức Xuân"."""
    key = []
    for char in text.casefold():
        if char == "đ":
            key.append("d~")
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        key.append(base + "".join(_LETTER_AFTER[m] for m in marks if m in _LETTER_AFTER))
    return "".join(key)


class Ward(db.Model):
    """A local government (phường / xã) that owns plans, units and accounts."""

    __tablename__ = "ward"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    province: Mapped[str | None] = mapped_column(String(200), index=True)
    # The name's Vietnamese sort key (vietnamese_sort_key), kept with the name: lists of wards sort on it.
    sort_name: Mapped[str] = mapped_column(String(400), default="", server_default="")

    def __repr__(self) -> str:
        return f"<Ward {self.code}>"


def name_order():
    """Wards in Vietnamese alphabetical order: `sort_name` compared byte by byte on every engine
    (under PostgreSQL's usual collations the key's marks would be ignored)."""
    return Ward.sort_name.collate("C") if db.engine.dialect.name == "postgresql" else Ward.sort_name


@event.listens_for(Ward, "before_insert")
@event.listens_for(Ward, "before_update")
def _keep_sort_name(_mapper, _connection, ward: Ward) -> None:
    ward.sort_name = vietnamese_sort_key(ward.name or "")
