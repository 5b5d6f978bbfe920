"""Agenda fixtures: events placed on real communes of the demo territory."""

from datetime import datetime, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from carto.actors.models import Actor
from carto.agenda import services
from carto.agenda.models import Event
from carto.calendar import PARIS
from carto.srid import WGS84

LENS = (2.832435, 50.429256)  # Lens town hall (commune 62498)


def at(days: int, hour: int = 14) -> datetime:
    """Today + `days` at `hour` in Paris."""
    day = timezone.localdate() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=PARIS)


@pytest.fixture
def lens_actor():
    return Actor.objects.listed().filter(commune_code="62498").order_by("id").first()


@pytest.fixture
def make_event(lens_actor):
    def make(**values):
        defaults = dict(
            title="Atelier numérique entre pairs",
            description="Découvrir la messagerie et les démarches en ligne.",
            themes=["numerique"] if "themes" not in values else values.pop("themes"),
            format="formation",
            level="decouverte",
            starts_at=at(2),
            ends_at=at(2) + timedelta(hours=2),
            location=Point(*LENS, srid=WGS84),
            place_name="Centre social",
            address="Place Jean Jaurès, Lens",
            organizer=lens_actor,
            status="published",
            source="test",
        )
        defaults.update(values)
        return services.save_event(Event(**defaults))

    return make
