"""`flask scheduler run`: the scheduler's own process (never inside web workers)."""

import logging

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from tracker.scheduler import jobs
from tracker.scheduler.lock import SchedulerAlreadyRunning, SchedulerLock

scheduler_cli = AppGroup("scheduler", help="The job scheduler.")


@scheduler_cli.command("run")
@click.option(
    "--wait/--no-wait",
    default=True,
    help="If another scheduler runs, wait and take over when it stops (default), or refuse.",
)
def run_command(wait: bool) -> None:
    """Run the scheduled jobs: the alert scan every morning, the outbox every few minutes."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    lock = SchedulerLock(
        app,
        poll_seconds=app.config["SCHEDULER_LOCK_POLL_SECONDS"],
        on_wait=lambda: click.echo(_("Another scheduler is running; waiting to take over."), err=True),
    )
    while True:
        try:
            lock.acquire(wait)
        except SchedulerAlreadyRunning:
            raise click.ClickException(_("Another scheduler is already running.")) from None
        try:
            scheduler = jobs.build_scheduler(app, lock)
            click.echo(
                _(
                    "Scheduler running: %(jobs)s.",
                    jobs=", ".join(f"{job.id} ({job.trigger})" for job in scheduler.get_jobs()),
                )
            )
            if lock.held():
                try:
                    jobs.heartbeat(app)
                    jobs.catch_up(app)
                except SQLAlchemyError as error:
                    # The database went away at the start: the jobs run on their schedule and the
                    # heartbeat finds out whether the lock survived.
                    logging.getLogger("tracker.scheduler").warning(
                        "start-up heartbeat or catch-up scan failed (%s); the jobs will run on schedule",
                        type(error).__name__,
                    )
            scheduler.start()  # returns when stopped: by a signal, or because the lock was lost
        finally:
            lost = lock.lost
            lock.release()
        if not lost or not wait:
            if lost:
                raise click.ClickException(_("The scheduler lost its lock (the database restarted?) and stopped."))
            return
        click.echo(
            _(
                "The scheduler lost its lock (the database restarted?): its jobs are stopped; waiting to take over again."
            ),
            err=True,
        )
