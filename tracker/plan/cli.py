"""`flask plan load FILE` and `flask plan export FILE`."""

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.audit.services import record
from tracker.core.actor import Actor
from tracker.core.database import update_statistics
from tracker.core.time import now
from tracker.extensions import db
from tracker.plan.models import Plan
from tracker.planfile import export, loading
from tracker.planfile.reader import read_plan_file
from tracker.planfile.schema import PlanFileInvalid
from tracker.planfile.versions import record_version
from tracker.planfile.writer import dump_plan_file
from tracker.wards.models import Ward

plan_cli = AppGroup("plan", help="Load and export plan files.")


@plan_cli.command("load")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path), required=False)
@click.option("--if-empty", is_flag=True, help="Load only if the database holds no plan yet.")
@click.option(
    "--allow-removals",
    is_flag=True,
    help="Let a reload remove what the file no longer has (assignments made in the app included).",
)
@click.option("--reason", help="Why the plan changes (kept with its new version).")
def load_command(path: Path | None, if_empty: bool, allow_removals: bool, reason: str | None) -> None:
    """Validate the whole plan file, then load it (matched by codes; a reload updates in place).
    A reload that would remove anything (a lead unit assigned in the app, a milestone, a target)
    is refused unless --allow-removals is given: export the plan first to keep the app's changes."""
    path = path or Path(current_app.config["PLAN_FILE"])
    if if_empty and loading.any_plan_exists():
        click.echo(_("The database already holds a plan; it is left as it is."))
        return
    try:
        plan_file = read_plan_file(path)
        summary = loading.load_plan_file(plan_file, str(path))
        if summary.removed and not allow_removals:
            db.session.rollback()
            click.echo(_("The plan file was not loaded; the database is unchanged."), err=True)
            click.echo(_("Loading it would remove %(removed)s.", removed=_counts(summary.removed)), err=True)
            for line in summary.removed_assignments:
                click.echo(_("  assignment removed: %(what)s", what=line), err=True)
            click.echo(
                _(
                    "To keep changes made in the app, export the plan first (flask plan export) and edit that file. "
                    "To remove them, load again with --allow-removals."
                ),
                err=True,
            )
            raise SystemExit(1)
        if summary.created or summary.updated or summary.removed:
            _record_load(summary, path, reason)
        db.session.commit()
        update_statistics()  # a new plan's rows, for the query planner
    except PlanFileInvalid as exc:
        db.session.rollback()
        click.echo(_("The plan file was not loaded; the database is unchanged."), err=True)
        click.echo(exc.report(), err=True)
        raise SystemExit(1) from None
    except SystemExit:
        raise
    except Exception:
        db.session.rollback()
        raise
    click.echo(_('Loaded plan "%(code)s" from %(path)s.', code=summary.plan.code, path=path))
    click.echo(
        _(
            "Created: %(created)s. Updated: %(updated)s. Removed: %(removed)s.",
            created=_counts(summary.created),
            updated=_counts(summary.updated),
            removed=_counts(summary.removed),
        )
    )


def _record_load(summary, path: Path, reason: str | None) -> None:
    """A load that changed something: in the audit log, and as the plan's next version."""
    record(
        Actor.command_line(),
        "plan.load",
        now(),
        summary.plan,
        source=str(path),
        created=summary.created or None,
        updated=summary.updated or None,
        removed=summary.removed or None,
        removed_assignments=summary.removed_assignments or None,
    )
    record_version(summary.plan, reason or _("Plan file %(path)s loaded", path=path.name), Actor.command_line(), now())


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{what}: {count}" for what, count in sorted(counts.items())) or "0"


@plan_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ward", "ward_code", help="Ward code (needed when several wards exist).")
@click.option("--plan", "plan_code", help="Plan code (needed when the ward has several plans).")
def export_command(path: Path, ward_code: str | None, plan_code: str | None) -> None:
    """Write a plan back in the plan-file format."""
    plan = _one_plan(ward_code, plan_code)
    path.write_text(dump_plan_file(export.plan_to_file(plan)), encoding="utf-8")
    click.echo(_('Exported plan "%(code)s" to %(path)s.', code=plan.code, path=path))


