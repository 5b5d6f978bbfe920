"""Reads to the replicas, writes and fresh reads to the primary (carto/db_router.py).

`replica_1` is Django's test mirror of `default`: a second connection to the test
database, outside the test's transaction, read-only like a standby. It sees the session's
committed demo data but not what a test writes, as a lagging replica would not: reading
one's own write through it fails, which is what pinning to the primary is for."""

import copy
import uuid
from types import SimpleNamespace
from urllib.parse import quote

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import DEFAULT_DB_ALIAS, connections, router, transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from carto import settings as carto_settings
from carto.actors.models import Actor
from carto.db_router import PIN_COOKIE, PrimaryPinMiddleware
from carto.territories.models import Territory
from tests.contributions.test_propose import actor_data, follow_token

REPLICA = "replica_1"
ROUTER = "carto.db_router.PrimaryReplicaRouter"
PIN_MIDDLEWARE = "carto.db_router.PrimaryPinMiddleware"

pytestmark = pytest.mark.django_db(databases=[DEFAULT_DB_ALIAS, REPLICA])


def url_of(db: dict) -> str:
    """A postgis:// URL for the connection settings `db`."""
    auth = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgis://{auth}@{quote(db['HOST'] or '', safe='')}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="module", autouse=True)
def replica_alias(django_db_setup):
    """`replica_1` as the settings build it from DATABASE_REPLICA_URLS for the web role,
    pointed at the test database (configured before pytest-django checks the aliases)."""
    primary = connections[DEFAULT_DB_ALIAS].settings_dict
    built = carto_settings.databases(
        {"CARTO_ROLE": "web", "DATABASE_URL": url_of(primary), "DATABASE_REPLICA_URLS": url_of(primary)}
    )  # fmt: skip
    configured = connections.configure_settings(
        {DEFAULT_DB_ALIAS: copy.deepcopy(primary), REPLICA: built[REPLICA]}
    )
    connections.settings[REPLICA] = configured[REPLICA]
    yield
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.fixture
def routed(settings):
    """The settings' answer to DATABASE_REPLICA_URLS: the router and the pinning middleware."""
    settings.DATABASE_ROUTERS = [ROUTER]
    settings.MIDDLEWARE = [PIN_MIDDLEWARE, *settings.MIDDLEWARE]
    return settings


def procrastinate_model():
    """The task queue's models (procrastinate.contrib.django) route by their app label."""
    return SimpleNamespace(_meta=SimpleNamespace(app_label="procrastinate", model_name="job"))


# -- the settings ---------------------------------------------------------------------------


def test_replica_urls_become_replica_aliases_of_the_web_role():
    databases = carto_settings.databases(
        {
            "CARTO_ROLE": "web",
            "DATABASE_URL": "postgis://carto_web:secret@primary:5432/carto",
            "DATABASE_REPLICA_URLS": " postgis://carto_web:secret@standby-a:5432/carto ,"
            "postgres://carto_web:secret@standby-b:6432/carto_replica,",
        }
    )
    assert list(databases) == ["default", "replica_1", "replica_2"]
    assert [(db["HOST"], db["PORT"], db["NAME"]) for db in databases.values()] == [
        ("primary", 5432, "carto"),
        ("standby-a", 5432, "carto"),
        ("standby-b", 6432, "carto_replica"),
    ]
    for db in databases.values():
        assert db["ENGINE"] == "django.contrib.gis.db.backends.postgis"
        assert db["USER"] == "carto_web" and db["PASSWORD"] == "secret"
        options = db["OPTIONS"]["options"]
        for flag in ("-c jit=off", "-c max_parallel_workers_per_gather=0"):
            assert flag in options
        assert "-c statement_timeout=20000" in options
    assert "TEST" not in databases["default"]
    assert databases["replica_2"]["TEST"] == {"MIRROR": "default"}
    assert "default_transaction_read_only" not in databases["default"]["OPTIONS"]["options"]
    assert "-c default_transaction_read_only=on" in databases["replica_1"]["OPTIONS"]["options"]


def test_commands_and_the_worker_see_the_primary_only():
    databases = carto_settings.databases(
        {
            "PGHOST": "primary",
            "PGDATABASE": "carto",
            "DATABASE_REPLICA_URLS": "postgis://carto@standby-a/carto",
        }
    )
    assert list(databases) == ["default"]
    assert databases["default"]["HOST"] == "primary"
    assert databases["default"]["OPTIONS"] == {}


