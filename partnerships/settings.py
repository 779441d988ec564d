"""Settings for Partnerships, read from the environment.

One module for every environment. The defaults are for local development only
(DEBUG on, an SQLite file next to manage.py, a development secret key); a public
deployment sets the variables documented in the README.
"""

import os
import tempfile
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}."
    )


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        number = int(value.strip())
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise ImproperlyConfigured(f"{name} must be a whole number >= {minimum}; got {value!r}.")
    return number


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DJANGO_DEBUG off a secret key is required: "
            "set DJANGO_SECRET_KEY to a long random string (for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`)."
        )
    SECRET_KEY = "django-insecure-development-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # PostgreSQL's search features and index expressions: OpClass in the trigram search
    # indexes (models.search_indexes) needs it to make valid SQL (Django ticket 32770).
    # Nothing of it runs on SQLite.
    "django.contrib.postgres",
    "django_filters",
    "simple_history",
    "import_export",
    "csp",
    # django-axes, named "Login attempts" in the admin (partnerships/axes_config.py).
    "partnerships.axes_config.LoginAttemptsConfig",
    "django_tasks",
    # The job queue, named "Background tasks" in the admin (partnerships/tasks_db_config.py).
    "partnerships.tasks_db_config.BackgroundTasksConfig",
    "partnerships",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Next (static files and HTTPS redirects aside): every response and every log record of
    # the request carry its X-Request-ID.
    "partnerships.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # The database unreachable, or a query stopped by the statement timeout: 503.
    "partnerships.middleware.DatabaseFailureMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partnerships.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

WSGI_APPLICATION = "partnerships.wsgi.application"

# DATABASE_URL, e.g. postgres://user:password@host:5432/name.
# Default: an SQLite file next to manage.py.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The web server and the worker write the same file. Write-ahead logging lets readers
    # go on while one writes; a transaction that will write takes the lock when it begins
    # (IMMEDIATE), so a second writer waits up to `timeout` seconds for it instead of failing
    # at once with "database is locked" (Django's SQLite notes). Past that wait: 503.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": float(os.environ.get("DJANGO_SQLITE_BUSY_TIMEOUT", "20")),
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
# One way of writing dates and times everywhere, the admin included (partnerships/formats).
FORMAT_MODULE_PATH = ["partnerships.formats"]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Logs: one JSON object a line on stderr (partnerships/logs.py), each with the id, path and
# user of the request it was written for; Django's own records (django.request's errors with
# their tracebacks) go through the same handler instead of Django's plain-text one.
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "INFO").strip().upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "formatters": {"json": {"()": "partnerships.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json"},
        # As Django's default: errors mailed to ADMINS (if any) when debug is off.
        "mail_admins": {
            "level": "ERROR",
            "filters": ["require_debug_false"],
            "class": "django.utils.log.AdminEmailHandler",
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Never below INFO: at DEBUG (with DJANGO_DEBUG on) Django logs every SQL statement
        # with its parameters, which may hold password hashes and session keys.
        "django": {
            "handlers": ["console", "mail_admins"],
            "level": "INFO" if LOG_LEVEL == "DEBUG" else LOG_LEVEL,
            "propagate": False,
        },
        "axes": {"level": "WARNING"},
    },
}

# --------------------------------------------------------------------------- caches
# Three caches (partnerships/pagecache.py): "default" (sign-in and report rate limits, the
# footer's last-updated date), "pages" (public pages as served to anonymous visitors) and
# "data-version" (one key, changed by every write to the app's data, that the pages' keys
# include). REDIS_URL (e.g. redis://127.0.0.1:6379/0): all three in that Redis database,
# shared by every process. Without it, "default" and "pages" live in each process's memory
# and the version in a file under DJANGO_CACHE_DIR, which the web server's processes and the
# job worker (imports) share, so that a write in one process is seen by all. Pages have
# their own cache so that many addresses never push the rate limits' counters out.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        alias: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
        for alias, prefix in [
            ("default", ""),
            ("pages", "pages"),
            ("facets", "facets"),
            ("data-version", "data"),
        ]
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "pages": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "pages",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
        "facets": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "facets",
            "OPTIONS": {"MAX_ENTRIES": 1000},
        },
        "data-version": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("DJANGO_CACHE_DIR")
            or Path(tempfile.gettempdir()) / "partnerships-data-version",
        },
    }
# How long a stored page is kept (seconds; 0: pages are not cached). A change shows on the
# next request whatever this is: every write changes the data version the keys include.
PAGE_CACHE_SECONDS = env_int("DJANGO_PAGE_CACHE_SECONDS", 600)
# How long a list's facet counts are kept (seconds; 0: counted on every request), under the
# same data version (partnerships/facets.py, list_facets).
FACET_CACHE_SECONDS = env_int("DJANGO_FACET_CACHE_SECONDS", 600)

