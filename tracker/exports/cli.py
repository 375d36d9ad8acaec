"""`flask exports run`: write the queued exports now (the scheduler does it every few seconds)."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from tracker.core.time import now
from tracker.exports import jobs

exports_cli = AppGroup("exports", help="Exports too large to write while the person waits.")


@exports_cli.command("run")
def run_command() -> None:
    """Write every queued export, then remove those older than EXPORT_KEEP_DAYS days."""
    ran = jobs.run_pending(now())
    removed = jobs.remove_old(now())
    click.echo(_("%(ran)s exports written, %(removed)s old ones removed.", ran=ran, removed=removed))
