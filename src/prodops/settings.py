"""The one settings module. Every value comes from the environment, typed.

Secrets are read from the environment or from a file named by ``<NAME>_FILE``. There is
no default secret: when none is given, a random key is generated once and kept in the
data directory (mode 0600), so a demo needs no set-up and no two installs share a key.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return int(value)


def envstr(name: str, default: str) -> str:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envsecret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE."""
    value = os.environ.get(name)
    if value:
        return value
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return None


def _default_data_dir() -> Path:
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "prodops"


DATA_DIR = Path(envstr("PRODOPS_DATA_DIR", str(_default_data_dir())))


def _private_dir(path: Path) -> Path:
    """Create ``path`` readable by its owner only (0700): the data directory holds the
    SQLite database (sessions, password and token hashes) and the secret key. The data
    directory itself, when we own it and it is open to others, is tightened too."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if path == DATA_DIR and info.st_uid == os.getuid() and info.st_mode & 0o077:
        path.chmod(0o700)
    return path


def _private_file(path: Path) -> None:
    """Create the SQLite database file 0600 before SQLite does (it would follow the umask,
    0644); SQLite gives its -wal and -shm files the database file's mode."""
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    elif path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


def _secret_key(name: str = "PRODOPS_SECRET_KEY", filename: str = "secret_key") -> str:
    key = envsecret(name)
    if key:
        return key
    _private_dir(DATA_DIR)
    path = DATA_DIR / filename
    if not path.exists():
        _write_once(path, secrets.token_urlsafe(50))
    return path.read_text().strip()


