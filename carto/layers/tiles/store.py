"""The optional cache of tiles (the `tiles` cache alias: Redis when CARTO_REDIS_URL is set,
else Django's dummy cache, which means no cache at all and no call to make).

Each entry holds the data version it was built under; the version is a random token kept
in the cache itself, replaced when the aggregates are refreshed (`new_version`, called
after each refresh commits), so that one MGET answers « is this tile current? » and old
entries only wait to expire. A Redis that does not answer is not an error: the tile is
built by PostGIS as if there were no cache (logged once a minute at most).
"""

import logging
import time
import uuid

from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache

logger = logging.getLogger(__name__)

VERSION_KEY = "version"
_last_warning = 0.0


def tile_cache():
    """The `tiles` cache, or None when tiles are not cached."""
    cache = caches["tiles"]
    return None if isinstance(cache, DummyCache) else cache


def _warn(exc: Exception) -> None:
    global _last_warning
    now = time.monotonic()
    if now - _last_warning > 60:
        _last_warning = now
        logger.warning("cache des tuiles injoignable, tuiles calculées sans lui : %s", exc)


def lookup(key: str):
    """(version, entry): the current data version and the entry cached under `key` if it
    was built under it, else None; (None, None) without a cache or when it fails."""
    cache = tile_cache()
    if cache is None:
        return None, None
    try:
        found = cache.get_many([VERSION_KEY, key])
        version = found.get(VERSION_KEY)
        if version is None:
            cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
            version = cache.get(VERSION_KEY)
    except Exception as exc:  # any failure of the cache server: serve without it
        _warn(exc)
        return None, None
    entry = found.get(key)
    if entry is not None and entry[0] == version:
        return version, entry[1]
    return version, None


def keep(key: str, version: str | None, value) -> None:
    """Cache `value` under `key` for the data version `version` (None: no cache)."""
    cache = tile_cache()
    if cache is None or version is None:
        return
    try:
        cache.set(key, (version, value))
    except Exception as exc:
        _warn(exc)


def new_version() -> None:
    """Every cached tile is outdated (the directory or its aggregates changed)."""
    cache = tile_cache()
    if cache is None:
        return
    try:
        cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)
    except Exception as exc:
        _warn(exc)
