"""The scheduler: its jobs and their times, what each job writes, and the lock that lets only one
scheduler run at a time (checked with real `flask scheduler run` processes)."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from babel.messages.pofile import read_po
from flask import current_app
from sqlalchemy import func, select, text

from tests.conftest import Database, current_database, database_url
from tracker import ROOT
from tracker.alerts.models import REPORT_MISSING, Alert, Notification, ScanRun
from tracker.extensions import db
from tracker.mail.models import OutboxMessage
from tracker.scheduler import jobs
from tracker.scheduler.lock import SchedulerAlreadyRunning, SchedulerLock
from tracker.scheduler.models import SchedulerHeartbeat

WARD = ZoneInfo("Asia/Ho_Chi_Minh")


@contextmanager
def scheduler_lock(app, wait: bool):
    """The scheduler's lock held for a block, as `flask scheduler run` holds it."""
    lock = SchedulerLock(app)
    lock.acquire(wait)
    try:
        yield lock
    finally:
        lock.release()


CATALOGUE = ROOT / "tracker" / "translations" / "vi" / "LC_MESSAGES" / "messages.po"


# --- helpers ----------------------------------------------------------------------------------


def freeze(moment: str) -> None:
    """Set the clock of the app the jobs run on (the test body's app)."""
    current_app.config["FROZEN_NOW"] = moment


def this_app():
    return current_app._get_current_object()


def count(model) -> int:
    db.session.commit()  # see what the jobs committed in their own contexts
    return db.session.scalar(select(func.count()).select_from(model))


def scan_dates() -> list[date]:
    db.session.commit()
    return db.session.scalars(select(ScanRun.scan_date).order_by(ScanRun.id)).all()


def in_either_language(msgid: str) -> tuple[str, str]:
    """A message as the command prints it: in Vietnamese, or in English while the compiled
    catalogue lags behind the source one."""
    with open(CATALOGUE, "rb") as source:
        entry = read_po(source).get(msgid)
    return (entry.string if entry else msgid), msgid


