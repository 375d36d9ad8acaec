"""`flask alerts scan` and `flask mail ...`: every scheduled job is also a command that takes a date."""

from datetime import date

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from tracker.alerts import services
from tracker.core.time import now, ward_today
from tracker.extensions import db
from tracker.mail import services as mail

alerts_cli = AppGroup("alerts", help="The alert scan.")
mail_cli = AppGroup("mail", help="E-mail digests and the outbox.")


def _day(value: str | None) -> date:
    if not value:
        return ward_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(_("write the date as YYYY-MM-DD"), param_hint="--date") from None


def run_scan(day: date) -> list[services.ScanResult] | None:
    """One transaction for the whole scan: committed at the end, or nothing. None: nothing was
    written since the last scan of that day."""
    return services.scan_and_commit(day, now())


@alerts_cli.command("scan")
@click.option("--date", "date_text", help="The day to scan for (YYYY-MM-DD); default today in the ward.")
@click.option("--rewind", is_flag=True, help="Allow a day earlier than the last scan's.")
def scan_command(date_text: str | None, rewind: bool) -> None:
    """Create the alerts that should exist on a day, resolve cleared ones, escalate old ones."""
    day = _day(date_text)
    last = services.last_scan_date()
    if last is not None and day < last and not rewind:
        # Going back resolves alerts whose cause came later, and the next scan reopens them:
        # people would be told twice. The scheduler never goes back; a person must mean it.
        click.echo(
            _(
                "The alerts were last scanned for %(last)s. A scan for an earlier day (%(date)s) would resolve "
                "alerts that the next scan reopens, and people would be notified again. Nothing was done; "
                "add --rewind to scan that day anyway.",
                last=last.isoformat(),
                date=day.isoformat(),
            ),
            err=True,
        )
        raise SystemExit(1)
    results = run_scan(day)
    if results is None:
        click.echo(
            _(
                "Scan for %(date)s: nothing has been written since the last scan of that day; nothing to do.",
                date=day.isoformat(),
            )
        )
        return
    created = sum(len(r.created_ids) for r in results)
    resolved = sum(len(r.resolved) for r in results)
    click.echo(
        _(
            "Scan for %(date)s: %(created)d alerts created, %(resolved)d resolved.",
            date=day.isoformat(),
            created=created,
            resolved=resolved,
        )
    )
    for problem in (p for r in results for p in r.problems):
        click.echo(problem, err=True)
    caught_up = sum(r.caught_up for r in results)
    if caught_up:
        click.echo(
            _(
                "%(num)d reminders that should have gone out before a deadline now passed were recorded, already resolved and not sent.",
                num=caught_up,
            )
        )


@mail_cli.command("digests")
@click.option("--date", "date_text", help="The digest's day (YYYY-MM-DD); default today in the ward.")
def digests_command(date_text: str | None) -> None:
    """Queue today's e-mail digest for everyone with something unread."""
    day = _day(date_text)
    queued = mail.build_digests(day, now())
    db.session.commit()
    click.echo(_("%(num)d digests queued.", num=queued))


@mail_cli.command("send")
def send_command() -> None:
    """Send the queued e-mails whose time has come."""
    sent, failed = mail.send_due(now())
    click.echo(_("%(sent)d e-mails sent, %(failed)d failed (kept for retry).", sent=sent, failed=failed))
