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


def form_values(html: str, button: str | None = None, form_index: int = -1) -> dict[str, list[str]]:
    """What a browser would send for a form of the page (the last one by default): every field's
    current value, checked boxes only, and `button`'s name and value when given ("action=submit")."""
    from html.parser import HTMLParser

    class Forms(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.forms: list[dict[str, list[str]]] = []
            self.current: dict[str, list[str]] | None = None
            self.textarea: str | None = None
            self.select: str | None = None
            self.selected_seen = False
            self.first_option: str | None = None

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "form" and (a.get("method") or "get").lower() == "post":
                self.current = {}
                self.forms.append(self.current)
            if self.current is None:
                return
            name = a.get("name")
            if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
                if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                    return
                self.current.setdefault(name, []).append(a.get("value", "on" if a.get("type") in ("checkbox", "radio") else ""))
            elif tag == "textarea" and name:
                self.textarea = name
                self.current.setdefault(name, []).append("")
            elif tag == "select" and name:
                self.select, self.selected_seen, self.first_option = name, False, None
            elif tag == "option" and self.select:
                value = a.get("value", "")
                if self.first_option is None:
                    self.first_option = value
                if "selected" in a:
                    self.current.setdefault(self.select, []).append(value)
                    self.selected_seen = True

        def handle_endtag(self, tag):
            if tag == "textarea":
                self.textarea = None
            elif tag == "select" and self.select:
                if not self.selected_seen and self.first_option is not None:
                    self.current.setdefault(self.select, []).append(self.first_option)
                self.select = None
            elif tag == "form":
                self.current = None

        def handle_data(self, data):
            if self.textarea and self.current is not None:
                values = self.current[self.textarea]
                values[-1] += data

    parser = Forms()
    parser.feed(html)
    values = parser.forms[form_index]
    # A textarea's first newline right after the tag is not part of its value.
    values = {k: [v.removeprefix("\r\n").removeprefix("\n") for v in vs] for k, vs in values.items()}
    if button:
        name, value = button.split("=", 1)
        values[name] = [value]
    return values