class Process:
    """A `flask` command in its own process, its output read line by line as it comes."""

    def __init__(self, database: Database, instance: Path, *args: str):
        env = {key: value for key, value in os.environ.items() if not key.startswith(("MAIL_", "FLASK_"))}
        env.update(DATABASE_URL=database_url(database), TRACKER_INSTANCE_DIR=str(instance), PYTHONUNBUFFERED="1")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        for stream in (self.popen.stdout, self.popen.stderr):
            threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.put(line)

    def wait_for(self, *texts: str, timeout: float = 30) -> str:
        """The first output line containing any of `texts`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.seen.append(line)
            if any(text in line for text in texts):
                return line
        raise AssertionError(f"none of {texts} within {timeout}s; output so far: {''.join(self.seen)}")

    def finish(self, timeout: float = 30) -> int:
        return self.popen.wait(timeout=timeout)

    def output(self) -> str:
        while not self.lines.empty():
            self.seen.append(self.lines.get())
        return "".join(self.seen)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


@pytest.fixture
def database(app) -> Database:
    return current_database()


@pytest.fixture
def run_flask(database, tmp_path):
    started = []

    def start(*args: str) -> Process:
        process = Process(database, tmp_path / "instance", *args)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


# --- 1. the jobs and their times --------------------------------------------------------------


def test_the_scheduler_has_the_daily_scan_the_mail_sender_the_clean_up_and_the_heartbeat(app):
    app.config["MAIL_SEND_INTERVAL_MINUTES"] = 3
    scheduler = jobs.build_scheduler(app)
    by_id = {job.id: job for job in scheduler.get_jobs()}
    assert set(by_id) == {"daily-scan", "send-mail", "heartbeat", "clean-evidence", "run-exports"}
    assert by_id["run-exports"].func is jobs.run_exports
    assert by_id["run-exports"].trigger.interval.total_seconds() == app.config["EXPORT_POLL_SECONDS"]

    daily = by_id["daily-scan"].trigger
    assert isinstance(daily, CronTrigger)
    assert str(daily.timezone) == "Asia/Ho_Chi_Minh"
    # 06:30 in the ward (23:30 UTC the day before): the scan runs at 07:00 that morning...
    assert daily.get_next_fire_time(None, datetime(2026, 5, 31, 23, 30, tzinfo=UTC)) == datetime(
        2026, 6, 1, 7, 0, tzinfo=WARD
    )
    # ...and at 07:30 in the ward (00:30 UTC) it has run: the next one is the next morning.
    assert daily.get_next_fire_time(None, datetime(2026, 6, 1, 0, 30, tzinfo=UTC)) == datetime(
        2026, 6, 2, 7, 0, tzinfo=WARD
    )
    assert by_id["daily-scan"].func is jobs.daily and by_id["daily-scan"].args == (app,)

    send = by_id["send-mail"].trigger
    assert isinstance(send, IntervalTrigger) and send.interval == timedelta(minutes=3)
    assert by_id["send-mail"].func is jobs.send_mail
    assert isinstance(by_id["heartbeat"].trigger, IntervalTrigger)
    assert by_id["heartbeat"].func is jobs.heartbeat


def test_the_scan_hour_is_a_setting(app):
    app.config["SCAN_HOUR"] = 6
    daily = {job.id: job for job in jobs.build_scheduler(app).get_jobs()}["daily-scan"].trigger
    assert daily.get_next_fire_time(None, datetime(2026, 5, 31, 22, 0, tzinfo=UTC)) == datetime(
        2026, 6, 1, 6, 0, tzinfo=WARD
    )


# --- 2. the jobs run and commit -----------------------------------------------------------------


def test_the_daily_job_scans_for_today_in_the_ward_and_queues_the_digests(plan, user_of):
    freeze("2026-06-06T07:00:00+07:00")
    current_app.config["MAIL_SERVER"] = "127.0.0.1"
    user_of("officer").email = "canbo.vhxh@phuongbackan.vn"
    db.session.commit()

    jobs.daily(this_app())

    assert scan_dates() == [date(2026, 6, 6)]
    run = db.session.scalar(select(ScanRun))
    assert run.finished_at == datetime(2026, 6, 6, 7, tzinfo=WARD) and run.created == count(Alert) > 0
    missing = db.session.scalars(select(Alert).where(Alert.kind == REPORT_MISSING)).all()
    assert missing and {a.effective_on for a in missing} == {date(2026, 6, 6)}
    officer = user_of("officer")
    assert db.session.scalar(select(func.count(Notification.id)).where(Notification.user_id == officer.id)) > 0
    digest = db.session.scalar(select(OutboxMessage))
    assert (digest.to_address, digest.digest_date) == ("canbo.vhxh@phuongbackan.vn", date(2026, 6, 6))


def test_the_daily_job_leaves_the_query_planner_statistics_of_the_day(plan):
    # Without them SQLite reads every update of a plan to find its latest fifteen (the dashboard).
    freeze("2026-06-06T07:00:00+07:00")
    jobs.daily(this_app())
    if db.engine.dialect.name == "sqlite":
        query = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        assert db.session.execute(text(query)).scalar() == 1
        query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl IN ('task', 'task_standing')"
    else:
        query = "SELECT count(*) FROM pg_stats WHERE tablename IN ('task', 'task_standing')"
    assert db.session.execute(text(query)).scalar() > 0


def test_the_daily_job_uses_the_ward_date_not_the_utc_date(plan):
    freeze("2026-06-06T06:30:00+07:00")  # still 2026-06-05 in UTC
    jobs.daily(this_app())
    assert scan_dates() == [date(2026, 6, 6)]


def test_a_daily_job_that_fails_writes_nothing(plan, monkeypatch):
    from tracker.alerts import services

    freeze("2026-06-02T07:00:00+07:00")
    jobs.daily(this_app())  # the reminders of 05-29 and 06-02
    alerts, runs = count(Alert), count(ScanRun)

    def fail(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(services, "_cleared_at", fail)  # fails when resolving, after the new alerts were inserted
    freeze("2026-06-06T07:00:00+07:00")
    with pytest.raises(RuntimeError):
        jobs.daily(this_app())
    assert (count(Alert), count(ScanRun)) == (alerts, runs)
    assert not db.session.scalars(select(Alert).where(Alert.kind == REPORT_MISSING)).all()
    assert db.session.scalar(select(func.count(Alert.id)).where(Alert.resolved_at.is_not(None))) == 0


def test_the_heartbeat_records_when_and_where_the_scheduler_runs(app):
    freeze("2026-06-06T07:01:00+07:00")
    jobs.heartbeat(this_app())
    freeze("2026-06-06T07:02:00+07:00")
    jobs.heartbeat(this_app())
    assert count(SchedulerHeartbeat) == 1
    beat = db.session.get(SchedulerHeartbeat, 1)
    assert beat.beat_at == datetime(2026, 6, 6, 7, 2, tzinfo=WARD)
    assert beat.pid == os.getpid() and beat.host


def test_catch_up_runs_the_daily_job_only_when_today_has_not_been_scanned(plan):
    freeze("2026-06-06T09:00:00+07:00")
    jobs.catch_up(this_app())  # never scanned: scan now
    assert scan_dates() == [date(2026, 6, 6)]
    alerts = count(Alert)

    freeze("2026-06-06T15:00:00+07:00")
    jobs.catch_up(this_app())  # restarted the same day: nothing to do
    assert scan_dates() == [date(2026, 6, 6)]

    freeze("2026-06-20T08:00:00+07:00")
    jobs.catch_up(this_app())  # down for two weeks: today's scan runs at start-up
    assert scan_dates() == [date(2026, 6, 6), date(2026, 6, 20)]
    assert count(Alert) > alerts  # the escalations due since


def test_the_mail_job_sends_nothing_without_a_mail_server(plan):
    freeze("2026-06-06T07:05:00+07:00")
    jobs.send_mail(this_app())  # must not fail
    assert count(OutboxMessage) == 0


# --- 3. only one scheduler at a time ----------------------------------------------------------


def test_a_second_scheduler_lock_is_refused_while_the_first_is_held(app):
    with scheduler_lock(this_app(), wait=False):
        with pytest.raises(SchedulerAlreadyRunning):
            with scheduler_lock(app, wait=False):
                pass
    with scheduler_lock(app, wait=False):  # released: the next one gets it
        pass


def test_a_scheduler_refuses_to_start_while_another_runs(app, run_flask):
    refused, refused_en = in_either_language("Another scheduler is already running.")
    with scheduler_lock(this_app(), wait=False):
        process = run_flask("scheduler", "run", "--no-wait")
        assert process.finish() == 1
        output = process.output()
    assert refused in output or refused_en in output
    assert count(ScanRun) == 0  # it did nothing


def test_a_waiting_scheduler_takes_over_when_the_first_one_stops(app, run_flask):
    waiting = in_either_language("Another scheduler is running; waiting to take over.")
    running = tuple(text.split("%")[0] for text in in_either_language("Scheduler running: %(jobs)s."))
    lock = scheduler_lock(this_app(), wait=False)
    lock.__enter__()
    try:
        process = run_flask("scheduler", "run", "--wait")
        process.wait_for(*waiting)
        time.sleep(1)
        assert process.popen.poll() is None  # still waiting, not started
        assert not any(any(text in line for text in running) for line in process.seen)
    finally:
        lock.__exit__(None, None, None)
    line = process.wait_for(*running, timeout=30)
    assert "daily-scan" in line and "send-mail" in line and "heartbeat" in line
    assert process.popen.poll() is None  # it runs
    # It took the lock: now this process cannot.
    with pytest.raises(SchedulerAlreadyRunning):
        with scheduler_lock(app, wait=False):
            pass
