"""Exports too large to write while the person waits.

An export page that counts more than EXPORT_INLINE_ROWS rows queues a job instead and sends the
person to the job's page. The scheduler (every EXPORT_POLL_SECONDS) runs the queued jobs: each is
the same page asked again, as that person, with the same filters, its answer written to a file
under EXPORT_DIR; the job's page then offers the download. A job left running by a stopped process
is marked failed; files are removed after EXPORT_KEEP_DAYS days.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, g, session
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import and_, or_, select, update
from werkzeug.exceptions import Forbidden, HTTPException

from tracker.accounts.models import User
from tracker.core.time import now as clock
from tracker.exports.models import DONE, FAILED, QUEUED, RUNNING, ExportJob
from tracker.extensions import db

log = logging.getLogger("tracker.exports")
INTERRUPTED_AFTER = timedelta(hours=1)  # a job running this long was cut off by a restart


def export_dir() -> Path:
    return Path(current_app.config.get("EXPORT_DIR") or Path(current_app.config["UPLOAD_DIR"]) / "exports")


def path_of(job: ExportJob) -> Path:
    return export_dir() / f"{job.id}.{job.fmt}"


def in_background() -> bool:
    """True while a job writes an export: the page then writes it, whatever its size."""
    return bool(g.get("export_job"))


def queue(plan, user, endpoint: str, fmt: str, args: dict, rows: int, now: datetime) -> ExportJob:
    """The job for this export: the person's own one still waiting or being written for the same
    export and filters (a second click), or a new one."""
    waiting = db.session.scalars(
        select(ExportJob).where(
            ExportJob.user_id == user.id,
            ExportJob.plan_id == plan.id,
            ExportJob.endpoint == endpoint,
            ExportJob.fmt == fmt,
            or_(
                ExportJob.status == QUEUED,
                and_(ExportJob.status == RUNNING, ExportJob.started_at >= now - INTERRUPTED_AFTER),
            ),
        )
    ).all()
    for job in waiting:
        if job.args == args:
            return job
    job = ExportJob(
        plan_id=plan.id,
        user_id=user.id,
        endpoint=endpoint,
        fmt=fmt,
        args=args,
        locale=str(get_locale()),
        rows=rows,
        created_at=now,
    )
    db.session.add(job)
    db.session.commit()
    return job


def run_pending(now: datetime) -> int:
    """Run every queued job, oldest first (each claimed, then run in its own transaction);
    returns how many ran here."""
    _fail_interrupted(now)
    ran = 0
    for job_id in db.session.scalars(select(ExportJob.id).where(ExportJob.status == QUEUED).order_by(ExportJob.id)):
        if _claim(job_id, now):
            run(job_id)
            ran += 1
    return ran


def _claim(job_id: int, now: datetime) -> bool:
    """Mark the job running, unless another runner (the scheduler, a command) took it first."""
    claimed = db.session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id, ExportJob.status == QUEUED)
        .values(status=RUNNING, started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def run(job_id: int) -> None:
    """Write a claimed job's file: its page asked again as its owner, in a context of its own."""
    job = db.session.get(ExportJob, job_id)
    asked = {name: getattr(job, name) for name in ("id", "endpoint", "plan_id", "fmt", "args", "locale", "user_id")}
    target = path_of(job)
    partial = target.with_name(f"{target.name}.{os.getpid()}.part")
    db.session.commit()  # nothing held open while the page runs in its own context
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        file_name = _write(asked, partial)
        os.replace(partial, target)
        outcome = {"status": DONE, "size": target.stat().st_size, "file_name": file_name, "error": None}
    except Exception as failure:  # one bad job never stops the others
        partial.unlink(missing_ok=True)
        log.exception("export job %s failed", job_id)
        refused = isinstance(failure, HTTPException)
        outcome = {
            "status": FAILED,
            "error": _("The page refused: %(code)s", code=failure.code) if refused else None,
        }
    db.session.rollback()
    db.session.execute(
        update(ExportJob)
        .where(ExportJob.id == job_id)
        .values(finished_at=clock(), **outcome)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _write(asked: dict, partial: Path) -> str:
    """The export's page, asked as the job's owner in a fresh application context (nothing of the
    job before it, nor the signed-in person, carries over), written to `partial`; its file name."""
    job_id, endpoint, plan_id, fmt, args = asked["id"], asked["endpoint"], asked["plan_id"], asked["fmt"], asked["args"]
    locale, user_id = asked["locale"], asked["user_id"]
    path = current_app.url_map.bind("localhost").build(endpoint, {"plan_id": plan_id, "fmt": fmt})
    with current_app.app_context(), current_app.test_request_context(path, query_string=args):
        user = db.session.get(User, user_id)
        if user is None or not user.is_active or not login_user(user):
            raise Forbidden()  # an account closed since it asked
        session["locale"] = locale  # the file speaks the language its page was read in
        refresh()
        g.export_job = job_id
        response = current_app.view_functions[endpoint](plan_id=plan_id, fmt=fmt)
        if response.status_code != 200:
            raise RuntimeError(f"the page answered {response.status_code}")
        with open(partial, "wb") as out:
            for block in response.iter_encoded():
                out.write(block)
        response.close()
        return _download_name(response.headers.get("Content-Disposition", ""), fmt)


def _download_name(disposition: str, fmt: str) -> str:
    marker = 'filename="'
    if marker in disposition:
        return disposition.split(marker, 1)[1].split('"', 1)[0]
    return f"export.{fmt}"


def _fail_interrupted(now: datetime) -> None:
    for job in db.session.scalars(
        select(ExportJob).where(ExportJob.status == RUNNING, ExportJob.started_at < now - INTERRUPTED_AFTER)
    ):
        job.status, job.finished_at = FAILED, now
    db.session.commit()


def remove_old(now: datetime) -> int:
    """Forget the finished jobs (and remove their files) older than EXPORT_KEEP_DAYS days, and
    the half-written files of runs cut off more than a day ago."""
    cutoff = now - timedelta(days=current_app.config["EXPORT_KEEP_DAYS"])
    old = db.session.scalars(
        select(ExportJob).where(ExportJob.created_at < cutoff, ExportJob.status.in_((DONE, FAILED, QUEUED)))
    ).all()
    for job in old:
        path_of(job).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.commit()
    folder = export_dir()
    if folder.is_dir():
        stale = min(now.timestamp(), time.time()) - 86400
        for leftover in folder.glob("*.part"):
            if leftover.stat().st_mtime < stale:
                leftover.unlink(missing_ok=True)
    return len(old)
