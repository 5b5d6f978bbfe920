"""Settings for carto, read from the environment (12-factor).

Every value has a safe local default so that `make run` works on a fresh
machine; production sets at least CARTO_SECRET_KEY, CARTO_DEBUG=0,
CARTO_ALLOWED_HOSTS and DATABASE_URL (or the PG* variables).
"""

import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines of a local .env (written by scripts/setup-db.sh); the environment wins."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            os.environ.setdefault(key, value)


load_dotenv(BASE_DIR / ".env")


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    value = environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected 1/0, true/false, yes/no or on/off")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("CARTO_DEBUG", True)
SECRET_KEY = os.environ.get("CARTO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("CARTO_SECRET_KEY must be set when CARTO_DEBUG is off")
    SECRET_KEY = "local-development-only-not-secret"
ALLOWED_HOSTS = env_list("CARTO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CARTO_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
    "corsheaders",
    "csp",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_gis",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "leaflet",
    "simple_history",
    "procrastinate.contrib.django",  # the task queue, in PostgreSQL (no other server)
    "carto.territories",
    "carto.actors",
    "carto.layers",
    "carto.planning",
    "carto.contributions",
    "carto.agenda.credits",
    "carto.agenda",
]

MIDDLEWARE = [
    # Pages with a form carry a CSRF token, which Django masks afresh in every response: a
    # compressed page leaks nothing by its length (BREACH).
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "carto.middleware.RequestBoundsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",  # who made a change, in its history
    "django_ratelimit.middleware.RatelimitMiddleware",  # a rate-limited write: RATELIMIT_VIEW, 429
]

ROOT_URLCONF = "carto.urls"
WSGI_APPLICATION = "carto.wsgi.application"

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
            ],
        },
    },
]


