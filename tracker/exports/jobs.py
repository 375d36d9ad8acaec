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
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, g, session
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import login_user
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from tracker.accounts.models import User
from tracker.core.time import now as clock
from tracker.exports.models import DONE, FAILED, QUEUED, RUNNING, ExportJob
from tracker.extensions import db

log = logging.getLogger("tracker.exports")
INTERRUPTED_AFTER = timedelta(hours=2)  # a job running this long was cut off by a restart


def export_dir() -> Path:
    return Path(current_app.config.get("EXPORT_DIR") or Path(current_app.config["UPLOAD_DIR"]) / "exports")


def path_of(job: ExportJob) -> Path:
    return export_dir() / f"{job.id}.{job.fmt}"


def in_background() -> bool:
    """True while a job writes an export: the page then writes it, whatever its size."""
    return bool(g.get("export_job"))


def queue(plan, user, endpoint: str, fmt: str, args: dict, rows: int, now: datetime) -> ExportJob:
    """The job for this export: the person's own one still waiting or running for the same
    export and filters (a second click), or a new one."""
    waiting = db.session.scalars(
        select(ExportJob).where(
            ExportJob.user_id == user.id,
            ExportJob.plan_id == plan.id,
            ExportJob.endpoint == endpoint,
            ExportJob.fmt == fmt,
            ExportJob.status.in_((QUEUED, RUNNING)),
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
    """Run every queued job, oldest first (each in its own transaction); returns how many ran."""
    _fail_interrupted(now)
    ran = 0
    for job_id in db.session.scalars(select(ExportJob.id).where(ExportJob.status == QUEUED).order_by(ExportJob.id)):
        job = db.session.get(ExportJob, job_id)
        if job is not None and job.status == QUEUED:
            run(job, now)
            ran += 1
    return ran


def run(job: ExportJob, now: datetime) -> None:
    job.status, job.started_at = RUNNING, now
    db.session.commit()
    target = path_of(job)
    partial = target.with_suffix(target.suffix + ".part")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        user = db.session.get(User, job.user_id)
        path = current_app.url_map.bind("localhost").build(job.endpoint, {"plan_id": job.plan_id, "fmt": job.fmt})
        with current_app.test_request_context(path, query_string=job.args):
            login_user(user)
            session["locale"] = job.locale  # the file speaks the language its page was read in
            refresh()
            g.export_job = job.id
            response = current_app.view_functions[job.endpoint](plan_id=job.plan_id, fmt=job.fmt)
            with open(partial, "wb") as out:
                for block in response.iter_encoded():
                    out.write(block)
            response.close()
            file_name = response.headers.get("Content-Disposition", "")
        os.replace(partial, target)
        job = db.session.get(ExportJob, job.id)
        job.status, job.size, job.finished_at = DONE, target.stat().st_size, clock()
        job.file_name = _download_name(file_name, job)
    except Exception as failure:  # one bad job never stops the others
        db.session.rollback()
        partial.unlink(missing_ok=True)
        job = db.session.get(ExportJob, job.id)
        job.status, job.finished_at = FAILED, clock()
        job.error = _("The page refused: %(code)s", code=failure.code) if isinstance(failure, HTTPException) else None
        log.exception("export job %s failed", job.id)
    db.session.commit()


def _download_name(disposition: str, job: ExportJob) -> str:
    marker = 'filename="'
    if marker in disposition:
        return disposition.split(marker, 1)[1].split('"', 1)[0]
    return f"export.{job.fmt}"


def _fail_interrupted(now: datetime) -> None:
    for job in db.session.scalars(
        select(ExportJob).where(ExportJob.status == RUNNING, ExportJob.started_at < now - INTERRUPTED_AFTER)
    ):
        job.status, job.finished_at = FAILED, now
    db.session.commit()


def remove_old(now: datetime) -> int:
    """Forget the jobs (and remove the files) older than EXPORT_KEEP_DAYS days."""
    cutoff = now - timedelta(days=current_app.config["EXPORT_KEEP_DAYS"])
    old = db.session.scalars(select(ExportJob).where(ExportJob.created_at < cutoff)).all()
    for job in old:
        path_of(job).unlink(missing_ok=True)
        db.session.delete(job)
    db.session.commit()
    return len(old)