def _one_plan(ward_code: str | None, plan_code: str | None, *conditions) -> Plan:
    """The one plan the options (and `conditions`) name; the command stops, saying why, otherwise."""
    query = select(Plan).join(Ward, Plan.ward_id == Ward.id).where(*conditions)
    if ward_code:
        query = query.where(Ward.code == ward_code)
    if plan_code:
        query = query.where(Plan.code == plan_code)
    plans = db.session.scalars(query).all()
    if len(plans) != 1:
        message = _("No plan matches.") if not plans else _("Several plans match; choose one with --ward and --plan.")
        click.echo(message, err=True)
        raise SystemExit(1)
    return plans[0]


@plan_cli.command("import-check")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
def import_check_command(source: Path | None, plan_file: Path | None) -> None:
    """Read a plan document (DOCX or text) with the units of a plan file, and print how far the
    draft agrees with that file: tasks found, assignments equal and differing, units unmatched,
    the calendar; then each difference. Without arguments: the Bắc Kạn plan's source text and file."""
    from tracker.planimport import read_document
    from tracker.planimport.agreement import compare

    plan_file = plan_file or Path(current_app.config["PLAN_FILE"])
    source = source or plan_file.parent / "source" / "ke-hoach-giam-ngheo-ben-vung-bac-kan-2026-2030.txt"
    expected = read_plan_file(plan_file)
    draft = read_document(source.name, source.read_bytes(), expected.units)
    for line in compare(draft, expected).lines():
        click.echo(line)


@plan_cli.command("draft")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ward", "ward_code", required=True, help="The ward whose units the document names.")
@click.option("--code", "plan_code", default="KH-NHAP", show_default=True, help="The draft plan's code.")
def draft_command(source: Path, out: Path, ward_code: str, plan_code: str) -> None:
    """Read a plan document (DOCX or text) into a draft plan file, naming the ward's units (a
    name none of them answers to is proposed as a new unit). Review it, then `flask plan load`."""
    from tracker.planimport import draft_plan_file, read_document

    ward = db.session.scalar(select(Ward).where(Ward.code == ward_code))
    if ward is None:
        click.echo(_("No ward has the code %(code)s.", code=ward_code), err=True)
        raise SystemExit(1)
    units = export.ward_units(ward)
    draft = read_document(source.name, source.read_bytes(), units)
    drafted = draft_plan_file(draft, export.ward_data(ward), units, plan_code)
    out.write_text(dump_plan_file(drafted), encoding="utf-8")
    tasks = sum(1 for _task in draft.all_tasks())
    click.echo(_("%(tasks)s tasks read from %(source)s into %(out)s.", tasks=tasks, source=source, out=out))
    for name in draft.unmatched():
        click.echo(_("  proposed as a new unit: %(name)s", name=name))


@plan_cli.command("derive-year")
@click.argument("year", type=int)
@click.option("--ward", "ward_code", help="Ward code (needed when several wards exist).")
@click.option("--plan", "plan_code", help="The five-year plan's code (needed when the ward has several).")
def derive_year_command(year: int, ward_code: str | None, plan_code: str | None) -> None:
    """Make the yearly plan of YEAR from the five-year plan: its tasks and units, the year's
    reporting periods and targets, the five-year plan as its parent."""
    from tracker.planfile import yearly

    plan = _one_plan(ward_code, plan_code, Plan.parent_id.is_(None))
    try:
        child = yearly.derive_yearly_plan(plan, year)
    except (ValueError, FileExistsError, PlanFileInvalid) as refused:
        db.session.rollback()
        click.echo(_("The plan of %(year)s was not made: %(why)s", year=year, why=refused), err=True)
        raise SystemExit(1) from None
    record(Actor.command_line(), "plan.derive_yearly", now(), child, parent=plan.code, year=year)
    record_version(
        child, _("Made from the plan %(code)s for %(year)s", code=plan.code, year=year), Actor.command_line(), now()
    )
    db.session.commit()
    click.echo(_('Made plan "%(code)s" for %(year)s from "%(parent)s".', code=child.code, year=year, parent=plan.code))