def database_config(environ: Mapping[str, str] = os.environ, url: str | None = None) -> dict:
    """One connection: `url` (dj-database-url syntax), else DATABASE_URL, else the libpq
    PG* variables, else local defaults."""
    url = url or environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60)
    else:
        config = {
            "NAME": environ.get("PGDATABASE", "carto"),
            "USER": environ.get("PGUSER", "postgres"),
            "PASSWORD": environ.get("PGPASSWORD", ""),
            "HOST": environ.get("PGHOST", "127.0.0.1"),
            "PORT": environ.get("PGPORT", "5432"),
            "CONN_MAX_AGE": 60,
        }
    config["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    config.setdefault("OPTIONS", {})
    return config


# The web role's session settings. statement_timeout bounds every SQL statement below
# gunicorn's 30 s worker timeout, so that a worker is never killed mid-request: a
# cancelled statement answers 503 naming the operation (carto/errors.py). JIT compilation
# and parallel workers were measured to double the cost of carto's short queries on
# 2 cores (bench/README.md): the web role turns them off; imports keep them.
WEB_SESSION_SETTINGS = {"jit": "off", "max_parallel_workers_per_gather": "0"}


def databases(environ: Mapping[str, str] = os.environ) -> dict[str, dict]:
    """DATABASES: `default` (the primary) and, for the web role (CARTO_ROLE=web, set by
    carto/wsgi.py and `runserver`), `replica_1…n` from DATABASE_REPLICA_URLS (URLs
    separated by commas), routed by carto/db_router.py. Commands and the task queue's
    worker read and write the primary only.

    The web role's settings (WEB_SESSION_SETTINGS, the statement timeout) go in each
    connection's startup `options`. Behind pgbouncer in transaction mode
    (CARTO_PGBOUNCER=1), which refuses those options, the PostgreSQL role of the web
    tier carries them instead (`ALTER ROLE … SET`, README « Déploiement »), and no
    server-side cursor is opened (it would outlive the transaction's server connection).
    """
    role = environ.get("CARTO_ROLE", "")
    timeout_ms = int(environ.get("CARTO_WEB_STATEMENT_TIMEOUT_MS", "20000"))
    pgbouncer = env_bool("CARTO_PGBOUNCER", False, environ)
    aliases = {"default": database_config(environ)}
    if role == "web":
        urls = [url.strip() for url in environ.get("DATABASE_REPLICA_URLS", "").split(",")]
        for number, url in enumerate(filter(None, urls), start=1):
            replica = database_config(environ, url)
            # Tests point a replica at the primary's test database (Django's mirrors).
            replica["TEST"] = {"MIRROR": "default"}
            aliases[f"replica_{number}"] = replica
    for alias, config in aliases.items():
        if pgbouncer:
            # Django already disables psycopg's server-side prepared statements
            # (prepare_threshold=None) unless OPTIONS asks for them: keep it that way.
            config["DISABLE_SERVER_SIDE_CURSORS"] = True
        elif role == "web":
            session = dict(WEB_SESSION_SETTINGS)
            if timeout_ms > 0:
                session["statement_timeout"] = str(timeout_ms)
            if alias != "default":
                # A standby refuses writes anyway; this makes a mirror in tests refuse them too.
                session["default_transaction_read_only"] = "on"
            options = config["OPTIONS"]
            flags = " ".join(f"-c {name}={value}" for name, value in session.items())
            options["options"] = " ".join(filter(None, [options.get("options", ""), flags]))
    return aliases


DATABASES = databases()
CARTO_ROLE = os.environ.get("CARTO_ROLE", "")
CARTO_WEB_STATEMENT_TIMEOUT_MS = int(os.environ.get("CARTO_WEB_STATEMENT_TIMEOUT_MS", "20000"))
DATABASE_ROUTERS = ["carto.db_router.PrimaryReplicaRouter"] if len(DATABASES) > 1 else []
if DATABASE_ROUTERS:
    # Outermost, so that every query of a request sees whether it is pinned to the primary.
    MIDDLEWARE.insert(0, "carto.db_router.PrimaryPinMiddleware")
# After a write, a visitor reads the primary this long (the replicas' lag stays far below).
CARTO_REPLICA_PIN_SECONDS = int(os.environ.get("CARTO_REPLICA_PIN_SECONDS", "15"))

# What one request may cost, checked before any view runs (carto/middleware.py).
CARTO_MAX_QUERY_PARAMS = int(os.environ.get("CARTO_MAX_QUERY_PARAMS", "100"))
CARTO_MAX_QUERY_BYTES = int(os.environ.get("CARTO_MAX_QUERY_BYTES", "8192"))
CARTO_MAX_BODY_BYTES = int(os.environ.get("CARTO_MAX_BODY_BYTES", str(256 * 1024)))
# Django's own bounds, as a second line behind the middleware.
DATA_UPLOAD_MAX_NUMBER_FIELDS = CARTO_MAX_QUERY_PARAMS
DATA_UPLOAD_MAX_MEMORY_SIZE = CARTO_MAX_BODY_BYTES
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "fr"
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("CARTO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Locally (and in tests) WhiteNoise serves straight from the apps' static folders;
# in production from STATIC_ROOT, filled by collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "carto.storage.StaticStorage"
        )
    },
}

# Real open data (see ../shared/data/SOURCES.md) and the download cache.
CARTO_DATA_DIR = Path(os.environ.get("CARTO_DATA_DIR", BASE_DIR / "data" / "boundaries" / "cache"))
CARTO_CACHE_DIR = Path(
    os.environ.get("CARTO_CACHE_DIR", BASE_DIR / "data" / "boundaries" / "cache")
)
CARTO_BOUNDARIES_MANIFEST = BASE_DIR / "data" / "boundaries" / "manifest.toml"
# The départements `import_territories` and `import_directory` load when not told:
# `all` (every one the files cover, overseas included), `demo` (Hauts-de-France and
# Ariège, what the tests load) or codes separated by commas.
CARTO_DEPARTEMENTS = os.environ.get("CARTO_DEPARTEMENTS", "all")
# Base URL of a mirror that serves the manifest's files under their `file` path.
CARTO_DATA_MIRROR = os.environ.get("CARTO_DATA_MIRROR", "")

