"""Unit names as a plan document writes them, matched to the ward's units.

A plan names its units in many ways: "UB MTTQ Việt Nam", "UB MTTQ VN", "Ủy ban MTTQ Việt Nam
phường", "Phòng Văn hóa – Xã hội" with an en dash or a hyphen, "Trạm y tế phường" in lower case.
A list of them ("UB MTTQ Việt Nam và các tổ chức chính trị - xã hội, các phòng, ban, đơn vị thuộc
phường, tổ dân phố.") is cut into units by the names the ward knows, longest first, so that a name
with commas of its own ("các phòng, ban, đơn vị thuộc phường") stays whole; what is left between them
is cut at commas and "và", and each piece is matched by its letters (rapidfuzz) or proposed as a
new unit (or a group: "các tổ dân phố"), never dropped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process

# The words a name may carry or not and still be the same unit.
_NOISE = re.compile(
    r"\b(?:phường|thị trấn|trên địa bàn|thuộc ubnd|thuộc phường|đề nghị)\b"
)  # ("xã" is also in "xã hội")
_DASHES = re.compile(r"\s*[-–—‑]\s*")
_SPACES = re.compile(r"\s+")
_SEPARATORS = re.compile(r"\s*(?:[,;]|\bvà\b|\bcùng\b|\bvới\b)\s*")
FUZZY_SCORE = 86  # out of 100: below it, a piece is proposed as a new unit

# The abbreviations of administrative Vietnamese, written out before names are compared (without
# diacritics): "UB MTTQ VN" and "Ủy ban Mặt trận Tổ quốc Việt Nam" are one name.
ABBREVIATIONS = {
    "ubmttq": "uy ban mat tran to quoc",
    "mttq": "mat tran to quoc",
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "ub": "uy ban",
    "vn": "viet nam",
    "nhcsxh": "ngan hang chinh sach xa hoi",
    "csxh": "chinh sach xa hoi",
    "ctxh": "chinh tri xa hoi",
    "pgd": "phong giao dich",
    "bhxh": "bao hiem xa hoi",
    "bhyt": "bao hiem y te",
    "bch": "ban chi huy",
    "bcd": "ban chi dao",
    "tt": "trung tam",
    "htx": "hop tac xa",
    "tdp": "to dan pho",
    "lhpn": "lien hiep phu nu",
    "ccb": "cuu chien binh",
    "dtn": "doan thanh nien",
    "vh": "van hoa",
    "xh": "xa hoi",
}
_WORD = re.compile(r"[a-z0-9]+")
# The words a body's name starts with (without diacritics, abbreviations written out): a piece of a
# list that starts otherwise is the rest of the name before it.
_BODY = re.compile(
    r"^(?:cac|nhung|phong|ban|hoi|tram|trung tam|uy ban|dang uy|cong an|quan su|to|doan|mat tran|bao hiem|"
    r"ngan hang|van phong|truong|hop tac xa|doanh nghiep|chi nhanh|cong ty|benh vien|kho bac|chi cuc|cuc|so|"
    r"thanh vien|nguoi|ho|lien doan|lien hiep|hoi dong|nhan dan|chinh quyen|dai|buu dien|dien luc|vien)\b"
)


def folded(text: str) -> str:
    """A name for comparison: NFC, lower case, one kind of dash, single spaces, no end punctuation."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = _DASHES.sub(" - ", text)
    text = _SPACES.sub(" ", text)
    return text.strip(" .;:,")


