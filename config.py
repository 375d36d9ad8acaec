"""Settings, read from the environment.

Every setting has a working default for a ward's own machine; production overrides them through
environment variables (see the table in README.md).
"""

import math
import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("TRACKER_INSTANCE_DIR", BASE_DIR / "instance"))


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'tracker.db'}"


def local_secret_key() -> str:
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
    # Outside production, a missing key is made and kept in instance/secret_key when the app is
    # created (local_secret_key); production never writes one (check_production_settings).
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or _default_database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL that does not answer must not hang a page (tracker/core/database.py): seconds to
    # open a connection, for a statement (the server cancels it), for a lock, for a free pooled
    # connection, and for any answer at all (our side: a frozen server cancels nothing).
    DATABASE_CONNECT_TIMEOUT_SECONDS = _int_env("DATABASE_CONNECT_TIMEOUT_SECONDS", 3)
    DATABASE_STATEMENT_TIMEOUT_SECONDS = _int_env("DATABASE_STATEMENT_TIMEOUT_SECONDS", 5)
    DATABASE_LOCK_TIMEOUT_SECONDS = _int_env("DATABASE_LOCK_TIMEOUT_SECONDS", 4)
    DATABASE_POOL_TIMEOUT_SECONDS = _int_env("DATABASE_POOL_TIMEOUT_SECONDS", 5)
    DATABASE_WAIT_SECONDS = _int_env("DATABASE_WAIT_SECONDS", 7)

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")

    # The plan that `make run` loads into an empty database.
    PLAN_FILE = os.environ.get("PLAN_FILE", str(BASE_DIR / "data" / "plans" / "bac-kan-2026-2030.yaml"))

    # A task with no update for this many days is flagged stale.
    STALE_AFTER_DAYS = _int_env("STALE_AFTER_DAYS", 45)
    # Rows on one page of a long list (the dashboard's task list): a page costs what it shows.
    LIST_PAGE_SIZE = max(1, _int_env("LIST_PAGE_SIZE", 50))  # at least one row
    OVERVIEW_PAGE_SIZE = max(1, _int_env("OVERVIEW_PAGE_SIZE", 25))  # wards per page of the overview
    # Rendered dashboards kept per process until the next write (tracker.core.page_cache); 0: none.
    PAGE_CACHE_SIZE = max(0, _int_env("PAGE_CACHE_SIZE", 64))
    # An export of more rows than this is written by the scheduler and downloaded from its own page
    # (a large workbook takes minutes, past the web server's timeout); kept EXPORT_KEEP_DAYS days.
    EXPORT_INLINE_ROWS = max(1, _int_env("EXPORT_INLINE_ROWS", 20000))
    EXPORT_KEEP_DAYS = max(1, _int_env("EXPORT_KEEP_DAYS", 7))
    EXPORT_POLL_SECONDS = max(1, _int_env("EXPORT_POLL_SECONDS", 10))
    EXPORT_DIR = os.environ.get("EXPORT_DIR") or None  # None: UPLOAD_DIR/exports
    # Units can write a period's reports from this many days before its unit deadline.
    REPORT_WINDOW_DAYS = _int_env("REPORT_WINDOW_DAYS", 30)

    # Evidence files: kept outside the static files; limits per file and per request.
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR") or str(INSTANCE_DIR / "uploads")
    EVIDENCE_MAX_BYTES = _int_env("EVIDENCE_MAX_MB", 10) * 1024 * 1024
    MAX_CONTENT_LENGTH = _int_env("MAX_REQUEST_MB", 64) * 1024 * 1024
    # A file no evidence record points at is removed after this many hours (tracker/progress/cleanup.py).
    EVIDENCE_ORPHAN_GRACE_HOURS = _int_env("EVIDENCE_ORPHAN_GRACE_HOURS", 24)

    # Alerts: a question unanswered after this many days raises an alert; an alert still open
    # this many days after it should have fired is escalated to the chair.
    QUESTION_ANSWER_DAYS = _int_env("QUESTION_ANSWER_DAYS", 7)
    ESCALATE_AFTER_DAYS = _int_env("ESCALATE_AFTER_DAYS", 7)
    # The scheduler: the daily scan's hour (Asia/Ho_Chi_Minh) and how often the outbox is sent.
    SCAN_HOUR = _int_env("SCAN_HOUR", 7)
    MAIL_SEND_INTERVAL_MINUTES = _int_env("MAIL_SEND_INTERVAL_MINUTES", 5)
    # The scheduler writes a heartbeat (and checks that it still holds its lock) this often; a
    # waiting scheduler tries to take the lock this often.
    SCHEDULER_HEARTBEAT_SECONDS = _int_env("SCHEDULER_HEARTBEAT_SECONDS", 60)
    SCHEDULER_LOCK_POLL_SECONDS = _int_env("SCHEDULER_LOCK_POLL_SECONDS", 5)

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

    # How passwords are hashed (werkzeug.security); the tests' configuration uses a cheap one.
    PASSWORD_HASH_METHOD = "scrypt"

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A form's CSRF token lives as long as the session, not one hour: an officer who starts a
    # progress report, is called away and sends it later must not lose what was typed.
    WTF_CSRF_TIME_LIMIT = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
    # "Keep me signed in" makes the session itself permanent, for as long as the remember cookie:
    # Flask-Login's strong session protection then keeps it through a change of network address
    # (Wi-Fi to 4G) instead of deleting it (tracker/accounts/login.py).
    PERMANENT_SESSION_LIFETIME = REMEMBER_COOKIE_DURATION

    # Sign-in throttling (tracker/accounts/services.py). Failures slow down the (account, address)
    # pair that made them, never the account everywhere, so a stranger cannot lock a person out:
    # after LOGIN_FAILURES_BEFORE_DELAY failures the pair waits LOGIN_FIRST_DELAY_SECONDS, doubled
    # at each further failure, at most LOGIN_LOCK_MINUTES. An address with
    # LOGIN_MAX_FAILURES_PER_ADDRESS failures (any names) waits the same way before trying an
    # account that never signed in from it. LOGIN_WARN_FAILURES_PER_ACCOUNT failures against one
    # account (from anywhere) put a warning in the audit log. Failures count for
    # LOGIN_FAILURE_WINDOW_HOURS, or until a successful sign-in of the pair or an admin's unlock.
    LOGIN_FAILURES_BEFORE_DELAY = _int_env("LOGIN_FAILURES_BEFORE_DELAY", 3)
    LOGIN_FIRST_DELAY_SECONDS = _int_env("LOGIN_FIRST_DELAY_SECONDS", 5)
    LOGIN_LOCK_MINUTES = _int_env("LOGIN_LOCK_MINUTES", 15)
    LOGIN_MAX_FAILURES_PER_ADDRESS = _int_env("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
    # The JSON API (tracker.api): calls one person may make in a minute, and calls with a wrong
    # token one address may make, in each app process.
    API_CALLS_PER_MINUTE = _int_env("API_CALLS_PER_MINUTE", 120)
    API_REFUSED_TOKENS_PER_MINUTE = _int_env("API_REFUSED_TOKENS_PER_MINUTE", 10)
    LOGIN_WARN_FAILURES_PER_ACCOUNT = _int_env("LOGIN_WARN_FAILURES_PER_ACCOUNT", 10)
    LOGIN_FAILURE_WINDOW_HOURS = _int_env("LOGIN_FAILURE_WINDOW_HOURS", 24)
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


def secret_key_problem(key: str | None) -> str | None:
    """Why a key is too weak to sign production sessions, or None. A random key of 32 characters
    or more passes; a known default, a short key, a key of few different characters, a repeated
    part or a run of neighbouring characters ("abcdef…") does not."""
    key = key or ""
    if key in WEAK_SECRET_KEYS:
        return "it is missing or a known default"
    if len(key) < 32:
        return f"it has {len(key)} characters, fewer than 32"
    if len(set(key)) < 8:
        return f"it uses only {len(set(key))} different characters"
    if any(key.find(key[i : i + 8], i + 1) != -1 for i in range(len(key) - 8)):
        return "it repeats a part of itself"
    steps = sum(1 for a, b in zip(key, key[1:]) if abs(ord(b) - ord(a)) <= 1)
    if steps > len(key) // 2:
        return "it is mostly a run of neighbouring characters"
    counts = [key.count(ch) for ch in set(key)]
    bits = -sum(c * math.log2(c / len(key)) for c in counts)
    if bits < 80:
        return f"it holds about {int(bits)} bits of randomness, fewer than 80"
    return None


def check_production_settings(config) -> None:
    """Refuse to start in production with a missing, default or weak SECRET_KEY."""
    problem = secret_key_problem(config.get("SECRET_KEY"))
    if problem:
        raise RuntimeError(
            f"SECRET_KEY is not fit for production: {problem}. Set it to a random value, e.g. "
            "python -c 'import secrets; print(secrets.token_hex(32))'."
        )


def config_for_environment():
    return ProductionConfig if os.environ.get("TRACKER_ENV") == "production" else Config


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-only-key"
    # Tests sign in thousands of times: a cheap hash there, never in production (scrypt).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