# Geocoding: a Base Adresse Nationale compatible search service (`<url>/search/?q=…`).
# Empty: offline, an address is placed at its commune's town hall (precision « commune »).
CARTO_GEOCODER_URL = os.environ.get("CARTO_GEOCODER_URL", "")
CARTO_GEOCODER_TIMEOUT = float(os.environ.get("CARTO_GEOCODER_TIMEOUT", "5"))

# Road distances for tours: an OSRM-compatible HTTP service (`<url>/table/v1/driving/…`);
# empty: great-circle distances, at the request's speed, with a detour factor.
CARTO_ROUTER_URL = os.environ.get("CARTO_ROUTER_URL", "")
CARTO_ROUTER_TIMEOUT = float(os.environ.get("CARTO_ROUTER_TIMEOUT", "10"))

# CORS. The read API is public: GET from any origin, without credentials. The planning
# POSTs (siting, tours) take `application/json` only (415 otherwise), a type that makes
# a browser send a preflight before any cross-origin POST; the preflight allows only
# GET and HEAD, so a third-party page cannot make a visitor's browser call them: they
# serve carto's own pages, and servers calling from anywhere (no browser, no CORS).
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_ALLOW_CREDENTIALS = False
CORS_URLS_REGEX = r"^/(api|ogc|tiles)/.*$"
CARTO_API_CACHE_SECONDS = int(os.environ.get("CARTO_API_CACHE_SECONDS", "300"))

