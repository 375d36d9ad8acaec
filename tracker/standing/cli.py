"""`flask standings check` and `flask standings refresh`: the stored standings against the rule."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.core.time import ward_today
from tracker.extensions import db
from tracker.plan.models import Plan
from tracker.standing import stored

standings_cli = AppGroup("standings", help="Each task's stored standing (status, flags, percent).")


def _plans(code: str | None) -> list[Plan]:
    query = select(Plan).order_by(Plan.id)
    if code:
        query = query.where(Plan.code == code)
    plans = list(db.session.scalars(query))
    if code and not plans:
        raise click.BadParameter(_("no plan has this code"), param_hint="--plan")
    return plans


@standings_cli.command("check")
@click.option("--plan", "code", help="Only the plans with this code; default every plan.")
def check_command(code: str | None) -> None:
    """Recompute every stored standing from scratch and report each difference (exit 1 if any)."""
    plans = _plans(code)
    found = [difference for plan in plans for difference in stored.standing_differences(plan)]
    for difference in found:
        click.echo(difference, err=True)
    click.echo(_("%(plans)d plans checked: %(num)d differences.", plans=len(plans), num=len(found)))
    if found:
        raise SystemExit(1)


@standings_cli.command("refresh")
@click.option("--plan", "code", help="Only the plans with this code; default every plan.")
def refresh_command(code: str | None) -> None:
    """Recompute and store the standings of today in the ward."""
    plans = _plans(code)
    for plan in plans:
        stored.refresh_standings(plan, ward_today())
    db.session.commit()
    click.echo(_("%(plans)d plans refreshed.", plans=len(plans)))
