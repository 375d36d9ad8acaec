"""`flask evidence clean`: remove evidence files that no update points at (see cleanup.py)."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from tracker.core.actor import Actor
from tracker.core.time import now
from tracker.extensions import db
from tracker.progress import cleanup

evidence_cli = AppGroup("evidence", help="Evidence files.")


@evidence_cli.command("clean")
@click.option("--dry-run", is_flag=True, help="Only list the files that would be removed.")
def clean_command(dry_run: bool) -> None:
    """Remove files of the upload folder that no evidence record names, once they are older than
    EVIDENCE_ORPHAN_GRACE_HOURS (a file of a post still being saved is never touched)."""
    orphans = cleanup.clean(now(), Actor.command_line(), dry_run=dry_run)
    db.session.commit()
    cleanup.forget_report()
    for name in orphans.names:
        click.echo(name)
    if dry_run:
        click.echo(
            _("%(count)s files would be removed (%(size)s KB).", count=len(orphans.names), size=orphans.size // 1024)
        )
    else:
        click.echo(_("%(count)s files removed (%(size)s KB).", count=len(orphans.names), size=orphans.size // 1024))
