"""One checked save for every hand edit: two moderators on one entry lose nothing."""

import threading

import pytest
from django.contrib.auth.models import User
from django.db import connection

from carto.actors.models import Actor, Status
from carto.contributions.services import EditConflict, save_checked
from tests.helpers import in_own_connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return Actor.objects.filter(status=Status.PUBLISHED).order_by("id").first()


def test_the_second_of_two_edits_from_one_version_is_refused(actor):
    first, second = User.objects.create_user("a"), User.objects.create_user("b")
    opened = actor.version  # both opened the form on this version
    saved = save_checked(actor, opened, {"phone": "03 21 00 00 01"}, first, "correction")
    assert saved.version == opened + 1
    with pytest.raises(EditConflict) as refused:
        save_checked(actor, opened, {"phone": "03 21 00 00 02"}, second, "correction")
    assert refused.value.current.phone == "03 21 00 00 01"
    assert "modifié entre-temps" in str(refused.value)
    assert Actor.objects.get(pk=actor.pk).phone == "03 21 00 00 01"
    # Re-applied on the current version, the second edit goes through; both are in history.
    save_checked(actor, saved.version, {"phone": "03 21 00 00 02"}, second, "correction")
    rows = actor.history.order_by("-history_id")[:2]
    assert [(r.phone, r.history_user) for r in rows] == [
        ("03 21 00 00 02", second),
        ("03 21 00 00 01", first),
    ]


def test_provenance_and_derived_fields_are_not_editable(actor):
    with pytest.raises(ValueError, match="source_id"):
        save_checked(actor, actor.version, {"source_id": "x"}, None, "")
    with pytest.raises(ValueError, match="non modifiable"):
        save_checked(actor, actor.version, {"nope": 1}, None, "")


def test_concurrent_saves_from_one_version_keep_exactly_one():
    """Two threads, two connections, one version: the row lock lets one through. (The
    session data is committed; the threads commit, and the last one puts it back.)"""
    actor = Actor.objects.filter(status=Status.PUBLISHED).order_by("id").first()
    opened, outcomes, barrier = actor.version, [], threading.Barrier(2)

    def edit(phone):
        barrier.wait()
        try:
            save_checked(actor, opened, {"phone": phone}, None, "concurrence")
            outcomes.append(("ok", phone))
        except EditConflict:
            outcomes.append(("conflict", phone))
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(p,)) for p in ("01", "02")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(kind for kind, _ in outcomes) == ["conflict", "ok"]
    [(_, winner)] = [o for o in outcomes if o[0] == "ok"]
    stored = in_own_connection(lambda: Actor.objects.get(pk=actor.pk))
    assert stored.phone == winner and stored.version == opened + 1
    in_own_connection(save_checked, stored, stored.version, {"phone": actor.phone}, None, "retour")


def test_a_moved_actor_is_attached_where_it_now_stands():
    from django.contrib.gis.geos import Point

    from carto.territories.models import Territory

    actor = Actor.objects.filter(status=Status.PUBLISHED, commune_code="62498").first()
    arras = Territory.objects.get(kind="commune", code="62041").anchor
    moved = save_checked(
        actor, actor.version, {"location": Point(arras.x, arras.y, srid=4326)}, None, "placé"
    )
    assert moved.commune_code == "62041" and "commune:62041" in moved.territory_codes
    assert "commune:62498" not in moved.territory_codes


def test_a_long_reason_is_cut_to_what_the_history_holds(actor):
    saved = save_checked(actor, actor.version, {"phone": "03 21 00 00 09"}, None, "x" * 300)
    assert len(saved.history.order_by("-history_id").first().history_change_reason) == 100


def test_a_renamed_actor_is_found_by_its_new_name(actor):
    renamed = save_checked(actor, actor.version, {"name": "Maison Élan"}, None, "renommé")
    assert renamed.name_key == "maison elan"
