"""`flask users ...`: accounts from the command line."""
import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.accounts import services
from tracker.extensions import db
from tracker.wards.models import Ward

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-demo")
@click.option("--ward", "ward_code", help="Ward code (default: the only ward).")
def create_demo_command(ward_code: str | None) -> None:
    """Create one demo account per role if there are no accounts yet."""
    wards = db.session.scalars(select(Ward).where(Ward.code == ward_code) if ward_code else select(Ward)).all()
    if len(wards) != 1:
        click.echo(_("Load a plan first, or name the ward with --ward."), err=True)
        raise SystemExit(1)
    accounts = services.create_demo_accounts(wards[0])
    db.session.commit()
    if not accounts:
        click.echo(_("Accounts already exist; no demo account was created. Use `flask users set-password` to reset one."))
        return
    bar = "!" * 72
    click.echo(bar)
    click.echo(_("DEMO ACCOUNTS - FOR TRYING THE APP ONLY. Disable them before real use."))
    for account in accounts:
        click.echo(f"  {account.role:<12} {account.username:<18} {account.password:<14} {account.unit_name or ''}")
    click.echo(_("These passwords are shown only once."))
    click.echo(bar)
