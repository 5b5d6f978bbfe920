"""The derived data of the directory (the precomputed coverage and the actor tiles'
cells) is refreshed by one job of the task queue, deferred once per
transaction that changed the directory, after it commits, and always after the actors
were re-attached to re-imported territories."""

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from carto.actors.models import Actor
from carto.planning.services import enqueue_refresh, refresh_derived
from carto.territories.signals import territories_imported

pytestmark = pytest.mark.django_db


def counted(territory_code: str) -> int:
    """The listed actors the precomputed coverage counts in a territory (all facets)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(sum(actors), 0) FROM planning_facet_count "
            "WHERE facet = 'all' AND territory_code = %s",
            [territory_code],
        )
        return cursor.fetchone()[0]


def refreshes(callbacks) -> int:
    return sum(1 for callback in callbacks if callback is enqueue_refresh)


def new_actor(index: int) -> Actor:
    return Actor.objects.create(
        name=f"Acteur de rafale {index}", kind_id="association", status="published",
        location=Point(2.8319, 50.4329, srid=4326), source="test-refresh", source_id=str(index),
        territory_codes=["commune:62498"],
    )  # fmt: skip


def test_a_burst_of_saves_refreshes_once_after_commit(django_capture_on_commit_callbacks):
    refresh_derived()
    before = counted("commune:62498")
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        actors = [new_actor(index) for index in range(20)]
        for actor in actors:
            actor.name += " (modifié)"
            actor.save()
        assert counted("commune:62498") == before  # nothing refreshed within the transaction
    assert refreshes(callbacks) == 1
    refresh_derived()  # what the deferred job does
    assert counted("commune:62498") == before + 20


def test_a_rolled_back_transaction_refreshes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                new_actor(99)
                raise RuntimeError("abandon")
        except RuntimeError:
            pass
        with transaction.atomic():
            new_actor(100)
    assert refreshes(callbacks) == 1  # the second transaction's, queued anew


def test_reimported_territories_are_counted_after_the_actors_are_reattached(
    django_capture_on_commit_callbacks,
):
    refresh_derived()
    before = counted("commune:62498")
    actor = Actor.objects.listed().filter(commune_code="62498").first()
    Actor.objects.filter(pk=actor.pk).update(territory_codes=["commune:00000"])
    refresh_derived()
    assert counted("commune:62498") == before - 1
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        territories_imported.send(sender=None, summary=None)
    assert refreshes(callbacks) == 1
    actor.refresh_from_db()
    assert {"commune:62498", "departement:62", "region:32"} <= set(actor.territory_codes)
    refresh_derived()  # what the deferred job does
    assert counted("commune:62498") == before
