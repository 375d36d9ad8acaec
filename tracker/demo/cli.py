"""`flask demo activity`: invented activity for the demo accounts, so the pages have data to show."""

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from tracker.core.formatting import format_date
from tracker.core.time import now
from tracker.demo import services
from tracker.extensions import db
from tracker.wards.queries import chosen_ward

demo_cli = AppGroup("demo", help="Demonstration data for trying the app.")


@demo_cli.command("activity")
@click.option("--ward", "ward_code", help="Ward code (default: the only ward).")
def activity_command(ward_code: str | None) -> None:
    """Add a small invented six-month reporting round of 2026 for the demo accounts (a fresh demo database only)."""
    ward = chosen_ward(ward_code)
    if ward is None:
        click.echo(_("Load a plan first, or name the ward with --ward."), err=True)
        raise SystemExit(1)
    try:
        stage, cast = services.check_ready(ward)
    except services.DemoRefused as refused:
        db.session.rollback()
        click.echo(str(refused), err=True)
        raise SystemExit(1) from None
    # One transaction: committed at the end, or nothing.
    try:
        summary = services.create_activity(stage, cast, now())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _print_summary(summary)


def _print_summary(summary: services.Summary) -> None:
    """Say, under a warning that the data is invented, what the demo activity wrote: the unit's
    progress, figures and report, the discussion, and the alert scans."""
    _print_warning()
    click.echo(
        _(
            'Demo activity in the plan "%(plan)s", as of %(date)s:',
            plan=summary.plan.code,
            date=format_date(services.SCAN_DAY),
        )
    )
    _print_unit_work(summary)
    _print_discussion(summary)
    click.echo("  " + _("The other units have no demo account, so their reports stay missing."))
    _print_scans(summary)


def _print_warning() -> None:
    bar = "!" * 72
    click.echo(bar)
    click.echo(
        _("DEMONSTRATION DATA ONLY: invented activity for trying the app. Do not use this database for real work.")
    )
    click.echo(bar)


def _print_unit_work(summary: services.Summary) -> None:
    """The officer's progress updates, the figures entered, and the report's way through review."""
    tasks = ", ".join(dict.fromkeys(u.task.code for u in summary.updates))
    click.echo(
        "  "
        + _(
            "%(num)d progress updates by %(user)s on %(tasks)s; blocked, with a difficulty and a proposal: %(blocked)s.",
            num=len(summary.updates),
            user=summary.officer.username,
            tasks=tasks,
            blocked=", ".join(summary.blocked),
        )
    )
    click.echo("  " + _("%(num)d indicator figures entered for the period.", num=summary.figures))
    click.echo(
        "  "
        + _(
            "The six-month report %(year)d of %(unit)s (%(sections)d task sections): sent on time, returned with a reason "
            "pointing at the section on %(returned)s, sent again and accepted.",
            year=summary.period.year,
            unit=summary.unit.name,
            sections=summary.sections,
            returned=", ".join(summary.returned),
        )
    )


def _print_discussion(summary: services.Summary) -> None:
    """The committee's questions and the chair's directives."""
    for question in summary.questions:
        click.echo(
            "  "
            + _(
                "A question of the committee (%(user)s) on %(task)s, answered by %(officer)s.",
                user=summary.committee.username,
                task=question.task.code,
                officer=summary.officer.username,
            )
        )
    for directive in summary.directives:
        click.echo(
            "  "
            + _(
                "A directive of the chair (%(user)s) on %(task)s, due %(date)s, not yet done.",
                user=summary.chair.username,
                task=directive.task.code,
                date=format_date(directive.due_on),
            )
        )


def _print_scans(summary: services.Summary) -> None:
    """What each alert scan created and resolved, and why a later day was scanned again, if it was."""
    for result in summary.scans:
        click.echo(
            "  "
            + _(
                "Scan for %(date)s: %(created)d alerts created, %(resolved)d resolved.",
                date=result.scan_date.isoformat(),
                created=len(result.created_ids),
                resolved=len(result.resolved),
            )
        )
    if summary.rescanned_on is not None:
        click.echo(
            _(
                "The alerts had already been scanned for %(date)s, after %(story)s. The scan does not go back: that day was "
                "scanned again so that its alerts include the demo activity.",
                date=format_date(summary.rescanned_on),
                story=format_date(services.SCAN_DAY),
            )
        )
