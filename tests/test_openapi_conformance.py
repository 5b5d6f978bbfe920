"""schemathesis over the whole OpenAPI description (/api/v1/schema.json): for every
operation, generated requests (valid and not) never get a 5xx, and every answer has a
documented status code and content type and a body that matches its documented schema.

The seed is fixed (derandomize) and the number of examples bounded, so the run is the
same each time and takes a few minutes at most.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_OPERATION = 40


SEED = 20261127
# Coverage, gaps and siting compute over every loaded commune when no territory is
# given (seconds a request): for them, fewer random requests and no phase enumerating
# every boundary value of every parameter.
HEAVY = r"/coverage/|/planning/siting/"
EXAMPLES_PER_HEAVY_OPERATION = 8


def load_schema(config: str):
    """The schema as the application serves it (no database needed); the requests are
    served in-process by carto's WSGI application, inside each test's transaction (the
    session's demo data, nothing committed)."""
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema.json",
        get_wsgi_application(),
        config=SchemathesisConfig.from_str(f"seed = {SEED}\n{config}"),
    )


schema = load_schema("")
heavy_schema = load_schema("[phases.coverage]\nenabled = false").include(path_regex=HEAVY)


@pytest.fixture
def in_test_transaction(db):
    """Requests served through the WSGI application keep the test's connection open, as
    Django's test client does (its request signals would otherwise close it mid-test)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def check(case):
    # The in-process client does not decompress: ask for the body as it is.
    case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})


def bounded(examples: int):
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


@schema.exclude(path_regex=HEAVY).parametrize()
@bounded(EXAMPLES_PER_OPERATION)
def test_every_operation_answers_as_documented(case, in_test_transaction):
    check(case)


@heavy_schema.parametrize()
@bounded(EXAMPLES_PER_HEAVY_OPERATION)
def test_every_planning_operation_answers_as_documented(case, in_test_transaction):
    check(case)


def test_every_operation_of_the_api_is_covered():
    """The description holds the API's operations: a new view cannot hide from the run."""
    operations = {
        f"{operation.method.upper()} {operation.path}"
        for operation in (result.ok() for result in schema.get_all_operations())
    }
    assert {
        "GET /api/v1/actors/",
        "GET /api/v1/actors/{id}/",
        "GET /api/v1/initiatives/",
        "GET /api/v1/initiatives/{id}/",
        "GET /api/v1/taxonomy/",
        "GET /api/v1/events/",
        "GET /api/v1/events/feed.ics",
        "GET /api/v1/events/{id}/",
        "GET /api/v1/geocode/",
        "GET /api/v1/export/data-inclusion/structures.json",
        "GET /api/v1/export/lmn/lieux.json",
        "GET /api/v1/export/lmn/lieux.csv",
        "GET /api/v1/territories/",
        "GET /api/v1/territories/{kind}/{code}/",
        "GET /api/v1/territories/locate/",
        "GET /api/v1/territories/search/",
        "GET /api/v1/coverage/",
        "GET /api/v1/coverage/gaps/",
        "POST /api/v1/planning/siting/",
        "POST /api/v1/planning/tours/",
        "GET /api/v1/moderation/proposals/",
        "POST /api/v1/moderation/proposals/{id}/publish/",
        "POST /api/v1/moderation/proposals/{id}/refuse/",
        "POST /api/v1/moderation/proposals/{id}/apply/",
        "GET /ogc/",
        "GET /ogc/conformance",
        "GET /ogc/collections",
        "GET /ogc/collections/{collection_id}",
        "GET /ogc/collections/{collection_id}/items",
        "GET /ogc/collections/{collection_id}/items/{feature_id}",
    } == operations


@pytest.mark.parametrize("model", ["actor", "initiative"])
def test_the_detail_of_an_entry_of_every_source_answers_as_documented(model, in_test_transaction):
    """One listed entry of each source through its detail operation: the random run may
    never draw an id of a rarer source (a programme site, a merged place)."""
    from carto.actors.models import Actor, Initiative

    queryset = (Actor if model == "actor" else Initiative).objects.listed()
    sources = sorted(set(queryset.values_list("source", flat=True)))
    assert len(sources) >= (6 if model == "actor" else 3)
    operation = schema[f"/api/v1/{model}s/{{id}}/"]["GET"]
    for source in sources:
        entry = queryset.filter(source=source).order_by("id").first()
        check(operation.Case(path_parameters={"id": entry.pk}))
