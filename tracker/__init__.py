"""The plan-implementation tracker: application factory."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import check_production_settings, config_for_environment, local_secret_key

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_object=None, **overrides) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_object or config_for_environment())
    app.config.update(overrides)
    if app.config.get("PRODUCTION"):
        check_production_settings(app.config)
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = local_secret_key()
    if app.config["PROXY_COUNT"]:
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    import tracker.models  # noqa: F401  (the whole schema, for Alembic)
    from tracker.accounts import login
    from tracker.core import database, i18n, kept
    from tracker.extensions import babel, csrf, db, login_manager, migrate
    from tracker.standing import stored  # noqa: F401  (its session hooks keep the stored standings)

    database.engine_options(app)
    db.init_app(app)
    database.configure_engines(app)
    app.before_request(database.no_reads_after_commit)
    app.teardown_request(database.reads_after_commit_again)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(
        app, locale_selector=i18n.select_locale, default_translation_directories=str(ROOT / "tracker" / "translations")
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    kept.register(
        app, login.PUBLIC_ENDPOINTS, login.TOKEN_BLUEPRINTS
    )  # before the sign-in check: a post of an ended session is kept
    login.configure(app, login_manager)


def register_blueprints(app: Flask) -> None:
    from tracker.accountability.views import bp as accountability_bp
    from tracker.accounts import views as accounts
    from tracker.alerts.views import bp as notifications_bp
    from tracker.api import base as api_base
    from tracker.api import docs as api_docs
    from tracker.audit_log.views import bp as audit_bp
    from tracker.dashboard.views import bp as dashboard_bp
    from tracker.discussion.views import bp as discussion_bp
    from tracker.exports.views import bp as exports_bp
    from tracker.health.views import bp as health_bp
    from tracker.home.views import bp as home_bp
    from tracker.overview.views import bp as overview_bp
    from tracker.periods.views import bp as periods_bp
    from tracker.plan.views import bp as plan_bp
    from tracker.planimport.views import bp as plan_import_bp
    from tracker.progress.views import bp as progress_bp
    from tracker.reports.views import bp as reports_bp
    from tracker.targets.views import bp as targets_bp
    from tracker.units import views as units
    from tracker.ward_reports.views import bp as ward_reports_bp

    api_base.register(app)  # the JSON API and its description (flask-smorest)
    for blueprint in (
        api_docs.bp,
        home_bp,
        accounts.bp,
        accounts.admin,
        plan_bp,
        plan_import_bp,
        progress_bp,
        reports_bp,
        periods_bp,
        units.bp,
        units.home_bp,
        units.admin,
        targets_bp,
        audit_bp,
        dashboard_bp,
        accountability_bp,
        discussion_bp,
        notifications_bp,
        ward_reports_bp,
        exports_bp,
        health_bp,
        overview_bp,
    ):
        app.register_blueprint(blueprint)


def register_template_helpers(app: Flask) -> None:
    from tracker.accounts import permissions
    from tracker.alerts import messages
    from tracker.alerts import views as alert_views
    from tracker.core import formatting, i18n, labels, submissions
    from tracker.home import views as home_views
    from tracker.progress import status

    formatting.register(app)
    i18n.register(app)
    labels.register(app)
    home_views.register(app)
    permissions.register(app)
    app.add_template_global(status.behind_schedule, "behind_schedule")
    app.add_template_global(submissions.new_token, "once_token")
    messages.register(app)
    alert_views.register(app)


def register_errorhandlers(app: Flask) -> None:
    from tracker.accounts import login
    from tracker.core import errors, security

    errors.register(app, login.PUBLIC_ENDPOINTS)
    security.register(app)


def register_commands(app: Flask) -> None:
    from tracker.accounts.cli import users_cli
    from tracker.alerts.cli import alerts_cli, mail_cli
    from tracker.backup.cli import backup_cli
    from tracker.demo.cli import demo_cli
    from tracker.exports.cli import exports_cli
    from tracker.plan.cli import plan_cli
    from tracker.progress.cli import evidence_cli
    from tracker.scheduler.cli import scheduler_cli
    from tracker.standing.cli import standings_cli

    groups = (
        plan_cli,
        users_cli,
        alerts_cli,
        mail_cli,
        scheduler_cli,
        backup_cli,
        demo_cli,
        evidence_cli,
        standings_cli,
        exports_cli,
    )
    for group in groups:
        app.cli.add_command(group)
