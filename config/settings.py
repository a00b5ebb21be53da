"""Settings for the todo assistant, read from the environment (and an optional `.env`).

Every variable is documented in `.env.example` and the README. With nothing set the
service runs on SQLite with the built-in offline agent.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY in the environment (or .env), "
            "or set DEBUG=1 for local development with a dev-only key."
        )
    SECRET_KEY = "django-insecure-dev-only-key-never-use-in-production"  # noqa: S105

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "todos",
    "chat",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

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
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

# Database: SQLite in the project folder by default, PostgreSQL (or any URL
# django-environ understands) through DATABASE_URL.
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# Database connections per process (serving ASGI, also the threads that do database work).
DATABASE_POOL_SIZE = env.int("DATABASE_POOL_SIZE", default=8)
if DATABASE_POOL_SIZE < 1:
    raise ImproperlyConfigured("DATABASE_POOL_SIZE must be at least 1.")
# Seconds a request waits for a free connection before failing with 503 database_unavailable.
DATABASE_POOL_TIMEOUT = env.float("DATABASE_POOL_TIMEOUT", default=10.0)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock up front, so concurrent writers wait
    # for it (up to `timeout` seconds) instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # Django's psycopg pool: a process holds at most DATABASE_POOL_SIZE connections, each
    # taken for one unit of work and given back (CONN_MAX_AGE 0 hands it back to the pool
    # instead of closing it); the pool checks a connection before handing it out.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": DATABASE_POOL_TIMEOUT,
    }

# Throttle counters live in the default cache, which every worker and instance shares so that
# a limit holds per client: Redis when REDIS_URL is set, else a table in the database (made by
# the migration accounts/0004_cache_table). Never per-process memory, which would let each
# worker grant the full rate.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    # Room for a counter per active client and user: past MAX_ENTRIES the table drops a third of
    # its rows (Django's default, 300, would forget counters under load).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# Limits on a request (README, "Errors"). A body larger than this is 413 `request_too_large`
# (uploaded files aside: no endpoint takes any); Django's default, stated here to be documented.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # 2.5 MiB
# A form with more fields is 400 `too_many_fields`, a multipart form with more files 400 `too_many_files`.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000
DATA_UPLOAD_MAX_NUMBER_FILES = 100
# JSON nested deeper (arrays and objects) is 400 `parse_error`, refused before parsing.
JSON_MAX_DEPTH = 32
# Seconds a request's body may take to arrive in full before a 408 `request_timeout`
# (config/body_limits.py: a client that announces a body and sends none holds no request).
REQUEST_BODY_TIMEOUT = env.float("REQUEST_BODY_TIMEOUT", default=30.0)

# Where a login without `?next=` lands: the browsable API's session login (the chat page's own
# login goes to the chat page) lands on the API root, which lists the caller's endpoints.
LOGIN_REDIRECT_URL = "api-root"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # JWT first, so a request without credentials gets 401 with a Bearer challenge; then
        # personal access tokens (`Bearer tdo_...`, accounts/authentication.py).
        "accounts.authentication.JWTAuthentication",
        "accounts.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "config.renderers.BrowsableAPIRenderer",
    ],
    # JSON with its nesting depth bounded before parsing (config/parsers.py); form data for the
    # browsable API's forms.
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.AutoSchema",
    "EXCEPTION_HANDLER": "config.exception_handler.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_RATES": {
        "chat": env.str("CHAT_THROTTLE_RATE", default="30/min") or None,
        "auth": env.str("AUTH_THROTTLE_RATE", default="20/min") or None,
    },
    # Proxies in front of the service that append to X-Forwarded-For. With 0 the client
    # address is the connection's, so a client cannot pick its own throttle identity.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
for _scope, _rate in REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].items():
    if _rate and not re.fullmatch(r"\d+/(s|sec|second|m|min|minute|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(
            f"{_scope.upper()}_THROTTLE_RATE must look like 30/min (or be empty), not {_rate!r}."
        )

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=30)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    # Tokens whose claims are checked, so an odd claim is a 401, not a 500 (accounts/tokens.py).
    "AUTH_TOKEN_CLASSES": ("accounts.tokens.AccessToken",),
}

SPECTACULAR_SETTINGS = {
    # Responses are JSON; the chat endpoint declares its stream (text/event-stream) itself.
    "RENDERER_WHITELIST": ["rest_framework.renderers.JSONRenderer"],
    "TITLE": "Todo assistant API",
    "DESCRIPTION": "Manage todos over REST or by chatting with an agent.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets are served from this project, not a CDN: it works with no network.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# The chat agent. AGENT_BACKEND: "openai", "offline", or empty to choose openai when
# OPENAI_API_KEY is set and offline otherwise.
OPENAI_API_KEY = env.str("OPENAI_API_KEY", default="")
OPENAI_BASE_URL = env.str("OPENAI_BASE_URL", default="") or None
OPENAI_MODEL = env.str("OPENAI_MODEL", default="gpt-4o-mini")
OPENAI_TIMEOUT = env.float("OPENAI_TIMEOUT", default=30.0)
OPENAI_MAX_RETRIES = env.int("OPENAI_MAX_RETRIES", default=2)
AGENT_BACKEND = env.str("AGENT_BACKEND", default="")
# The model client's connection pool, one per process (`chat.agent.openai_model`): every turn
# waiting on the model holds one connection, so this bounds a process's concurrent model calls
# (over it, a call waits for a free connection, within OPENAI_TIMEOUT).
OPENAI_MAX_CONNECTIONS = env.int("OPENAI_MAX_CONNECTIONS", default=2000)
OPENAI_MAX_KEEPALIVE_CONNECTIONS = env.int("OPENAI_MAX_KEEPALIVE_CONNECTIONS", default=500)
# Seconds an Idempotency-Key's claim lasts unrenewed: a running turn renews it every third of
# that (`chat.idempotency`), so a retry takes over the key of a killed process within it.
IDEMPOTENCY_LEASE_SECONDS = env.float("IDEMPOTENCY_LEASE_SECONDS", default=15.0)
if AGENT_BACKEND not in ("", "openai", "offline"):
    raise ImproperlyConfigured(f"AGENT_BACKEND must be 'openai', 'offline' or empty, not {AGENT_BACKEND!r}.")
# The model's context, in tokens as `chat.context_window` estimates them: each prompt and the
# reply reserve fit in it, the oldest history left out first (a turn's own messages never are).
# The floor: the system prompt, the tool schemas and the reply reserve take about 2,400 tokens,
# and a turn that lists a page of tasks about 3,100 more.
CHAT_CONTEXT_TOKENS = env.int("CHAT_CONTEXT_TOKENS", default=16000)
if CHAT_CONTEXT_TOKENS < 8192:
    raise ImproperlyConfigured("CHAT_CONTEXT_TOKENS must be at least 8192.")
CHAT_LOG_CONTENT = env.bool("CHAT_LOG_CONTENT", default=False)

# Production hardening, driven by the environment. Redirects and HSTS are off by default
# so a plain-HTTP instance behind a TLS-terminating proxy (or a local trial) works; the
# README's production settings turn them on, and then `check --deploy` reports nothing.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per model call; the `chat.turn` line already counts them.
        "httpx2": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}
