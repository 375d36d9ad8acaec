"""Small helpers shared by tests."""
from __future__ import annotations

import html as htmllib
import re

from sqlalchemy import text

from tracker.extensions import db


def database_snapshot() -> dict[str, list[tuple]]:
    """Every row of every table, to prove that something changed nothing."""
    snapshot = {}
    for table in sorted(db.metadata.tables):
        rows = db.session.execute(text(f'SELECT * FROM "{table}"')).all()
        snapshot[table] = sorted((tuple(row) for row in rows), key=repr)
    return snapshot


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line number of the n-th line containing `needle`."""
    found = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            found += 1
            if found == occurrence:
                return number
    raise AssertionError(f"{needle!r} not found")


def signed_in(app, role: str, language: str | None = None):
    """A fresh browser signed in as the test user of `role`, reading pages in `language`
    ("en" for the source strings; None for the default, Vietnamese)."""
    from tests.conftest import login

    client = app.test_client()
    if language:
        client.get(f"/language/{language}")
    login(client, role)
    return client


def page(client, url: str, follow_redirects: bool = False) -> str:
    """The HTML of a page that must load (200)."""
    response = client.get(url, follow_redirects=follow_redirects)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def plain(html: str, tidy_punctuation: bool = False) -> str:
    """The visible text of a page, tags turned into spaces, as a reader sees it."""
    text = htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))).strip()
    return re.sub(r" ([,.;:])", r"\1", text) if tidy_punctuation else text
