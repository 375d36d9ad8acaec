"""The scheduled jobs. Each runs in its own application context and one transaction, and each
is also a CLI command (`flask alerts scan`, `flask mail digests`, `flask mail send`)."""

from __future__ import annotations

import logging
import os
import socket

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask

from tracker.alerts import services as alerts
from tracker.core.actor import Actor
from tracker.core.database import update_statistics
from tracker.core.time import WARD_TZ, now, ward_today
from tracker.exports import jobs as exports
from tracker.extensions import db
from tracker.mail import services as mail
from tracker.progress import cleanup
from tracker.scheduler.models import SchedulerHeartbeat

log = logging.getLogger("tracker.scheduler")


def daily(app: Flask) -> None:
    """The morning run: the alert scan for today, then today's e-mail digests."""
    with app.app_context():
        day, moment = ward_today(), now()
        try:
            results = alerts.scan_and_commit(day, moment) or []
            update_statistics()  # the day's new rows, for the query planner
            queued = mail.build_digests(day, moment)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("daily scan for %s failed", day)
            raise
        log.info(
            "scan for %s: %d created, %d resolved; %d digests queued",
            day,
            sum(len(r.created_ids) for r in results),
            sum(len(r.resolved) for r in results),
            queued,
        )


def catch_up(app: Flask) -> None:
    """At start-up, run today's scan if it has not run yet (the scheduler may have been down)."""
    with app.app_context():
        last, today = alerts.last_scan_date(), ward_today()
    if last is None or last < today:
        daily(app)


def send_mail(app: Flask) -> None:
    with app.app_context():
        sent, failed = mail.send_due(now())
        if sent or failed:
            log.info("outbox: %d sent, %d failed", sent, failed)


def heartbeat(app: Flask) -> None:
    with app.app_context():
        beat = db.session.get(SchedulerHeartbeat, 1) or SchedulerHeartbeat(id=1)
        beat.beat_at, beat.host, beat.pid = now(), socket.gethostname()[:255], os.getpid()
        db.session.add(beat)
        db.session.commit()


def clean_evidence(app: Flask) -> None:
    """Remove evidence files that no update points at, after their grace period."""
    with app.app_context():
        orphans = cleanup.clean(now(), Actor(None, "scheduler"))
        db.session.commit()
        cleanup.forget_report()
        if orphans.names:
            log.info("evidence clean-up: %d files without a record removed", len(orphans.names))


def run_exports(app: Flask) -> None:
    """The exports queued for being too large to write while the person waits, and old ones removed."""
    with app.app_context():
        ran = exports.run_pending(now())
        removed = exports.remove_old(now())
        if ran or removed:
            log.info("exports: %d written, %d old ones removed", ran, removed)


def build_scheduler(app: Flask, lock=None) -> BlockingScheduler:
    """The jobs. With `lock` (tracker.scheduler.lock.SchedulerLock), each job first checks that
    this process still holds it, and the heartbeat stops the scheduler when it does not."""
    scheduler = BlockingScheduler(
        timezone=WARD_TZ, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
    )

    def guarded(job):
        if lock is None:
            return job

        def run(app: Flask) -> None:
            if not lock.held():
                log.error("the scheduler lost its lock: %s not run; stopping the jobs", job.__name__)
                scheduler.shutdown(wait=False)
                return
            job(app)

        run.__name__ = job.__name__
        return run

    scheduler.add_job(
        guarded(daily),
        CronTrigger(hour=app.config["SCAN_HOUR"], minute=0, timezone=WARD_TZ),
        args=[app],
        id="daily-scan",
        name="alert scan and e-mail digests",
    )
    scheduler.add_job(
        guarded(clean_evidence),
        CronTrigger(hour=app.config["SCAN_HOUR"], minute=30, timezone=WARD_TZ),
        args=[app],
        id="clean-evidence",
        name="remove evidence files without a record",
    )
    scheduler.add_job(
        guarded(send_mail),
        IntervalTrigger(minutes=app.config["MAIL_SEND_INTERVAL_MINUTES"], timezone=WARD_TZ),
        args=[app],
        id="send-mail",
        name="send the outbox",
    )
    scheduler.add_job(
        guarded(run_exports),
        IntervalTrigger(seconds=app.config["EXPORT_POLL_SECONDS"], timezone=WARD_TZ),
        args=[app],
        id="run-exports",
        name="write the queued exports",
    )
    scheduler.add_job(
        guarded(heartbeat),
        IntervalTrigger(seconds=app.config["SCHEDULER_HEARTBEAT_SECONDS"], timezone=WARD_TZ),
        args=[app],
        id="heartbeat",
        name="heartbeat",
    )
    return scheduler
