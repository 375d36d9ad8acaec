"""`flask users ...`: accounts from the command line."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.accounts import services
from tracker.accounts.models import ROLES
from tracker.core.actor import Actor
from tracker.core.forms import clean_text
from tracker.core.time import now
from tracker.extensions import db
from tracker.units.models import Unit
from tracker.wards.models import Ward
from tracker.wards.queries import chosen_ward

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create-demo")
@click.option("--ward", "ward_code", help="Ward code (default: the only ward).")
def create_demo_command(ward_code: str | None) -> None:
    """Create one demo account per role if there are no accounts yet."""
    ward = chosen_ward(ward_code)
    if ward is None:
        click.echo(_("Load a plan first, or name the ward with --ward."), err=True)
        raise SystemExit(1)
    accounts = services.create_demo_accounts(ward, Actor.command_line(), now())
    db.session.commit()
    if not accounts:
        click.echo(
            _("Accounts already exist; no demo account was created. Use `flask users set-password` to reset one.")
        )
        return
    bar = "!" * 72
    click.echo(bar)
    click.echo(_("DEMO ACCOUNTS - FOR TRYING THE APP ONLY. Disable them before real use."))
    for account in accounts:
        click.echo(f"  {account.role:<12} {account.username:<18} {account.password:<14} {account.unit_name or ''}")
    click.echo(_("These passwords are shown only once."))
    click.echo(bar)


@users_cli.command("create")
@click.argument("username")
@click.option("--name", "full_name", required=True, help="Full name.")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice(ROLES), help="A role; repeat for several."
)
@click.option("--unit", "unit_code", help="Unit code (officers belong to a unit).")
@click.option("--ward", "ward_code", help="Ward code; leave out for an installation-wide admin.")
@click.option("--province", help="The province whose wards a province's account reads (its roles: province_*).")
@click.option("--email", help="E-mail address.")
@click.password_option(help="The password (asked for if not given).")
def create_command(username, full_name, roles, unit_code, ward_code, province, email, password):
    """Create an account (e.g. the first admin)."""
    # What a terminal sends is cleaned as a form's text is: NFC, no control characters.
    username, full_name, email = clean_text(username), clean_text(full_name), clean_text(email)
    ward_code, unit_code, province = clean_text(ward_code), clean_text(unit_code), clean_text(province)
    ward = db.session.scalar(select(Ward).where(Ward.code == ward_code)) if ward_code else None
    if ward_code and ward is None:
        raise click.ClickException(_('No ward has the code "%(code)s".', code=ward_code))
    unit = None
    if unit_code:
        if ward is None:
            raise click.ClickException(_("Give the ward (--ward) of the unit."))
        unit = db.session.scalar(select(Unit).where(Unit.ward_id == ward.id, Unit.code == unit_code))
        if unit is None:
            raise click.ClickException(
                _('Ward "%(ward)s" has no unit with the code "%(code)s".', ward=ward_code, code=unit_code)
            )
    try:
        services.add_user(
            Actor.command_line(),
            now(),
            username,
            password,
            full_name,
            list(roles),
            ward=ward,
            unit=unit,
            email=email,
            province=province,
        )
    except services.AccountRefused as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(_('Account "%(username)s" created.', username=username))


@users_cli.command("set-password")
@click.argument("username")
@click.password_option(help="The new password (asked for if not given).")
def set_password_command(username, password):
    """Set a new password for an account."""
    user = services.find_user(username)
    if user is None:
        raise click.ClickException(_('No account has the username "%(username)s".', username=username))
    try:
        services.set_password(Actor.command_line(), now(), user, password)
    except services.AccountRefused as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(_('New password set for "%(username)s".', username=username))