def bare(text: str) -> str:
    """A name without its diacritics and the words it may carry or not ("phường", "thuộc phường")."""
    text = _NOISE.sub(" ", folded(text))
    text = unicodedata.normalize("NFD", text.replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _WORD.sub(lambda word: ABBREVIATIONS.get(word.group(), word.group()), text)
    return _SPACES.sub(" ", re.sub(r"[,;.:()/]| - ", " ", text)).strip(" -")


@dataclass(frozen=True)
class KnownUnit:
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    is_group: bool = False


@dataclass(frozen=True)
class UnitMatch:
    """A piece of a list of units: the unit it names (None: not one the ward has), how it was
    found ("name", "fuzzy", "new") and the match's confidence, 0 to 100."""

    text: str
    code: str | None
    how: str
    confidence: int
    group: bool = False  # a proposed new unit that is a group ("các trường học")


class UnitMatcher:
    def __init__(self, units: list[KnownUnit]):
        self.units = {unit.code: unit for unit in units}
        spellings: dict[str, str] = {}
        for unit in units:
            for spelling in (unit.name, *unit.aliases):
                for form in (folded(spelling), bare(spelling)):
                    if form:
                        spellings.setdefault(form, unit.code)
        self._spellings = spellings
        # Longest first: "ủy ban mttq việt nam phường" before "ủy ban mttq việt nam".
        self._ordered = sorted(spellings, key=len, reverse=True)
        self._choices = {form: code for form, code in spellings.items()}

    def match_name(self, text: str) -> UnitMatch:
        """One name: the ward's unit it is, by its spelling, then by its letters; else a new one."""
        piece = text.strip(" .;:,")
        for form in (folded(piece), bare(piece)):
            if form in self._spellings:
                return UnitMatch(piece, self._spellings[form], "name", 100)
        letters = bare(piece)
        found = process.extractOne(letters, list(self._choices), scorer=fuzz.token_sort_ratio)
        if found is not None and found[1] >= FUZZY_SCORE:
            return UnitMatch(piece, self._choices[found[0]], "fuzzy", int(found[1]))
        # A name shortened ("BHXH Bắc Kạn" for "Bảo hiểm xã hội cơ sở Bắc Kạn"): every word of it
        # in the names of one unit, and of no other. A name with words more is another unit.
        words = set(letters.split())
        if len(words) >= 2:
            codes = {code for form, code in self._choices.items() if words <= set(form.split())}
            if len(codes) == 1:
                return UnitMatch(piece, codes.pop(), "fuzzy", 90)
        return UnitMatch(piece, None, "new", 0, group=folded(piece).startswith(("các ", "những ")))

    def split(self, text: str) -> list[UnitMatch]:
        """A list of units as written, cut into the units it names, in the order written; a name
        no unit answers to keeps its case as written ("Hội Nông dân phường")."""
        return [self._as_written(match, text) for match in self._split(text)]

    @staticmethod
    def _as_written(match: UnitMatch, text: str) -> UnitMatch:
        if match.code is not None:
            return match
        words = [re.escape(word) for word in re.findall(r"\w+", match.text)]
        found = re.search(r"\W+".join(words), unicodedata.normalize("NFC", text), re.IGNORECASE) if words else None
        return UnitMatch(found.group(), None, match.how, match.confidence, match.group) if found else match

    def _split(self, text: str) -> list[UnitMatch]:
        working = folded(text)
        found: list[tuple[int, int, str]] = []  # start, end, code
        taken = [False] * len(working)
        for form in self._ordered:
            for hit in re.finditer(rf"(?<!\w){re.escape(form)}(?!\w)", working):
                start, end = hit.span()
                if not any(taken[start:end]):
                    found.append((start, end, self._spellings[form]))
                    for i in range(start, end):
                        taken[i] = True
        pieces: list[tuple[int, UnitMatch]] = [
            (start, UnitMatch(working[start:end], code, "name", 100)) for start, end, code in found
        ]
        # What no known name covers: cut at the separators, each piece matched on its own.
        rest = "".join(ch if not taken[i] else "\0" for i, ch in enumerate(working))
        for hit in re.finditer(r"[^\0]+", rest):
            offset = hit.start()
            for part in re.finditer(r"[^,;]+", hit.group()):
                for piece in _SEPARATORS.split(part.group()):
                    piece = piece.strip(" .;:,-")
                    if len(bare(piece)) < 3:
                        continue
                    pieces.append((offset + part.start() + part.group().find(piece), self.match_name(piece)))
        pieces.sort(key=lambda item: item[0])
        return self._whole_names(working, pieces)

    def _whole_names(self, working: str, pieces: list[tuple[int, UnitMatch]]) -> list[UnitMatch]:
        """The pieces, once each; a piece that names no kind of body ("Hạ tầng", "Đô thị") right
        after a unit's name goes on that name: "Phòng Kinh tế, Hạ tầng và Đô thị" is one unit, new
        to the ward, not its Phòng Kinh tế and two others."""
        merged: list[tuple[int, int, UnitMatch]] = []  # start, end, match
        for start, match in pieces:
            end = start + len(match.text)
            if merged and match.code is None and not _BODY.match(bare(match.text)):
                first, _end, before = merged[-1]
                whole = working[first:end]
                merged[-1] = (first, end, self.match_name(whole) if before.code else UnitMatch(whole, None, "new", 0))
                continue
            merged.append((start, end, match))
        unique: list[UnitMatch] = []
        for _start, _end, match in merged:
            if match.code is None or all(m.code != match.code for m in unique):
                unique.append(match)
        return unique
