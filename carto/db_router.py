"""Reads to the PostgreSQL streaming replicas, writes and fresh reads to the primary.

`DATABASE_REPLICA_URLS` gives the web role the aliases `replica_1…n` (carto/settings.py),
each a hot standby of `default`; the settings then install `PrimaryReplicaRouter` and
`PrimaryPinMiddleware`. Without replicas neither is installed and everything uses
`default`, as before. The choices:

- **Only the web role reads from replicas.** Commands (migrations, imports) and the task
  queue's worker compute their writes from what they read: they see only `default`.
- **One replica per request**, drawn at random when the request starts: the queries of
  one response (a page and its count) see one replica, at one point of its replay.
- **The primary for what must be fresh or is written**: every write (`db_for_write`);
  the models of `PRIMARY_APPS` (sessions, users and tokens, the admin's log, the
  `carto_cache` table that counts rate limits, the task queue's jobs); any read inside a
  transaction the code opened (`transaction.atomic()` on `default`: a read that decides a
  write must see the primary, and temporary tables cannot exist on a standby).
- **Read-your-writes.** A replica replays the primary's WAL a little behind it. A request
  is pinned to the primary from its start when it is not GET, HEAD or OPTIONS (a POST
  may read what it then writes, e.g. a proposal's status before applying it), when it
  carries a session cookie (référents and administrators see their own edits), or when
  it carries the pin cookie; and from its first write (`db_for_write` of any model but
  the cache) for the rest of it. A request that wrote sets the pin cookie
  (`carto_primary`, `CARTO_REPLICA_PIN_SECONDS`, 15 s by default, far above a healthy
  replica's lag), so that the page it redirects to and the next few requests of that
  visitor read the primary too. Anonymous readers of the public pages, API, tiles and
  widget never write: they carry no cookie and read the replicas.
- Code that opens `django.db.connection` itself (raw SQL) uses `default`: the router
  does not see it. A request that writes only that way is not pinned.
- Outside a request (the web role has none), and in a streamed response's body, which
  is read after the middleware returned, nothing pins: a read goes to a replica unless
  it is inside a transaction.

The task queue (procrastinate) defers jobs through its own connector on
`PROCRASTINATE_DATABASE_ALIAS`, `default` unless told: never set it to a replica. Its
Django models (app label `procrastinate`) are routed to the primary here.
"""

import random
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_PREFIX = "replica_"
PIN_COOKIE = "carto_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# What is read to decide a write, or written by every process: always the primary.
PRIMARY_APPS = frozenset(
    {
        "admin",
        "auth",
        "authtoken",
        "sessions",
        "django_cache",  # DatabaseCache's model (carto_cache): rate limits, read then written
        "procrastinate",
    }
)
# Writes that do not pin a request: the rate limits' counters, written on every POST.
UNPINNING_WRITES = frozenset({"django_cache"})


@dataclass
class RequestState:
    """Where the current request reads: `replica`, until it is pinned to the primary."""

    replica: str | None
    pinned: bool = False
    wrote: bool = False


_request: ContextVar[RequestState | None] = ContextVar("carto_db_request", default=None)


def replica_aliases() -> list[str]:
    """The configured replica aliases (`replica_1…n`), in order."""
    return sorted(alias for alias in connections if alias.startswith(REPLICA_PREFIX))


def in_transaction() -> bool:
    """True inside a `transaction.atomic()` of our code on `default` (not the test
    framework's wrapping transaction, which stands for no transaction)."""
    blocks = connections[DEFAULT_DB_ALIAS].atomic_blocks
    return any(not getattr(block, "_from_testcase", False) for block in blocks)


class PrimaryReplicaRouter:
    """Reads to a replica unless they must be fresh; writes and migrations to `default`."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label in PRIMARY_APPS or in_transaction():
            return DEFAULT_DB_ALIAS
        state = _request.get()
        if state is not None:
            return DEFAULT_DB_ALIAS if state.pinned or state.replica is None else state.replica
        replicas = replica_aliases()
        return random.choice(replicas) if replicas else DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints):
        state = _request.get()
        if state is not None and model._meta.app_label not in UNPINNING_WRITES:
            state.pinned = state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        """Every alias holds the same rows: objects from any of them may be related."""
        aliases = {DEFAULT_DB_ALIAS, *replica_aliases()}
        if obj1._state.db in aliases and obj2._state.db in aliases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        """Only the primary: a replica replays the primary's schema and cannot be written."""
        return db == DEFAULT_DB_ALIAS


class PrimaryPinMiddleware:
    """Chooses the request's replica, pins it to the primary when it must read fresh
    data, and sets the pin cookie after a write. Outermost, so that every query of the
    request (sessions, authentication, rate limits) sees its state."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        replicas = replica_aliases()
        state = RequestState(
            replica=random.choice(replicas) if replicas else None,
            pinned=(
                request.method not in SAFE_METHODS
                or PIN_COOKIE in request.COOKIES
                or settings.SESSION_COOKIE_NAME in request.COOKIES
            ),
        )
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if state.wrote:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=settings.CARTO_REPLICA_PIN_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
