"""Django settings. Everything a deployment changes comes from the environment.

DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS, SHOPOPS_TIME_ZONE, SHOPOPS_DEBUG and
SHOPOPS_HTTPS; the brute-force limits SHOPOPS_LOGIN_FAILURE_LIMIT,
SHOPOPS_LOGIN_LOCKOUT_MINUTES, SHOPOPS_API_AUTH_FAILURE_LIMIT and
SHOPOPS_API_AUTH_FAILURE_WINDOW; the defaults are safe for one person on one machine.
SHOPOPS_ACHIEVEMENT_FLOOR is the daily report's anomaly floor (default 0.8).
"""

import importlib.util
import os
import secrets
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT_DIR = PACKAGE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("SHOPOPS_VAR_DIR", ROOT_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a random one kept in var/ (never a constant)."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("SHOPOPS_DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # huey.contrib.djhuey is not an installed app: importing it builds the queue (huey with
    # its redis and psycopg imports, 0.12 s) in every process at start-up, and only the
    # worker needs its run_huey command (`./shopops worker` calls it by class).
    "axes",
    "shopops.core",
    "shopops.ingest",
    "shopops.catalog",
    "shopops.inventory",
    "shopops.orders",
    "shopops.customers",
    "shopops.marketing",
    "shopops.service",
    "shopops.planning",
    "shopops.analytics",
    "shopops.monitoring",
    "shopops.campaigns",
    "shopops.alerts",
    "shopops.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shopops.core.middleware.ChosenLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "shopops.core.middleware.StoreScopeMiddleware",
    "shopops.core.middleware.ModuleAccessMiddleware",
    "shopops.core.busy.DatabaseBusyMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shopops.urls"
WSGI_APPLICATION = "shopops.wsgi.application"
ASGI_APPLICATION = "shopops.asgi.application"

# django-ninja's API docs page (templates ninja/*.html, static ninja/*) is found by path,
# not by listing `ninja` in INSTALLED_APPS: an installed app is imported by every process at
# start-up, and importing django-ninja costs each CLI command about 0.15 s.
NINJA_DIR = Path(importlib.util.find_spec("ninja").origin).parent

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [NINJA_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shopops.web.context.shell",
            ],
        },
    }
]

DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'shopops.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN so
    # concurrent writers queue on busy_timeout instead of failing with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        " PRAGMA foreign_keys=ON;",
    }
