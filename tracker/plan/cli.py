"""`flask plan load FILE` and `flask plan export FILE`."""
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.extensions import db
from tracker.plan import services
from tracker.plan.models import Plan
from tracker.plan.planfile import PlanFileInvalid, dump_plan_file, read_plan_file
from tracker.wards.models import Ward

plan_cli = AppGroup("plan", help="Load and export plan files.")


@plan_cli.command("load")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--if-empty", is_flag=True, help="Load only if the database holds no plan yet.")
def load_command(path: Path | None, if_empty: bool) -> None:
    """Validate the whole plan file, then load it (matched by codes; a reload updates in place)."""
    path = path or Path(current_app.config["PLAN_FILE"])
    if if_empty and services.any_plan_exists():
        click.echo(_("The database already holds a plan; it is left as it is."))
        return
    try:
        plan_file = read_plan_file(path)
        summary = services.load_plan_file(plan_file, str(path))
        db.session.commit()
    except PlanFileInvalid as exc:
        db.session.rollback()
        click.echo(_("The plan file was not loaded; the database is unchanged."), err=True)
        click.echo(exc.report(), err=True)
        raise SystemExit(1)
    except Exception:
        db.session.rollback()
        raise
    created = ", ".join(f"{what}: {count}" for what, count in sorted(summary.created.items())) or "0"
    updated = ", ".join(f"{what}: {count}" for what, count in sorted(summary.updated.items())) or "0"
    removed = ", ".join(f"{what}: {count}" for what, count in sorted(summary.removed.items())) or "0"
    click.echo(_('Loaded plan "%(code)s" from %(path)s.', code=summary.plan.code, path=path))
    click.echo(_("Created: %(created)s. Updated: %(updated)s. Removed: %(removed)s.", created=created, updated=updated, removed=removed))


@plan_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ward", "ward_code", help="Ward code (needed when several wards exist).")
@click.option("--plan", "plan_code", help="Plan code (needed when the ward has several plans).")
def export_command(path: Path, ward_code: str | None, plan_code: str | None) -> None:
    """Write a plan back in the plan-file format."""
    query = select(Plan).join(Ward, Plan.ward_id == Ward.id)
    if ward_code:
        query = query.where(Ward.code == ward_code)
    if plan_code:
        query = query.where(Plan.code == plan_code)
    plans = db.session.scalars(query).all()
    if len(plans) != 1:
        message = _("No plan matches.") if not plans else _("Several plans match; choose one with --ward and --plan.")
        click.echo(message, err=True)
        raise SystemExit(1)
    path.write_text(dump_plan_file(services.plan_to_file(plans[0])), encoding="utf-8")
    click.echo(_('Exported plan "%(code)s" to %(path)s.', code=plans[0].code, path=path))
