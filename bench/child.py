"""One measurement in a process of its own, for bench/run.py; prints one JSON line.

python bench/child.py URL export PLAN_ID xlsx|csv   the updates export: time, size, peak memory
python bench/child.py URL scan                      `flask alerts scan` for today, then again with
                                                    nothing written since, then after one write
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # kilobytes on Linux


def export(url: str, plan_id: str, fmt: str) -> dict:
    app = common.make_app(url, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = "tracker-bench/1"
    response = client.post("/login", data={"username": common.COMMITTEE, "password": common.PASSWORD})
    if response.status_code != 302:
        raise SystemExit(f"signing in as {common.COMMITTEE} failed")
    baseline = peak_mb()
    started = time.perf_counter()
    response = client.get(f"/plans/{plan_id}/exports/updates.{fmt}", buffered=False)
    queued = response.status_code == 303  # too large to write at once: the scheduler's job writes it
    if queued:
        with app.app_context():
            from tracker.core.time import now
            from tracker.exports import jobs

            jobs.run_pending(now())
        response = client.get(response.headers["Location"] + "/file", buffered=False)
    size = lines = 0
    for block in response.iter_encoded():  # read as a browser saves it: a block at a time
        size += len(block)
        lines += block.count(b"\n")
    response.close()
    seconds = time.perf_counter() - started
    rows = lines - 1 if fmt == "csv" and response.status_code == 200 else None
    return {
        "status": response.status_code,
        "queued": queued,
        "seconds": seconds,
        "bytes": size,
        "rows": rows,
        "baseline_mb": baseline,
        "maxrss_mb": peak_mb(),
    }


def scan(url: str) -> dict:
    app = common.make_app(url)
    runner = app.test_cli_runner()
    times, outputs = [], []
    for number in range(3):
        if number == 2:
            rename_an_account(app)  # a write: the scan of the day runs again, over every plan
        started = time.perf_counter()
        result = runner.invoke(args=["alerts", "scan"])
        times.append(time.perf_counter() - started)
        if result.exit_code != 0:
            raise SystemExit(f"flask alerts scan failed: {result.output.strip()} {result.exception!r}")
        outputs.append(result.output.strip().splitlines()[0] if result.output.strip() else "")
    return {"first": times[0], "rerun": times[1], "after_write": times[2], "output": outputs, "maxrss_mb": peak_mb()}


def rename_an_account(app) -> None:
    from sqlalchemy import select

    from tracker.accounts.models import User
    from tracker.extensions import db

    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == common.COMMITTEE))
        user.full_name = f"{user.full_name} ·"
        db.session.commit()


def main() -> None:
    url, what, *rest = sys.argv[1:]
    result = export(url, *rest) if what == "export" else scan(url)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
