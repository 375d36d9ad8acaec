"""The plan-implementation tracker: application factory."""
from pathlib import Path

from flask import Flask

from config import Config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_object=Config, **overrides) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(config_object)
    app.config.update(overrides)
    register_extensions(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from tracker.core import database, i18n
    from tracker.extensions import babel, csrf, db, migrate

    import tracker.core.models  # noqa: F401  (the whole schema, for Alembic)

    db.init_app(app)
    database.configure_engines(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    babel.init_app(app, locale_selector=i18n.select_locale, default_translation_directories=str(ROOT / "tracker" / "translations"))
    csrf.init_app(app)


def register_blueprints(app: Flask) -> None:
    from tracker.core.views import bp as core_bp
    from tracker.plan.views import bp as plan_bp
    from tracker.targets.views import bp as targets_bp
    from tracker.units.views import bp as units_bp

    for blueprint in (core_bp, plan_bp, units_bp, targets_bp):
        app.register_blueprint(blueprint)


def register_template_helpers(app: Flask) -> None:
    from tracker.core import formatting, i18n, labels

    formatting.register(app)
    i18n.register(app)
    labels.register(app)


def register_errorhandlers(app: Flask) -> None:
    from tracker.core.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from tracker.accounts.cli import users_cli
    from tracker.plan.cli import plan_cli

    app.cli.add_command(plan_cli)
    app.cli.add_command(users_cli)
