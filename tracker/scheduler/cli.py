"""`flask scheduler run`: the scheduler's own process (never inside web workers)."""
import logging

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from tracker.scheduler import jobs
from tracker.scheduler.lock import SchedulerAlreadyRunning, scheduler_lock

scheduler_cli = AppGroup("scheduler", help="The job scheduler.")


@scheduler_cli.command("run")
@click.option("--wait/--no-wait", default=True, help="If another scheduler runs, wait and take over when it stops (default), or refuse.")
def run_command(wait: bool) -> None:
    """Run the scheduled jobs: the alert scan every morning, the outbox every few minutes."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    app = current_app._get_current_object()
    try:
        with scheduler_lock(app, wait=wait, on_wait=lambda: click.echo(_("Another scheduler is running; waiting to take over."), err=True)):
            scheduler = jobs.build_scheduler(app)
            click.echo(_("Scheduler running: %(jobs)s.", jobs=", ".join(f"{job.id} ({job.trigger})" for job in scheduler.get_jobs())))
            jobs.heartbeat(app)
            jobs.catch_up(app)
            scheduler.start()
    except SchedulerAlreadyRunning:
        raise click.ClickException(_("Another scheduler is already running."))
