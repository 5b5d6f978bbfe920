"""The detail of an initiative (the retex of the « banque des expériences ») and of an
actor (« ouvert maintenant » with the public holidays of its département)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from carto import calendar
from carto.actors import opening_hours
from carto.actors.models import Actor, Initiative

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def published_initiatives():
    return Initiative.objects.filter(status="published").select_related("organizer")


class TestInitiativeDetail:
    def test_every_published_initiative_answers_with_its_retex(self, client):
        initiatives = list(published_initiatives())
        assert len(initiatives) > 20
        for initiative in initiatives:
            response = client.get(f"/api/v1/initiatives/{initiative.pk}/")
            assert response.status_code == 200, (initiative.pk, response.content[:300])
            assert response["Content-Type"] == "application/geo+json"
            feature = response.json()
            assert feature["type"] == "Feature" and feature["id"] == initiative.pk
            properties = feature["properties"]
            assert properties["title"] == initiative.title
            for field in ("results_territory", "results_inhabitants", "limits", "perspectives"):
                assert properties[field] == getattr(initiative, field)

    def test_geometry_is_the_footprint_else_the_location_else_the_organiser(self, client):
        with_footprint = published_initiatives().filter(footprint__isnull=False).first()
        data = client.get(f"/api/v1/initiatives/{with_footprint.pk}/").json()
        assert data["geometry"]["type"] == "MultiPolygon"
        assert data["geometry"]["coordinates"][0][0][0] == pytest.approx(
            with_footprint.footprint[0][0][0], abs=1e-6
        )

        placed = published_initiatives().filter(footprint__isnull=True, location__isnull=False)
        point = placed.first()
        data = client.get(f"/api/v1/initiatives/{point.pk}/").json()
        assert data["geometry"] == {
            "type": "Point",
            "coordinates": [pytest.approx(point.location.x), pytest.approx(point.location.y)],
        }

        organiser = Actor.objects.filter(status="published", duplicate_of__isnull=True).first()
        bare = Initiative.objects.create(
            title="Sans empreinte", status="published", organizer=organiser, source="test"
        )
        data = client.get(f"/api/v1/initiatives/{bare.pk}/").json()
        assert data["geometry"]["coordinates"] == [
            pytest.approx(organiser.location.x),
            pytest.approx(organiser.location.y),
        ]

    def test_unknown_and_pending_initiatives_are_a_json_404(self, client):
        pending = Initiative.objects.create(title="En attente", status="pending", source="test")
        for pk in (pending.pk, 10**12):
            response = client.get(f"/api/v1/initiatives/{pk}/")
            assert response.status_code == 404
            assert f"l'identifiant {pk}" in response.json()["detail"]


def _actor_with_hours(departement: str, hours: str) -> Actor:
    actor = Actor.objects.filter(status="published", departement_code=departement).first()
    assert actor is not None, departement
    actor.opening_hours = hours
    actor.save(update_fields=["opening_hours"])
    return actor


def _freeze(monkeypatch, moment: datetime) -> None:
    """The server's clock shows `moment`, French local time."""
    aware = timezone.make_aware(moment, PARIS)
    monkeypatch.setattr("django.utils.timezone.now", lambda: aware)


class TestOpenNow:
    HOURS = "Mo-Fr 09:00-17:00; PH off"

    def open_now(self, client, actor) -> bool | None:
        return client.get(f"/api/v1/actors/{actor.pk}/").json()["properties"]["open_now"]

    def test_closed_on_14_july_open_the_day_after(self, client, monkeypatch):
        actor = _actor_with_hours("62", self.HOURS)
        _freeze(monkeypatch, datetime(2027, 7, 14, 10, 0))  # a Wednesday, Fête nationale
        assert self.open_now(client, actor) is False
        _freeze(monkeypatch, datetime(2027, 7, 15, 10, 0))
        assert self.open_now(client, actor) is True

    def test_good_friday_is_a_holiday_in_moselle_and_alsace_only(self):
        good_friday = datetime(2027, 3, 26, 10, 0)
        hours = opening_hours.parse(self.HOURS)

        def holiday_in(departement):
            return lambda day: calendar.is_public_holiday(day, departement)

        assert opening_hours.is_open(hours, good_friday, holiday_in("62")) is True
        for departement in ("57", "67", "68"):
            assert opening_hours.is_open(hours, good_friday, holiday_in(departement)) is False

    def test_without_a_ph_rule_a_holiday_is_an_ordinary_weekday(self, client, monkeypatch):
        actor = _actor_with_hours("62", "Mo-Fr 09:00-17:00")
        _freeze(monkeypatch, datetime(2027, 7, 14, 10, 0))
        assert self.open_now(client, actor) is True

    def test_a_ph_rule_with_hours_opens_on_a_sunday_holiday_only(self, client, monkeypatch):
        actor = _actor_with_hours("62", "Mo-Sa 09:00-12:00; PH 10:00-11:00")
        _freeze(monkeypatch, datetime(2027, 8, 15, 10, 30))  # Sunday, Assomption
        assert self.open_now(client, actor) is True
        _freeze(monkeypatch, datetime(2027, 8, 22, 10, 30))  # an ordinary Sunday
        assert self.open_now(client, actor) is False

    def test_overseas_holidays(self):
        abolition_reunion = datetime(2027, 12, 20, 10, 0)  # a Monday
        hours = opening_hours.parse(self.HOURS)
        assert not opening_hours.is_open(
            hours, abolition_reunion, lambda d: calendar.is_public_holiday(d, "974")
        )
        assert opening_hours.is_open(
            hours, abolition_reunion, lambda d: calendar.is_public_holiday(d, "62")
        )


def test_an_actor_without_hours_has_no_open_now(client):
    actor = Actor.objects.filter(status="published", opening_hours="").first()
    data = client.get(f"/api/v1/actors/{actor.pk}/").json()
    assert data["properties"]["open_now"] is None
    assert Point(data["geometry"]["coordinates"]).equals_exact(actor.location, 1e-6)
