"""Settings, read from the environment.

Every setting has a working default for a ward's own machine; production overrides them through
environment variables (see the table in README.md).
"""
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("TRACKER_INSTANCE_DIR", BASE_DIR / "instance"))


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'tracker.db'}"


def _local_secret_key() -> str:
    """A random key kept in instance/, created on first use, so development needs no setup and
    the repository holds no secret."""
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed into place: two processes starting at once never read half a key.
        temporary = key_file.with_name(f".secret_key.{os.getpid()}")
        temporary.write_text(secrets.token_hex(32))
        temporary.chmod(0o600)
        try:
            os.link(temporary, key_file)  # fails if another process got there first; its key wins
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
    return key_file.read_text().strip()


def _int_env(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY") or _local_secret_key()
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    # The plan that `make run` loads into an empty database.
    PLAN_FILE = os.environ.get("PLAN_FILE", str(BASE_DIR / "data" / "plans" / "bac-kan-2026-2030.yaml"))

    # A task with no update for this many days is flagged stale.
    STALE_AFTER_DAYS = _int_env("STALE_AFTER_DAYS", 45)
    # Units can write a period's reports from this many days before its unit deadline.
    REPORT_WINDOW_DAYS = _int_env("REPORT_WINDOW_DAYS", 30)

    # Evidence files: kept outside the static files; limits per file and per request.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    EVIDENCE_MAX_BYTES = _int_env("EVIDENCE_MAX_MB", 10) * 1024 * 1024
    MAX_CONTENT_LENGTH = _int_env("MAX_REQUEST_MB", 64) * 1024 * 1024

    # Alerts: a question unanswered after this many days raises an alert; an alert still open
    # this many days after it should have fired is escalated to the chair.
    QUESTION_ANSWER_DAYS = _int_env("QUESTION_ANSWER_DAYS", 7)
    ESCALATE_AFTER_DAYS = _int_env("ESCALATE_AFTER_DAYS", 7)
    # The scheduler: the daily scan's hour (Asia/Ho_Chi_Minh) and how often the outbox is sent.
    SCAN_HOUR = _int_env("SCAN_HOUR", 7)
    MAIL_SEND_INTERVAL_MINUTES = _int_env("MAIL_SEND_INTERVAL_MINUTES", 5)

    # E-mail. Without MAIL_SERVER no e-mail is queued; notifications stay in the app.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = _int_env("MAIL_PORT", 25)
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes")
    MAIL_USE_SSL = os.environ.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_FROM = os.environ.get("MAIL_FROM", "tracker@localhost")
    MAIL_TIMEOUT = _int_env("MAIL_TIMEOUT", 10)
    # Links in e-mails point here.
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A form's CSRF token lives as long as the session, not one hour: an officer who starts a
    # progress report, is called away and sends it later must not lose what was typed.
    WTF_CSRF_TIME_LIMIT = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600


    # Sign-in throttling: after this many failures in LOGIN_LOCK_MINUTES, an account (or an
    # address) must wait.
    LOGIN_MAX_FAILURES_PER_ACCOUNT = _int_env("LOGIN_MAX_FAILURES_PER_ACCOUNT", 5)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _int_env("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
    LOGIN_LOCK_MINUTES = _int_env("LOGIN_LOCK_MINUTES", 15)
    # Behind nginx: how many proxies set X-Forwarded-For/-Proto/-Host (0: none, trust nothing).
    PROXY_COUNT = _int_env("PROXY_COUNT", 0)


class ProductionConfig(Config):
    """TRACKER_ENV=production: a real SECRET_KEY is required, cookies travel over HTTPS only."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    PRODUCTION = True


# Keys that must never sign a production session.
WEAK_SECRET_KEYS = {"", "dev", "secret", "change-me", "changeme", "test-only-key", "dev-only-not-secret"}


def check_production_settings(config) -> None:
    """Refuse to start in production with a missing, default or short SECRET_KEY."""
    key = config.get("SECRET_KEY") or ""
    if key in WEAK_SECRET_KEYS or len(key) < 32:
        raise RuntimeError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')."
        )


def config_for_environment():
    return ProductionConfig if os.environ.get("TRACKER_ENV") == "production" else Config


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-only-key"
