"""One page of a long list: what a page shows is bounded, whatever the plan's size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

PAGE_SIZE = 50


@dataclass(frozen=True)
class Page:
    items: Sequence
    number: int  # from 1
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first item; 0 for an empty list."""
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.number * self.size, self.total)


def page_number(number: int | None, total: int, size: int = PAGE_SIZE) -> int:
    """The page to show of a list of `total` items: a page past the end (the list shrank since the
    link was made) shows the last page, and a page below 1 or not a number shows the first."""
    return min(max(number or 1, 1), max(1, -(-total // max(1, size))))


def paginate(items: Sequence, number: int | None, size: int = PAGE_SIZE) -> Page:
    """The `number`th page of `items` (see page_number)."""
    size = max(1, size)
    number = page_number(number, len(items), size)
    start = (number - 1) * size
    return Page(items[start : start + size], number, size, len(items))
