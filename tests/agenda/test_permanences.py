"""The stops of itinerant actors become recurring permanences, idempotently."""

from datetime import time, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from carto.actors.models import Actor, Stop
from carto.agenda import permanences
from carto.agenda.models import Event
from carto.calendar import PARIS

pytestmark = pytest.mark.django_db


@pytest.fixture
def bus():
    actor = Actor.objects.listed().filter(commune_code="62498").order_by("id").first()
    Actor.objects.filter(pk=actor.pk).update(itinerant=True)
    actor.refresh_from_db()
    return actor


def test_a_weekly_stop_becomes_a_weekly_permanence_and_a_second_run_changes_nothing(bus):
    today = timezone.localdate()
    stop = Stop.objects.create(
        actor=bus, place_name="Place de la mairie, Liévin", location=Point(2.78, 50.42, srid=4326),
        weekday=1, start_time=time(9), end_time=time(12), period_end=today + timedelta(days=60),
    )  # fmt: skip
    Stop.objects.create(actor=bus, place_name="Sans horaires", location=Point(2.8, 50.4, srid=4326))
    done = permanences.sync()
    assert (done.created, done.skipped) == (1, 1)
    event = Event.objects.get(source="stop", source_id=str(stop.pk))
    assert event.listed and event.format == "permanence" and event.organizer == bus
    assert event.recurrence.startswith("FREQ=WEEKLY;BYDAY=TU;UNTIL=")
    starts = [o.starts_at.astimezone(PARIS) for o in event.occurrences.order_by("starts_at")]
    assert starts and all(s.weekday() == 1 and s.hour == 9 for s in starts)
    assert 8 <= len(starts) <= 9
    # Attached where the bus stops (Liévin), not at its base (Lens).
    assert event.commune_code == "62510" and "commune:62510" in event.territory_codes
    assert permanences.sync().unchanged == 1
    stop.start_time = time(14)
    stop.end_time = time(17)
    stop.save()
    assert permanences.sync().updated == 1
    event.refresh_from_db()
    assert {o.starts_at.astimezone(PARIS).hour for o in event.occurrences.all()} == {14}
    stop.delete()
    assert permanences.sync().archived == 1
    event.refresh_from_db()
    assert not event.listed


def test_a_dated_stop_is_one_session(bus):
    day = timezone.localdate() + timedelta(days=5)
    Stop.objects.create(actor=bus, place_name="Marché", location=Point(2.83, 50.43, srid=4326),
                        date=day, start_time=time(8), end_time=time(11))  # fmt: skip
    permanences.sync()
    event = Event.objects.get(source="stop")
    assert event.recurrence == "" and event.occurrences.count() == 1
    assert event.starts_at.astimezone(PARIS).date() == day