def _write_once(path: Path, text: str) -> None:
    """Create ``path`` (0600) holding ``text`` unless it exists, atomically: several
    processes started together on a new data directory (web processes, workers) all
    end up reading the one key that won. The key is written to a file of this process
    first, then linked into place (``link`` fails if the name exists), so ``path`` is
    never seen empty or half-written, and never replaced once there."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process was first: its key stands
        except OSError:  # a file system without hard links: rename, unless one is there
            if not path.exists():
                temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


SECRET_KEY = _secret_key()
# Hashes anonymous usage user keys at ingestion (events.userkeys). Separate from
# SECRET_KEY so that rotating sessions' key does not make every user new.
PRODOPS_USAGE_SECRET = _secret_key("PRODOPS_USAGE_SECRET", "usage_secret")
DEBUG = envbool("PRODOPS_DEBUG", False)
ALLOWED_HOSTS = envlist("PRODOPS_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("PRODOPS_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("PRODOPS_SITE_URL", "http://127.0.0.1:8000")

# The ProdOps domain apps, in dependency order. Demo seeders, fact providers, manifest
# kinds, URL modules and API routers are discovered from these, in this order.
PRODOPS_APPS = [
    "prodops.core",
    "prodops.accounts",
    "prodops.audit",
    "prodops.catalog",
    "prodops.manifests",
    "prodops.notifications",
    "prodops.readiness",
    "prodops.lifecycle",
    "prodops.knowledge",
    "prodops.risks",
    "prodops.comments",
    "prodops.events",
    "prodops.metrics",
    "prodops.warranty",
    "prodops.alignment",
    "prodops.pilots",
    "prodops.playbooks",
    "prodops.outcomes",
    "prodops.handback",
    "prodops.campaigns",
    "prodops.improvement",
    "prodops.web",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "django_htmx",
    "csp",
    "axes",
    *PRODOPS_APPS,
]

MIDDLEWARE = [
    "prodops.core.middleware.ApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "prodops.accounts.middleware.LoginRequiredMiddleware",
    "prodops.accounts.middleware.PolicyDeniedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username + address is refused before the password is checked.
    "prodops.accounts.throttle.SignInThrottle",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "prodops.urls"
WSGI_APPLICATION = "prodops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "prodops.notifications.context_processors.unread",
            ],
        },
    },
]


def _databases() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'prodops.sqlite3'}"
    # Web processes close their connection after each request by default; the worker
    # keeps its own longer (PRODOPS_WORKER_CONN_MAX_AGE, set by `prodops worker`). A kept
    # connection is checked before reuse, so a restarted database costs one reconnect.
    config: dict[str, Any] = dict(
        dj_database_url.parse(url, conn_max_age=envint("PRODOPS_DB_CONN_MAX_AGE", 0), conn_health_checks=True)
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside one writer; IMMEDIATE takes the write lock at the
        # start of a transaction so concurrent writers wait (busy_timeout) instead of
        # failing half-way with "database is locked".
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA busy_timeout=20000;"
                "PRAGMA foreign_keys=ON;"
            ),
        }
        name = str(config.get("NAME") or "")
        if name and name != ":memory:" and not name.startswith("file:"):
            _private_dir(Path(name).parent)
            _private_file(Path(name))
    return {"default": config}


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"
# Sign-in throttling (django-axes): this many failures for one username from one
# address lock that pair out for the window. The username is normalised as Django
# normalises it to sign in (NFKC, case-folded), so no other spelling gets around it.
PRODOPS_LOGIN_MAX_FAILURES = envint("PRODOPS_LOGIN_MAX_FAILURES", 5)
PRODOPS_LOGIN_WINDOW_SECONDS = envint("PRODOPS_LOGIN_WINDOW_SECONDS", 900)
AXES_FAILURE_LIMIT = PRODOPS_LOGIN_MAX_FAILURES
AXES_COOLOFF_TIME = timedelta(seconds=PRODOPS_LOGIN_WINDOW_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "prodops.accounts.throttle.axes_username"
AXES_CLIENT_IP_CALLABLE = "prodops.accounts.throttle.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False
# Password reset: at most this many mails per address (and per client address) an hour.
PRODOPS_RESET_MAX_PER_HOUR = envint("PRODOPS_RESET_MAX_PER_HOUR", 3)

LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("PRODOPS_TIME_ZONE", "UTC")
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
# Assets ship inside the package; WhiteNoise serves them from the app directories so
# `prodops serve` needs no collectstatic step and nothing is fetched from a CDN.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG


def _email(url: str) -> dict[str, Any]:
    """Mail settings from ``PRODOPS_EMAIL_URL``: ``smtp://user:pass@host:port``,
    ``smtp+tls://…`` (STARTTLS), ``smtps://…`` (implicit TLS) or ``console://`` (print
    every email on the console, as the demo does)."""

    parts = urlsplit(url)
    if parts.scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme not in {"smtp", "smtp+tls", "smtps"}:
        raise ValueError(f"PRODOPS_EMAIL_URL: unknown scheme {parts.scheme!r} (smtp, smtp+tls, console)")
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or {"smtps": 465, "smtp+tls": 587}.get(parts.scheme, 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": parts.scheme == "smtp+tls",
        "EMAIL_USE_SSL": parts.scheme == "smtps",
    }


# Mail (notifications, password reset): PRODOPS_EMAIL_URL, or PRODOPS_EMAIL_URL_FILE when
# the URL carries a password. Default: an SMTP server on localhost:25.
_EMAIL = _email(envsecret("PRODOPS_EMAIL_URL") or "smtp://localhost:25")
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _EMAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _EMAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _EMAIL.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = envstr("PRODOPS_EMAIL_FROM", "prodops@localhost")
# Webhook channels (webhook, Slack, Teams) may not reach loopback, private, link-local,
# multicast or reserved addresses (server-side request forgery) unless this is set: for
# a receiver on the same private network, or the tests' local HTTP server.
PRODOPS_WEBHOOK_ALLOW_PRIVATE = envbool("PRODOPS_WEBHOOK_ALLOW_PRIVATE", False)
# The one-click unsubscribe link of every notification email works this many days.
PRODOPS_UNSUBSCRIBE_MAX_AGE_DAYS = envint("PRODOPS_UNSUBSCRIBE_MAX_AGE_DAYS", 60)
# Seconds a worker keeps its database connection (0: a new one for every poll of the
# queue, twice a second when idle; it was so until 2026-11-30).
PRODOPS_WORKER_CONN_MAX_AGE = envint("PRODOPS_WORKER_CONN_MAX_AGE", 300)
if PRODOPS_WORKER_CONN_MAX_AGE < 0 or DATABASES["default"]["CONN_MAX_AGE"] < 0:
    raise ValueError("PRODOPS_WORKER_CONN_MAX_AGE and PRODOPS_DB_CONN_MAX_AGE are seconds, 0 or more")
# The local hour (0-23) of each person's daily digest, unless they choose another; their
# time zone defaults to TIME_ZONE (PRODOPS_TIME_ZONE).
PRODOPS_DIGEST_HOUR = envint("PRODOPS_DIGEST_HOUR", 8)
if not 0 <= PRODOPS_DIGEST_HOUR <= 23:
    raise ValueError(f"PRODOPS_DIGEST_HOUR must be 0-23, not {PRODOPS_DIGEST_HOUR}")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the cookie-less hx-headers instead
SESSION_COOKIE_SECURE = envbool("PRODOPS_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

# HTTPS (docs/settings.md, "Production"). Off by default so `prodops serve` on 127.0.0.1
# works over plain HTTP; the documented production environment turns them on and then
# `manage.py check --deploy` reports nothing.
SECURE_SSL_REDIRECT = envbool("PRODOPS_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = envint("PRODOPS_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("PRODOPS_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("PRODOPS_HSTS_PRELOAD", False)
# Behind a TLS-terminating proxy that sets X-Forwarded-Proto (and strips it from clients).
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("PRODOPS_BEHIND_HTTPS_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4): no inline script or style anywhere; every asset
# is served by ProdOps itself. The HTML handover pack sets its own, stricter policy.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Domain settings (documented in docs/settings.md).
PRODOPS_DOC_STALE_DAYS = envint("PRODOPS_DOC_STALE_DAYS", 180)
PRODOPS_WAIVER_MAX_DAYS = envint("PRODOPS_WAIVER_MAX_DAYS", 90)
PRODOPS_API_PAGE_SIZE = envint("PRODOPS_API_PAGE_SIZE", 50)
# The largest request body accepted anywhere (bulk events, webhooks, forms): 64 MiB, room
# for GitHub's 25 MB deliveries. Beyond it the API answers a JSON 413.
PRODOPS_MAX_BODY_BYTES = envint("PRODOPS_MAX_BODY_BYTES", 64 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = PRODOPS_MAX_BODY_BYTES
# Share of their capacity a run-team member still being onboarded brings to a product
# until they sign "I can support this" for it (docs/playbooks.md).
PRODOPS_ONBOARDING_CAPACITY = float(envstr("PRODOPS_ONBOARDING_CAPACITY", "0.5"))

# Events: webhook secrets (docs/events.md). Unset means that source's deliveries are refused.
PRODOPS_GITHUB_WEBHOOK_SECRET = envsecret("PRODOPS_GITHUB_WEBHOOK_SECRET") or ""
PRODOPS_GITLAB_WEBHOOK_TOKEN = envsecret("PRODOPS_GITLAB_WEBHOOK_TOKEN") or ""
PRODOPS_PAGERDUTY_WEBHOOK_SECRET = envsecret("PRODOPS_PAGERDUTY_WEBHOOK_SECRET") or ""
PRODOPS_OPSGENIE_WEBHOOK_TOKEN = envsecret("PRODOPS_OPSGENIE_WEBHOOK_TOKEN") or ""
# Set once the event tables are partitioned by time on PostgreSQL (docs/events.md):
# upserts then match on (source, external_id, <time>), the partitioned unique key.
PRODOPS_EVENTS_PARTITIONED = envbool("PRODOPS_EVENTS_PARTITIONED", False)

# Background work: Django's task framework with its database backend (docs/operations.md).
# ``PRODOPS_TASK_BACKEND=immediate`` runs tasks inline (a one-process tool or a test that
# does not exercise the worker).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[envstr("PRODOPS_TASK_BACKEND", "database")],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("PRODOPS_LOG_LEVEL", "WARNING")},
}
