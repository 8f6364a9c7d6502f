"""Accord settings: one module, driven by environment variables.

ACCORD_DATA_DIR     folder for the SQLite database, uploaded files and the dev secret (./var)
DATABASE_URL        e.g. postgres://user@127.0.0.1:5432/accord; SQLite in the data folder if unset
ACCORD_SECRET_KEY   required when ACCORD_DEBUG is off and no dev secret exists in the data folder
ACCORD_DEBUG        1/true for development
ACCORD_ALLOWED_HOSTS  comma-separated host names (default: localhost names)
ACCORD_BASE_URL     absolute address used in e-mails (default http://127.0.0.1:8000)
EMAIL_URL           smtp://user:pass@host:port?tls=True, console:// (default console://)
ACCORD_FROM_EMAIL   sender address of outgoing mail
ACCORD_SECURE       1 behind HTTPS: secure cookies, HSTS and SSL redirect
ACCORD_PROXY_COUNT  number of reverse proxies in front of the server (0)
ACCORD_WORKER_HEARTBEAT   seconds between a worker's heartbeats (5)
ACCORD_WORKER_DEAD_AFTER  seconds of silence after which a worker's jobs are taken over (30)
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
import dj_email_url
from csp.constants import NONE, SELF


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


if "PYTEST_VERSION" in os.environ:
    # pytest-django loads settings before the root conftest.py runs, so a pytest session
    # (pytest sets PYTEST_VERSION) is a test run here, with its own throw-away data folder.
    import tempfile

    os.environ["ACCORD_TESTING"] = "1"
    os.environ.setdefault("ACCORD_DATA_DIR", tempfile.mkdtemp(prefix="accord-test-"))

DATA_DIR = Path(os.environ.get("ACCORD_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = env_bool("ACCORD_DEBUG")
TESTING = env_bool("ACCORD_TESTING")


def _secret_key() -> str:
    """Use the configured key; otherwise a per-installation key kept in the data folder."""
    configured = os.environ.get("ACCORD_SECRET_KEY")
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ACCORD_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
BASE_URL = os.environ.get("ACCORD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("ACCORD_CSRF_TRUSTED_ORIGINS", BASE_URL)

INSTALLED_APPS = [
    # Accord's apps first: their translations and templates win over Django's own.
    "accord.core",
    "accord.accounts",
    "accord.projects",
    "accord.requirements",
    "accord.risks",
    "accord.changes",
    "accord.delivery",
    "accord.notifications",
    "accord.api",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "accord.core.headers.ContentSecurityPolicyMiddleware",
    "accord.core.headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accord.core.middleware.RequestIdMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accord.accounts.middleware.UserPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "accord.config.urls"
WSGI_APPLICATION = "accord.config.wsgi.application"
ASGI_APPLICATION = "accord.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accord.notifications.context_processors.notifications",
            ],
            "builtins": ["accord.core.templatetags.accord"],
        },
    }
]
# Inputs and selects written in Python: the same HTML as Django's widget templates, without a
# template render per option (filter bars have many).
FORM_RENDERER = "accord.core.forms_rendering.FastWidgetRenderer"

# Database: SQLite in the data folder unless DATABASE_URL says otherwise.
_sqlite_path = DATA_DIR / "accord.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{_sqlite_path}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Kept open between requests: opening one costs ~0.5 ms (file, WAL and pragmas) a request.
    DATABASES["default"]["CONN_MAX_AGE"] = 600
    DATABASES["default"]["OPTIONS"] = {
        # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of deadlocking.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
            "PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
        ),
    }
    # A file, not memory: threads in the concurrency tests then share it as a server would.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

# Login throttling: lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = int(os.environ.get("ACCORD_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accord.accounts.throttling.login_username"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
# Behind a reverse proxy every request comes from the proxy: count the proxies so the client's
# own address (from X-Forwarded-For) is the one throttled, not the proxy's.
PROXY_COUNT = int(os.environ.get("ACCORD_PROXY_COUNT", "0"))
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

LANGUAGE_CODE = "en"
FORMAT_MODULE_PATH = ["accord.config.formats"]
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_COOKIE_NAME = "accord_language"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = DATA_DIR / "files"
WHITENOISE_USE_FINDERS = DEBUG or TESTING
# Look files up per request instead of indexing every static file whenever a handler starts:
# each test client starts one, and the index costs about 0.1 s.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING

# Mail goes out through the worker (accord.notifications); this is where the worker sends it.
_email = dj_email_url.parse(os.environ.get("EMAIL_URL", "console://"))
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email["EMAIL_HOST"]
EMAIL_PORT = _email["EMAIL_PORT"]
EMAIL_HOST_USER = _email["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _email["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _email["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _email["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = os.environ.get("ACCORD_FROM_EMAIL", "Accord <accord@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        # Tests run jobs in-process when the transaction commits; the worker tests use the queue.
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accord.accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON bodies are bounded in size and depth (accord.api.parsers); forms as Django bounds them.
    "DEFAULT_PARSER_CLASSES": [
        "accord.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "accord.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "accord.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "accord.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Accord API",
    "DESCRIPTION": (
        "Projects, memberships, milestones, invitations, requirements (versions, diffs, client "
        "review and confirmation, baselines, discussion, links), notifications and the audit "
        "trail."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Bodies are documented as JSON, the API's format: form encodings (still read, for the
    # browsable API) cannot state a null or an empty list, so the schema's types do not hold
    # for them.
    "PARSER_WHITELIST": ["accord.api.parsers.JSONParser"],
    # The docs page loads Swagger UI from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "accord.projects.choices.ProjectStatus",
        "MilestoneStatusEnum": "accord.projects.choices.MilestoneStatus",
        "InvitationStatusEnum": "accord.projects.choices.InvitationStatus",
        "RoleEnum": "accord.projects.choices.Role",
        "RequirementStatusEnum": "accord.requirements.choices.Status",
        "TransitionEnum": "accord.requirements.choices.Transition",
        "RiskStatusEnum": "accord.risks.choices.RiskStatus",
        "ProblemStatusEnum": "accord.risks.choices.ProblemStatus",
        "RequirementTypeEnum": "accord.requirements.choices.RequirementType",
        "RequirementPriorityEnum": "accord.requirements.choices.Priority",
        "ChangeStatusEnum": "accord.changes.choices.Status",
        "ChangeTypeEnum": "accord.changes.choices.ChangeType",
        "ChangeUrgencyEnum": "accord.changes.choices.Urgency",
        "ChangeDecisionEnum": "accord.changes.choices.Decision",
        "ChangeTransitionEnum": "accord.changes.choices.Transition",
        "ChangeItemActionEnum": "accord.changes.choices.ItemAction",
        "ApproverSlotEnum": "accord.changes.choices.ApproverSlot",
        "TaskStatusEnum": "accord.delivery.choices.TaskStatus",
        "TaskTypeEnum": "accord.delivery.choices.TaskType",
        "TaskPriorityEnum": "accord.delivery.choices.TaskPriority",
    },
}

# Every signed-in request reads its session. The database stays the record; a copy in a file
# cache in the data folder, which all the server's workers share, spares each page that query.
# Signing out and changing the password delete the session from both at once, in every worker.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "sessions": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": DATA_DIR / "cache" / "sessions",
        # Past this many, a new session evicts a third of the copies (they are read back from
        # the database); counting the files costs each sign-in a directory listing.
        "OPTIONS": {"MAX_ENTRIES": 5_000},
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_CACHE_ALIAS = "sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "accord.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Scripts and styles only from the site's own files: no inline code, no nonces (a page may be
# served from a cache), so injected markup cannot run. See accord.core.headers.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}
# Browser features Accord never uses, off for every page and any script on it.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "serial",
        "usb",
    )
}
if env_bool("ACCORD_SECURE"):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ACCORD_LOG_LEVEL", "WARNING")},
}

ACCORD_PAGE_SIZE = 25
ACCORD_INVITATION_DAYS = 14
ACCORD_MAIL_MAX_ATTEMPTS = 8
# Workers beat every few seconds; one silent for DEAD_AFTER is dead and its jobs are taken over.
ACCORD_WORKER_HEARTBEAT = float(os.environ.get("ACCORD_WORKER_HEARTBEAT", "5"))
ACCORD_WORKER_DEAD_AFTER = float(os.environ.get("ACCORD_WORKER_DEAD_AFTER", "30"))