# Tests on SQLite use a file, as users do: WAL and the busy timeout behave as in production,
# which a shared in-memory database does not.
DATABASES["default"]["TEST"] = {
    "NAME": os.environ.get("SHOPOPS_TEST_DB_NAME")
    or (str(VAR_DIR / "test.sqlite3") if "sqlite" in DATABASES["default"]["ENGINE"] else None)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "login"

# Sign-in lockout (django-axes, console and admin sign-in alike): after
# SHOPOPS_LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, that
# username is refused from that address for SHOPOPS_LOGIN_LOCKOUT_MINUTES (each further try
# while locked starts the wait again). A right password before the limit clears the count.
# An admin unlocks with `./shopops manage axes_reset_username USERNAME` or in the admin
# (docs/roles.md).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out sign-in
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("SHOPOPS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SHOPOPS_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shopops.core.views.locked_out"  # the sign-in page's look, 429
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no start-up banner in every process; failures are still logged

# API authentication failures (a wrong or malformed `Authorization` header): after
# API_AUTH_FAILURE_LIMIT of them from one client address within API_AUTH_FAILURE_WINDOW
# seconds, every token request from that address gets 429 with Retry-After until the window
# ends. Counted in the default cache, which the web processes share.
API_AUTH_FAILURE_LIMIT = int(os.environ.get("SHOPOPS_API_AUTH_FAILURE_LIMIT", "10"))
API_AUTH_FAILURE_WINDOW = int(os.environ.get("SHOPOPS_API_AUTH_FAILURE_WINDOW", "300"))

# The achievement floor: a metric of the daily report below this share of its day's target
# is an anomaly (above 2 − floor for a metric where lower is better), and the report page,
# its XLSX/PDF export and the dashboard's cards colour an achievement under it. One number
# for every store and every view of it; a share between 0 and 1, e.g. 0.8 for 80%.
try:
    SHOPOPS_ACHIEVEMENT_FLOOR = Decimal(os.environ.get("SHOPOPS_ACHIEVEMENT_FLOOR", "0.8"))
    _floor_ok = Decimal(0) < SHOPOPS_ACHIEVEMENT_FLOOR <= Decimal(1)
except InvalidOperation:  # not a number, or NaN
    _floor_ok = False
if not _floor_ok:
    raise ImproperlyConfigured("SHOPOPS_ACHIEVEMENT_FLOOR: a share above 0 and at most 1, e.g. 0.8")

# One order or one buyer above this share of a day's GMV (or of its rise) is flagged in the
# daily report and named (analytics.concentration); a share between 0 and 1.
try:
    SHOPOPS_CONCENTRATION_SHARE = Decimal(os.environ.get("SHOPOPS_CONCENTRATION_SHARE", "0.3"))
    _share_ok = Decimal(0) < SHOPOPS_CONCENTRATION_SHARE <= Decimal(1)
except InvalidOperation:
    _share_ok = False
if not _share_ok:
    raise ImproperlyConfigured("SHOPOPS_CONCENTRATION_SHARE: a share above 0 and at most 1")

# The platform's stacking order of the promotion stages after item prices (campaigns.pricing):
# "order,coupon" (店铺优惠 then 店铺优惠券, as Tmall and Taobao) or "coupon,order".
SHOPOPS_PROMO_STACKING = tuple(
    s.strip() for s in os.environ.get("SHOPOPS_PROMO_STACKING", "order,coupon").split(",")
)
if sorted(SHOPOPS_PROMO_STACKING) != ["coupon", "order"]:
    raise ImproperlyConfigured("SHOPOPS_PROMO_STACKING: order,coupon or coupon,order")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# The server's zone; each store has its own zone for its calendar days.
TIME_ZONE = os.environ.get("SHOPOPS_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
NODE_MODULES = ROOT_DIR / "node_modules"
# Front-end assets come from the npm registry at setup (package.json); only their dist files
# are exposed.
STATICFILES_DIRS = [
    ("vendor/tabler", NODE_MODULES / "@tabler/core/dist"),
    ("vendor/tabler-icons", NODE_MODULES / "@tabler/icons-webfont/dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org/dist"),
    ("vendor/echarts", NODE_MODULES / "echarts/dist"),
    ("vendor/frappe-gantt", NODE_MODULES / "frappe-gantt/dist"),
    NINJA_DIR / "static",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Behind HTTPS (a TLS-terminating proxy), turn on every transport protection.
HTTPS = env_bool("SHOPOPS_HTTPS")
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # ECharts and Tabler set style attributes from script; styles stay same-origin.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

REDIS_URL = os.environ.get("REDIS_URL", "")
# Shared by the web, worker and CLI processes: metric results are cached here (analytics).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        },
        "compiled": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "compiled",
        },
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 5000},
        },
        # The SQL of questions compiled before (analytics.compiled): kept apart from the
        # results, which new facts make stale while the SQL stays good.
        "compiled": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "compiled"),
            "OPTIONS": {"MAX_ENTRIES": 2000},
        },
    }
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "shopops",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 4, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "shopops",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
if env_bool("SHOPOPS_HUEY_IMMEDIATE"):
    HUEY["immediate"] = True

# Alerts: the address links in messages point to, and e-mail (the console by default; SMTP
# with SHOPOPS_EMAIL_HOST, _PORT, _USER, _PASSWORD, _TLS and SHOPOPS_EMAIL_FROM).
SHOPOPS_BASE_URL = os.environ.get("SHOPOPS_BASE_URL", "http://127.0.0.1:8000")
if os.environ.get("SHOPOPS_EMAIL_HOST"):
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["SHOPOPS_EMAIL_HOST"],
                "port": int(os.environ.get("SHOPOPS_EMAIL_PORT", "587")),
                "username": os.environ.get("SHOPOPS_EMAIL_USER", ""),
                "password": os.environ.get("SHOPOPS_EMAIL_PASSWORD", ""),
                "use_tls": env_bool("SHOPOPS_EMAIL_TLS", True),
                "timeout": 10,
            },
        }
    }
else:
    # No SMTP server given: e-mail channels write to the worker's log (the channels page
    # says so), which the deploy check would call a development backend.
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "mail.E001"]
SMTP_CONFIGURED = bool(os.environ.get("SHOPOPS_EMAIL_HOST"))
DEFAULT_FROM_EMAIL = os.environ.get("SHOPOPS_EMAIL_FROM", "ShopOps <shopops@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHOPOPS_LOG_LEVEL", "INFO")},
    # huey's consumer installs its own handler; letting it propagate would print twice.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "huey": {"propagate": False},
        "py4j": {"level": "WARNING"},  # the spark engine's gateway talks at INFO
        "weasyprint": {"level": "WARNING"},  # PDF export: one INFO line per layout step
        "fontTools": {"level": "WARNING"},
    },
}

# A worker whose heartbeat is older than this is reported as down by /healthz.
WORKER_HEARTBEAT_MAX_AGE = 180
