"""`flask backup create PATH` and `flask backup restore PATH`."""

from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from tracker.backup import services
from tracker.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database and the uploaded files.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def create_command(path: Path) -> None:
    """Write a consistent snapshot (database and uploaded files) while the app runs."""
    try:
        summary = services.create_backup(path)
    except services.BackupRefused as refused:
        raise click.ClickException(str(refused)) from None
    click.echo(
        _(
            "Backup written to %(path)s: %(rows)d rows, %(files)d files.",
            path=path,
            rows=sum(summary.tables.values()),
            files=summary.files,
        )
    )


@backup_cli.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def restore_command(path: Path) -> None:
    """Restore a backup into an empty database (run `flask db upgrade` first) and empty storage."""
    try:
        summary = services.restore_backup(path)
        db.session.commit()
    except services.BackupRefused as refused:
        db.session.rollback()
        raise click.ClickException(str(refused)) from None
    except Exception:
        db.session.rollback()
        raise
    click.echo(
        _(
            "Backup restored from %(path)s: %(rows)d rows, %(files)d files.",
            path=path,
            rows=sum(summary.tables.values()),
            files=summary.files,
        )
    )
