"""Pages kept rendered while nothing has changed.

A page that many people open and few change (the committee's dashboard) keeps the body it rendered,
per reader, language, day and query string, under the data's version it was read at
(tracker.core.changes). The next request for the same page reads the version (one row) and, if no
write has been committed since, sends the kept body inside a freshly rendered layout: the layout
carries what is the reader's own (the unread notifications, the session's form token, messages).
Any committed write, a new day or another language renders the page again.

Each process keeps its own PAGE_CACHE_SIZE bodies, the least recently used dropped first; 0 keeps
none.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from tracker.core.changes import current_version
from tracker.core.time import ward_today

_EXTENSION = "page_cache"


class KeptPages:
    """A bounded store of rendered bodies, least recently used dropped first (thread-safe)."""

    def __init__(self, size: int):
        self.size = size
        self._bodies: OrderedDict[tuple, str] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple) -> str | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is None:
                self.misses += 1
                return None
            self._bodies.move_to_end(key)
            self.hits += 1
            return body

    def put(self, key: tuple, body: str) -> None:
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self.size:
                self._bodies.popitem(last=False)


def kept_pages() -> KeptPages | None:
    size = current_app.config["PAGE_CACHE_SIZE"]
    if size <= 0:
        return None
    pages = current_app.extensions.get(_EXTENSION)
    if pages is None:
        pages = current_app.extensions[_EXTENSION] = KeptPages(size)
    return pages


class Stamp:
    """What a page's body depends on besides the data: read at the start of the view, before the
    data it renders, so that a body is never kept under a newer version than what it shows."""

    def __init__(self, page: str):
        self.pages = kept_pages()
        self.key = None
        if self.pages is not None:
            self.key = (
                page,
                current_version(),
                ward_today(),
                str(get_locale()),
                current_user.get_id(),
                tuple(sorted(request.args.items(multi=True))),
            )

    def body(self, render: Callable[[], str]) -> Markup:
        """The kept body, or `render()`'s, kept for the next request."""
        if self.pages is None:
            return Markup(render())
        body = self.pages.get(self.key)
        if body is None:
            body = render()
            self.pages.put(self.key, body)
        return Markup(body)
