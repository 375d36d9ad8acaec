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


def paginate(items: Sequence, number: int | None, size: int = PAGE_SIZE) -> Page:
    """The `number`th page of `items`. A page past the end (the list shrank since the link was
    made) shows the last page, and a page below 1 or not a number shows the first."""
    size = max(1, size)
    total = len(items)
    pages = max(1, -(-total // size))
    number = min(max(number or 1, 1), pages)
    start = (number - 1) * size
    return Page(items[start : start + size], number, size, total)