def test_behind_pgbouncer_no_startup_options_and_no_server_side_cursors():
    databases = carto_settings.databases(
        {
            "CARTO_ROLE": "web",
            "CARTO_PGBOUNCER": "1",
            "DATABASE_URL": "postgis://carto_web:secret@pgbouncer:6432/carto",
            "DATABASE_REPLICA_URLS": "postgis://carto_web:secret@pgbouncer:6432/carto_replica",
        }
    )
    assert list(databases) == ["default", "replica_1"]
    for db in databases.values():
        assert "options" not in db["OPTIONS"]  # pgbouncer refuses them: the role carries them
        assert db["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_no_prepared_statements_survive_a_pooled_transaction():
    """psycopg prepares nothing server-side unless OPTIONS asks (Django's default)."""
    assert connections[DEFAULT_DB_ALIAS].get_connection_params()["prepare_threshold"] is None
    assert connections[REPLICA].get_connection_params()["prepare_threshold"] is None


def test_the_router_is_installed_with_replicas_only(monkeypatch):
    import importlib

    monkeypatch.setenv("CARTO_ROLE", "web")
    monkeypatch.setenv("DATABASE_REPLICA_URLS", "postgis://carto@standby-a/carto")
    try:
        with_replicas = importlib.reload(carto_settings)
        assert with_replicas.DATABASE_ROUTERS == [ROUTER]
        assert with_replicas.MIDDLEWARE[0] == PIN_MIDDLEWARE
        monkeypatch.delenv("DATABASE_REPLICA_URLS")
        without = importlib.reload(carto_settings)
        assert without.DATABASE_ROUTERS == []
        assert PIN_MIDDLEWARE not in without.MIDDLEWARE
    finally:
        monkeypatch.delenv("CARTO_ROLE")
        monkeypatch.delenv("DATABASE_REPLICA_URLS", raising=False)
        importlib.reload(carto_settings)


# -- the router -----------------------------------------------------------------------------


def test_reads_go_to_the_replica_writes_to_the_primary(routed):
    assert router.db_for_read(Actor) == REPLICA
    assert router.db_for_read(Territory) == REPLICA
    assert router.db_for_write(Actor) == DEFAULT_DB_ALIAS
    assert router.db_for_write(Territory) == DEFAULT_DB_ALIAS


def test_the_queue_the_cache_sessions_and_users_stay_on_the_primary(routed):
    cache_model = caches["default"].cache_model_class  # carto_cache: the rate limits
    for model in (procrastinate_model(), cache_model, Session, User, Token):
        assert router.db_for_read(model) == DEFAULT_DB_ALIAS, model
        assert router.db_for_write(model) == DEFAULT_DB_ALIAS, model


def test_a_read_inside_a_transaction_goes_to_the_primary(routed):
    with transaction.atomic():
        assert router.db_for_read(Actor) == DEFAULT_DB_ALIAS
    assert router.db_for_read(Actor) == REPLICA


def test_migrations_run_on_the_primary_only(routed):
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "actors", model_name="actor")
    assert not router.allow_migrate(REPLICA, "actors", model_name="actor")
    assert not router.allow_migrate_model(REPLICA, Actor)


def test_objects_of_the_primary_and_a_replica_may_be_related(routed):
    actor = Actor.objects.using(REPLICA).filter(commune_code="62498").first()
    territory = Territory.objects.using(DEFAULT_DB_ALIAS).get(kind="commune", code="62498")
    assert router.allow_relation(actor, territory)


def test_the_replica_refuses_writes(routed):
    """Were a write routed to it, a standby would refuse it; so does the test mirror."""
    from django.db import InternalError, ProgrammingError

    with pytest.raises((InternalError, ProgrammingError)), connections[REPLICA].cursor() as cur:
        cur.execute("UPDATE territories_territory SET name = name WHERE id < 0")


# -- requests -------------------------------------------------------------------------------


def sql_of(context: CaptureQueriesContext) -> str:
    return "\n".join(query["sql"] for query in context.captured_queries)


def test_a_public_get_reads_the_replica(routed, client):
    with (
        CaptureQueriesContext(connections[REPLICA]) as replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
    ):
        response = client.get("/api/v1/actors/", {"territory": "commune:62498"})
    assert response.status_code == 200 and response.json()["features"]
    assert "actors_actor" in sql_of(replica)
    assert primary.captured_queries == []
    assert PIN_COOKIE not in response.cookies


def test_a_post_that_writes_uses_the_primary_and_its_follow_page_reads_it(routed, client):
    with (
        CaptureQueriesContext(connections[REPLICA]) as replica,
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
    ):
        response = client.post("/proposer/acteur/", actor_data())
    token = follow_token(response)
    assert replica.captured_queries == []
    assert 'INSERT INTO "actors_actor"' in sql_of(primary)
    assert 'INSERT INTO "contributions_proposal"' in sql_of(primary)
    pin = response.cookies[PIN_COOKIE]
    assert pin["max-age"] == 15 and pin["httponly"] and pin["samesite"] == "Lax"

    # The redirected GET carries the pin: the proposal it shows is read from the primary.
    with CaptureQueriesContext(connections[REPLICA]) as replica:
        response = client.get(f"/proposer/suivi/{token}/")
    assert response.status_code == 200
    assert "Maison des habitants" in response.content.decode()
    assert replica.captured_queries == []

    # Without the pin, the replica answers: it has not seen the proposal (the test's
    # transaction is never committed, as a lagging standby would not have replayed it).
    client.cookies.pop(PIN_COOKIE)
    with CaptureQueriesContext(connections[REPLICA]) as replica:
        response = client.get(f"/proposer/suivi/{token}/")
    assert response.status_code == 404
    assert "contributions_proposal" in sql_of(replica)


def test_a_signed_in_visitor_reads_the_primary(routed, client):
    user = User.objects.create_user("referent-router", password=uuid.uuid4().hex)
    client.force_login(user)
    with CaptureQueriesContext(connections[REPLICA]) as replica:
        response = client.get("/api/v1/actors/", {"territory": "commune:62498"})
    assert response.status_code == 200
    assert replica.captured_queries == []


def test_a_request_is_pinned_from_its_first_write_and_the_cache_does_not_pin(routed):
    seen = []

    def view(request):
        seen.append(router.db_for_read(Actor))
        caches["default"].set("router-test", 1)  # a rate limit's counter: no pin
        seen.append(router.db_for_read(Actor))
        Session.objects.create(
            session_key=uuid.uuid4().hex, session_data="", expire_date=timezone.now()
        )
        seen.append(router.db_for_read(Actor))
        return HttpResponse("ok")

    response = PrimaryPinMiddleware(view)(RequestFactory().get("/"))
    assert seen == [REPLICA, REPLICA, DEFAULT_DB_ALIAS]
    assert response.cookies[PIN_COOKIE].value == "1"
    # The pin ends with the request.
    assert router.db_for_read(Actor) == REPLICA
