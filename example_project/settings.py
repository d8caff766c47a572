"""Settings of the runnable example: SQLite and the in-memory channel layer by default."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:  # the demo's key is public: anyone could sign sessions with it
        raise ImproperlyConfigured(
            "DJANGO_DEBUG=0 needs a secret key: set DJANGO_SECRET_KEY, e.g. to the output of `python -c "
            '"from django.core.management.utils import get_random_secret_key; print(get_random_secret_key())"`.'
        )
    SECRET_KEY = "gql-channels-demo-not-secret"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
# Origins of pages elsewhere that may open WebSockets here with the user's session (and POST forms), comma-separated:
# DJANGO_CSRF_TRUSTED_ORIGINS=https://app.example.com,https://*.example.com
CSRF_TRUSTED_ORIGINS = [origin for origin in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if origin]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "channels",
    "strawberry_django",
    "gql_channels",
    "example_project.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "example_project.urls"
ASGI_APPLICATION = "example_project.asgi.application"

def _database(url: str | None) -> dict:
    """``DATABASE_URL`` (``postgres://user:password@host:port/name``) or the embedded SQLite."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", BASE_DIR / "db.sqlite3"),
            # Kept between messages too: opening one (Django registers its SQL functions on each) was
            # about a quarter of a served list's time.
            "CONN_MAX_AGE": 60,
        }
    parts = urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL: only postgres:// URLs are supported, not {parts.scheme}://")
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "TEST": {"NAME": f"test_{unquote(parts.path.lstrip('/'))}"},
        # One connection per worker thread, kept between messages (a new one per message cost 3x the
        # throughput); checked before reuse, so a database that restarted is reconnected to.
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }


# Scale-out: DATABASE_URL (PostgreSQL) and REDIS_URL (channels-redis) shared by every process.
DATABASES = {"default": _database(os.environ.get("DATABASE_URL"))}

# Room for bursts: a subscriber's channel holds this many undelivered events before dropping any.
_CHANNEL_CAPACITY = 10_000
_REDIS_READ_TIMEOUT = 30
CHANNEL_LAYERS = {
    "default": (
        {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 6+ reads with a 5 s timeout by default, the very time channels-redis blocks in
                # BZPOPMIN waiting for a message: every idle receive failed. Reads get longer than that.
                "hosts": [{"address": os.environ["REDIS_URL"], "socket_timeout": _REDIS_READ_TIMEOUT}],
                "capacity": _CHANNEL_CAPACITY,
            },
        }
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"capacity": _CHANNEL_CAPACITY}}
    )
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

# GraphiQL and schema introspection: on for the demo, off when DJANGO_DEBUG=0 (production).
GRAPHIQL = DEBUG
GRAPHQL_INTROSPECTION = DEBUG

GQL_CHANNELS = {
    # The default consumer of the gql_channels_routes / _translate / _asyncapi commands.
    "CONSUMER": "example_project.consumers.LegacyConsumer",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"gql_channels": {"handlers": ["console"], "level": "INFO"}},
}