# --------------------------------------------------------------------------- security
# Sign-in throttling (django-axes, partnerships/accounts.py), within the cool-off window:
# AXES_FAILURE_LIMIT failed logins for one username from one address lock that pair, and
# LOGIN_USERNAME_FAILURE_LIMIT failures for one username from all addresses together lock the
# username everywhere. A lock ends AXES_COOLOFF_TIME after the last failure, with
# `manage.py axes_reset`, or when the user sets a new password through the emailed link.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "partnerships.accounts.LoginThrottle"
AXES_FAILURE_LIMIT = env_int("DJANGO_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_USERNAME_FAILURE_LIMIT = env_int("DJANGO_LOGIN_USERNAME_FAILURE_LIMIT", 20, minimum=1)
AXES_COOLOFF_TIME = float(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "lockout.html"
# The client address (django-ipware, through axes' AXES_IPWARE_* settings). DJANGO_PROXY_COUNT
# is the number of proxies in front of the app, each appending the address it saw to
# X-Forwarded-For: the client is then the N-th entry from the right, and entries left of it
# (which the client may have sent itself) are ignored. ipware counts only the proxies listed
# in the header (the last one is REMOTE_ADDR), hence N - 1; without enough entries (the
# request did not come through the proxies) REMOTE_ADDR is used. With 0, only REMOTE_ADDR:
# an X-Forwarded-For sent by the client is never believed.
PROXY_COUNT = env_int("DJANGO_PROXY_COUNT", 0)
AXES_IPWARE_PROXY_ORDER = "left-most"
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT - 1 if PROXY_COUNT else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if PROXY_COUNT else ["REMOTE_ADDR"]
)
# Not strict: a header with more entries than the proxies (the client's own on the left) still
# gives the entry the proxies appended, instead of falling back to the proxy's address.
IPWARE_STRICT = False

# Password reset by email for staff (/admin/password_reset/, partnerships/accounts.py).
LOGIN_URL = "admin:login"
PASSWORD_RESET_RATE_LIMIT = env_int("DJANGO_PASSWORD_RESET_LIMIT", 5, minimum=1)
PASSWORD_RESET_RATE_WINDOW = 3600  # seconds: the limit is per hour
# Email: printed to the console while debugging, SMTP otherwise (or DJANGO_EMAIL_BACKEND).
EMAIL_BACKEND = os.environ.get("DJANGO_EMAIL_BACKEND") or (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # seconds: a mail server that does not answer does not hold a worker long
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "webmaster@localhost")

# HTTPS and headers. Behind a proxy that terminates TLS, set DJANGO_SECURE_PROXY_SSL_HEADER=1
# so Django trusts X-Forwarded-Proto; DJANGO_SECURE_SSL_REDIRECT=0 if the proxy redirects.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(
    os.environ.get("DJANGO_SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): no inline scripts anywhere, admin included.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Spreadsheet import/export (django-import-export).
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"
SIMPLE_HISTORY_REVERT_DISABLED = False
AXES_VERBOSE = False

from import_export.formats.base_formats import CSV, XLSX  # noqa: E402

IMPORT_FORMATS = [CSV, XLSX]
EXPORT_FORMATS = [CSV, XLSX]

# Bounds on database work (PostgreSQL). DJANGO_STATEMENT_TIMEOUT_MS limits every statement
# of the process (set it for the web server: make serve-prod uses 5000; leave it unset for
# migrations and imports). Each facet of a list page has its own, shorter limit: a facet that
# runs out of time is left out with a note, as Datasette does.
STATEMENT_TIMEOUT_MS = int(os.environ.get("DJANGO_STATEMENT_TIMEOUT_MS", "0"))
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Short queries dominate: JIT compilation costs more than it saves on them (300 ms on a
    # facet query over a million rows), and the data is cached, so random reads are cheap.
    options = ["-c jit=off", "-c random_page_cost=1.1"]
    if STATEMENT_TIMEOUT_MS:
        options.append(f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(options)
FACET_TIME_LIMIT_MS = int(os.environ.get("DJANGO_FACET_TIME_LIMIT_MS", "300"))
# PostgreSQL: a list counts its rows exactly within this time; past it, it counts up to
# LIST_COUNT_CAP rows and says "more than 10,000" (pagination.count_rows).
COUNT_TIME_LIMIT_MS = int(os.environ.get("DJANGO_COUNT_TIME_LIMIT_MS", "1000"))
LIST_COUNT_CAP = int(os.environ.get("DJANGO_LIST_COUNT_CAP", "10000"))

# --------------------------------------------------------------------------- TASKS
# Imports (preview and confirmation) and admin exports run as background jobs
# (partnerships/tasks.py): django-tasks with the database backend, no broker. The worker is
# `manage.py db_worker`, which `make run` and `make serve-prod` start beside the web server.
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Where an admin export larger than 8 MB is kept (smaller ones stay in the job's row): the
# worker writes it, the web server sends it, so both must see this folder.
JOB_FILES_DIR = Path(os.environ.get("DJANGO_JOB_FILES_DIR") or BASE_DIR / "job-files")