# -- precomputed coverage and the task queue ---------------------------------------------
# The coverage of every commune and QPV is computed from geometry by the task queue
# (procrastinate, in PostgreSQL: `python manage.py procrastinate worker`), never on a
# request; a full pass shares its facets between this many connections (one per core).
CARTO_COVERAGE_WORKERS = int(os.environ.get("CARTO_COVERAGE_WORKERS", str(os.cpu_count() or 1)))

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "carto.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": [
        "carto.api.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON bodies only, bounded (carto/api.py): a form-encoded POST is a 415.
    "DEFAULT_PARSER_CLASSES": ["carto.api.JsonBodyParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "EXCEPTION_HANDLER": "carto.api.exception_handler",
    # `format` is ours (format=csv on collections), not DRF's renderer override.
    "URL_FORMAT_OVERRIDE": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "carto — API publique",
    "DESCRIPTION": (
        "« Qui fait quoi, où ? » : territoires de référence (communes, EPCI, départements, "
        "régions, bassins de vie, QPV), acteurs et initiatives de la participation citoyenne. "
        "Toutes les géométries sont en GeoJSON (RFC 7946, WGS84 lon/lat)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation also documents the answers any request can get (carto/openapi.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "carto.openapi.add_common_responses",
    ],
}

# The basemap: any XYZ tile URL (tiles may be unreachable: the map then stays usable
# on a plain background with the territory outlines).
CARTO_TILE_URL = os.environ.get("CARTO_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
CARTO_TILE_ATTRIBUTION = os.environ.get(
    "CARTO_TILE_ATTRIBUTION", "© les contributeurs d’OpenStreetMap"
)
# Origins allowed to frame /embed/ (Content-Security-Policy: frame-ancestors); "*" = any.
CARTO_EMBED_ALLOWED_ORIGINS = env_list("CARTO_EMBED_ALLOWED_ORIGINS", "*")


def tile_origin(url: str) -> str:
    """The origin of the basemap's tile URL for the CSP (`{s}` subdomains as a wildcard)."""
    parts = urlsplit(url.replace("{s}", "subdomain-wildcard"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(f"CARTO_TILE_URL={url!r}: an http(s) URL of tiles is expected")
    host = parts.netloc.replace("subdomain-wildcard", "*")
    return f"{parts.scheme}://{host}"


# Content-Security-Policy on every response (django-csp): our own scripts only, no inline
# script or style, no plugin, no <base>, no framing; images also from the basemap's host.
# /embed/ replaces frame-ancestors with CARTO_EMBED_ALLOWED_ORIGINS (carto/layers/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", tile_origin(CARTO_TILE_URL)],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (50.3, 2.8),
    "DEFAULT_ZOOM": 8,
    "TILES": [
        (
            "Plan",
            CARTO_TILE_URL,
            {"attribution": CARTO_TILE_ATTRIBUTION},
        )
    ],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CARTO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The task queue's start-up chatter (« Adding tasks from blueprint ») on every command.
        "procrastinate.blueprints": {"level": "WARNING"},
    },
}

# Production (CARTO_DEBUG=0): HTTPS only, behind a proxy that sets X-Forwarded-Proto.
# HSTS defaults to a year with subdomains and preload; a deployment on a shared domain
# lowers them with CARTO_HSTS_SECONDS, CARTO_HSTS_INCLUDE_SUBDOMAINS, CARTO_HSTS_PRELOAD.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("CARTO_SSL_REDIRECT", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # the load balancer's plain-HTTP probe
    SECURE_HSTS_SECONDS = int(os.environ.get("CARTO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("CARTO_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("CARTO_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# -- contributions ----------------------------------------------------------------------
# Rate limits per address (django-ratelimit) count in a cache every process shares: the
# database (`createcachetable`, run by `make migrate`); a test run counts in memory.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "carto_cache",
    }
}
# Vector tiles (carto/layers/tiles/) are kept in Redis when CARTO_REDIS_URL is set (e.g.
# redis://127.0.0.1:6379/1); unset, nothing is cached and PostGIS builds every tile.
CARTO_REDIS_URL = os.environ.get("CARTO_REDIS_URL", "")
CACHES["tiles"] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CARTO_REDIS_URL,
        "KEY_PREFIX": "carto-tiles",
        "TIMEOUT": 24 * 3600,  # keys carry the data's version: an old tile only waits to expire
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    if CARTO_REDIS_URL
    else {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
)
RATELIMIT_VIEW = "carto.contributions.views.rate_limited"
# The address a rate limit counts: behind a reverse proxy, the client's from its header.
RATELIMIT_IP_META_KEY = os.environ.get("CARTO_CLIENT_IP_HEADER") or None
CARTO_CONTRIBUTION_RATE = os.environ.get("CARTO_CONTRIBUTION_RATE", "10/h")

# The agenda: recurrences expanded this far ahead (a daily job moves the horizon on), and
# participants reminded this long before a session.
CARTO_AGENDA_HORIZON_DAYS = int(os.environ.get("CARTO_AGENDA_HORIZON_DAYS", "366"))
CARTO_AGENDA_REMINDER_HOURS = int(os.environ.get("CARTO_AGENDA_REMINDER_HOURS", "24"))

# Mail: the console in development, SMTP in production (CARTO_EMAIL_*), memory in tests.
EMAIL_BACKEND = os.environ.get(
    "CARTO_EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("CARTO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("CARTO_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CARTO_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CARTO_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CARTO_EMAIL_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("CARTO_EMAIL_FROM", "carto <ne-pas-repondre@localhost>")
# The site's address in the links mails carry (follow a proposal, an owner's link).
CARTO_SITE_URL = os.environ.get("CARTO_SITE_URL", "http://127.0.0.1:8000")
# Référents and administrators sign in on the moderation's page.
LOGIN_URL = "/moderation/connexion/"
LOGIN_REDIRECT_URL = "/moderation/"
LOGOUT_REDIRECT_URL = "/"
# Where erase_person records what it erased (hashes and counts, never the identifiers).
CARTO_PRIVACY_LOG = Path(os.environ.get("CARTO_PRIVACY_LOG", BASE_DIR / "var" / "privacy.log"))
