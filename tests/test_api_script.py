"""The README's curl example, run as written by a shell holding only a token, against a live
server: it reads the plans and the dashboard summary, and posts an update twice with the same
Idempotency-Key (one update) and once with an evidence file."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import api_token
from tests.helpers import served
from tracker.extensions import db
from tracker.progress.models import ProgressUpdate

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- api-example -->\n```sh\n(.*?)```", text, re.S)
    assert found, "the README has no API example"
    return found.group(1)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_example_reads_the_dashboard_and_posts_an_update(app, plan, tmp_path):
    assert plan.id == 1  # the example names plan 1: the first plan loaded
    script = readme_example()
    # The example as a person runs it: once, then the first post again (a retry after a lost answer).
    retry = re.search(r"curl[^\n]*Idempotency-Key.*?updates\"\n", script, re.S).group(0)
    (tmp_path / "bien-ban.pdf").write_bytes(b"%PDF-1.4 bien ban hop")
    header = api_token("officer")
    with served(app) as address:
        run = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", script + retry],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "BASE": f"{address}/api/v1", "TOKEN": header["Authorization"].split()[1]},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 0, run.stderr
    answers = [json.loads(line) for line in re.sub(r"}\s*{", "}\n{", run.stdout).splitlines() if line.strip()]
    plans, dashboard, first, with_file, again = answers
    assert plans["items"][0]["code"] == "KH-GNBV-2026-2030"
    assert dashboard["tasks"] == 45 and {"statuses", "flags", "sections", "reporting"} <= set(dashboard)
    assert first["percent"] == 60 and first["results"] == "Đã mở 3 lớp dạy nghề cho 75 lao động"
    assert again["id"] == first["id"]
    assert with_file["evidence"][0]["name"] == "bien-ban.pdf"
    db.session.expire_all()
    posted = db.session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id)).all()
    assert [(u.percent, len(u.evidence)) for u in posted] == [(60, 0), (65, 1)]
