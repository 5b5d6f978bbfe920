"""Events: territory codes and sessions computed at write time, and the agenda API (the
collection of sessions, an event, the iCalendar feed) with the directory's filters."""

import itertools
import json
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from icalendar import Calendar

from carto.agenda import services
from carto.agenda.models import Event, Occurrence, Registration
from carto.calendar import PARIS, periods
from carto.srid import WGS84

from .conftest import at

pytestmark = pytest.mark.django_db


def features(client, **params):
    response = client.get("/api/v1/events/", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/geo+json"
    return json.loads(response.content)


def test_an_event_is_attached_to_the_territories_of_its_place(make_event):
    event = make_event()
    assert event.commune_code == "62498"
    assert {"commune:62498", "departement:62", "region:32"} <= set(event.territory_codes)
    assert event.bv_code and f"bv:{event.bv_code}" in event.territory_codes


def test_an_online_event_takes_its_organisers_territories(make_event, lens_actor):
    event = make_event(
        location=None, attendance="en-ligne", online_url="https://visio.example.org/x"
    )
    assert event.territory_codes == lens_actor.territory_codes
    assert event.commune_code == lens_actor.commune_code


def test_an_event_at_a_venue_takes_its_place(make_event, lens_actor):
    event = make_event(location=None, venue=lens_actor, place_name="")
    assert event.location == lens_actor.location
    assert event.place_name == lens_actor.name
    assert event.territory_codes == lens_actor.territory_codes


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"ends_at": at(2, 13)}, "ends_at", "la fin doit suivre le début"),
        ({"attendance": "en-ligne", "location": None}, "online_url", "lien de visio"),
        ({"location": None}, "location", "un lieu est attendu"),
        ({"recurrence": "FREQ=SECONDLY"}, "recurrence", "fréquence trop courte"),
        ({"capacity": 0}, "capacity", "au moins une place"),
    ],
)
def test_a_bad_event_is_refused_naming_the_field(make_event, values, field, message):
    with pytest.raises(ValidationError) as refused:
        make_event(**values)
    assert message in " ".join(refused.value.message_dict[field])
    assert not Event.objects.filter(title="Atelier numérique entre pairs").exists()


def test_a_recurrence_is_expanded_into_sessions_up_to_the_horizon(make_event, settings):
    settings.CARTO_AGENDA_HORIZON_DAYS = 60
    event = make_event(recurrence="FREQ=WEEKLY")
    starts = list(event.occurrences.values_list("starts_at", flat=True))
    assert 8 <= len(starts) <= 10
    assert all(s.astimezone(PARIS).hour == 14 for s in starts)
    assert all(b - a == timedelta(days=7) for a, b in itertools.pairwise(starts))
    # The horizon moves on: a daily job adds what came within reach.
    settings.CARTO_AGENDA_HORIZON_DAYS = 120
    assert services.extend_horizon() >= 8
    assert event.occurrences.count() >= 17


def test_a_session_leaving_the_rule_is_deleted_or_cancelled_if_people_registered(
    make_event, django_capture_on_commit_callbacks
):
    event = make_event(recurrence="FREQ=WEEKLY;COUNT=3", registration=True, capacity=10)
    first, second, third = event.occurrences.order_by("starts_at")
    services.register(third, "ana@example.org", "Ana")
    mail.outbox.clear()
    event.recurrence = "FREQ=WEEKLY;COUNT=1"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_event(event)
    assert list(event.occurrences.order_by("starts_at").values_list("pk", "cancelled")) == [
        (first.pk, False),
        (third.pk, True),  # kept, cancelled: someone registered
    ]
    assert not Occurrence.objects.filter(pk=second.pk).exists()
    # The registered participant hears of it.
    assert [m.to for m in mail.outbox] == [["ana@example.org"]]
    assert "annulé" in mail.outbox[0].body


def test_the_collection_lists_the_sessions_of_the_window_in_order(client, make_event):
    weekly = make_event(title="Café numérique", recurrence="FREQ=WEEKLY;COUNT=4")
    once = make_event(title="Rencontre des conseils citoyens", starts_at=at(1, 18),
                      ends_at=at(1, 20), format="rencontre", level="", themes=["citoyennete"])  # fmt: skip
    make_event(title="En attente de modération", status="pending")
    body = features(
        client, **{"from": at(0, 0).date().isoformat(), "to": at(15).date().isoformat()}
    )
    titles = [f["properties"]["title"] for f in body["features"]]
    assert titles[:3] == ["Rencontre des conseils citoyens", "Café numérique", "Café numérique"]
    assert "En attente de modération" not in titles
    assert body["count"] == 3  # the weekly one on days 2 and 9 (16 and 23 fall after), + day 1
    first = body["features"][0]
    assert first["geometry"]["type"] == "Point"
    assert first["properties"]["event_id"] == once.pk
    assert first["properties"]["url"].endswith(f"/agenda/evenements/{once.pk}/")
    assert first["properties"]["organizer"]["name"] == once.organizer.name
    assert weekly.pk in {f["properties"]["event_id"] for f in body["features"]}


def test_filters_theme_level_format_attendance_territory_near_and_text(client, make_event):
    make_event(title="Perfectionnement tableur", level="perfectionnement")
    make_event(title="Visio parentalité", themes=["parentalite"], format="rencontre", level="",
               location=None, attendance="en-ligne", online_url="https://visio.example.org/p")  # fmt: skip
    far = make_event(title="Atelier à Foix", location=Point(1.6053, 42.9653, srid=WGS84))

    def titles(**params):
        return {f["properties"]["title"] for f in features(client, **params)["features"]}

    assert titles(level="perfectionnement") == {"Perfectionnement tableur"}
    assert titles(theme="parentalite") == {"Visio parentalité"}
    assert titles(format="rencontre") == {"Visio parentalité"}
    assert titles(attendance="en-ligne") == {"Visio parentalité"}
    assert "Visio parentalité" not in titles(attendance="sur-place")
    assert titles(territory=f"departement:{far.departement_code}") == {"Atelier à Foix"}
    near = features(client, near="2.83,50.43", radius_km=5)["features"]
    assert {f["properties"]["title"] for f in near} == {"Perfectionnement tableur"}
    assert 0 < near[0]["properties"]["distance_m"] < 5000
    assert titles(q="tableur perfection") == {"Perfectionnement tableur"}


def test_holidays_keep_the_sessions_during_a_zones_school_holidays(client, make_event):
    today = at(0, 0)
    period = periods("B", today.date(), today.date() + timedelta(days=300))[0]
    start = at((period.start - today.date()).days + 1, 10)
    make_event(title="Stage vacances", starts_at=start, ends_at=start + timedelta(hours=3))
    make_event(title="Hors vacances", starts_at=at(0, 23) if not period.contains(today.date()) else start - timedelta(days=40),
               ends_at=(at(0, 23) if not period.contains(today.date()) else start - timedelta(days=40)) + timedelta(minutes=30))  # fmt: skip
    window = {
        "from": today.date().isoformat(),
        "to": (today.date() + timedelta(days=300)).isoformat(),
    }
    names = {f["properties"]["title"] for f in features(client, holidays="B", **window)["features"]}
    assert "Stage vacances" in names and "Hors vacances" not in names


def test_places_left_counts_confirmed_registrations(client, make_event):
    event = make_event(registration=True, capacity=2, online_url="https://visio.example.org/secret",
                       attendance="hybride")  # fmt: skip
    occurrence = event.occurrences.get()
    services.register(occurrence, "a@example.org")
    props = features(client, event=event.pk)["features"][0]["properties"]
    assert props["places_left"] == 1 and props["capacity"] == 2
    assert props["online_url"] == ""  # the visio link goes to the registered only


@pytest.mark.parametrize(
    ("params", "name", "message"),
    [
        ({"from": "demain"}, "from", "date AAAA-MM-JJ"),
        ({"from": "2026-12-10", "to": "2026-12-01"}, "to", "doit suivre"),
        ({"from": "2026-01-01", "to": "2027-06-01"}, "to", "400 jours"),
        ({"radius_km": "3"}, "radius_km", "near"),
        ({"level": "expert"}, "level", "inconnue"),
        ({"holidays": "D"}, "holidays", ""),
        ({"couleur": "bleu"}, "couleur", "paramètre inconnu"),
    ],
)
def test_bad_parameters_are_400_naming_them(client, params, name, message):
    response = client.get("/api/v1/events/", params)
    assert response.status_code == 400
    body = response.json()
    assert name in body["parameters"]
    assert message in body["detail"]


def test_the_detail_gives_the_event_and_its_sessions_and_hides_the_unlisted(client, make_event):
    event = make_event(recurrence="FREQ=WEEKLY;COUNT=3", registration=True, capacity=5)
    response = client.get(f"/api/v1/events/{event.pk}/")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["id"] == event.pk and len(data["properties"]["sessions"]) == 3
    assert data["properties"]["sessions"][0]["places_left"] == 5
    assert "contact_email" not in data["properties"]
    pending = make_event(status="pending")
    assert client.get(f"/api/v1/events/{pending.pk}/").status_code == 404
    assert client.get("/api/v1/events/999999999/").json()["detail"].startswith("Aucun événement")


def test_the_feed_is_icalendar_with_one_vevent_per_session(client, make_event):
    event = make_event(title="Permanence; numérique, <b>gras</b>", recurrence="FREQ=WEEKLY;COUNT=3")
    response = client.get("/api/v1/events/feed.ics", {"territory": "commune:62498"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    vevents = [c for c in calendar.walk("VEVENT") if str(c["uid"]).startswith("seance-")]
    mine = [v for v in vevents if str(v["summary"]) == event.title]
    assert len(mine) == 3
    assert mine[0]["dtstart"].dt.tzinfo is not None
    assert mine[0]["dtstart"].dt.astimezone(PARIS).hour == 14
    assert str(mine[0]["url"]).endswith(f"/agenda/evenements/{event.pk}/")
    assert client.get("/api/v1/events/feed.ics", {"theme": "nope"}).status_code == 400


def test_registrations_of_a_pending_event_are_refused(make_event):
    event = make_event(status="pending", registration=True)
    with pytest.raises(services.RegistrationError, match="pas ouverte"):
        services.register(event.occurrences.get(), "a@example.org")
    assert not Registration.objects.exists()


def test_an_event_written_in_the_admin_is_checked_attached_and_expanded(admin_client):
    from tests.contributions.test_admin import admin_form_data

    data = admin_form_data(Event, None)
    start = at(3)
    data.update(
        title="Permanence numérique", format="permanence", status="published",
        starts_at_0=start.strftime("%d/%m/%Y"), starts_at_1="14:00:00",
        ends_at_0=start.strftime("%d/%m/%Y"), ends_at_1="16:00:00",
        recurrence="FREQ=WEEKLY;COUNT=4", attendance="sur-place",
        location='{"type": "Point", "coordinates": [2.8319, 50.4329]}', _save="Enregistrer",
        **{f"occurrences-{n}_FORMS": "0" for n in ("TOTAL", "INITIAL", "MIN_NUM", "MAX_NUM")},
    )  # fmt: skip
    for name in ("starts_at", "ends_at"):
        data.pop(name, None)
    bad = admin_client.post("/admin/agenda/event/add/", {**data, "recurrence": "FREQ=HOURLY"})
    assert bad.status_code == 200 and "fréquence trop courte" in bad.content.decode()
    response = admin_client.post("/admin/agenda/event/add/", data)
    errors = getattr(response, "context", None) and response.context["adminform"].form.errors
    assert response.status_code == 302, errors
    event = Event.objects.get(title="Permanence numérique")
    assert "commune:62498" in event.territory_codes
    assert event.occurrences.count() == 4
    assert event.history.get().history_change_reason == "création dans l’administration"
    assert admin_client.get(f"/admin/agenda/event/{event.pk}/change/").status_code == 200
    assert admin_client.get("/admin/agenda/registration/").status_code == 200


def test_the_agenda_page_windows_today_the_week_the_month_and_two_dates(client, make_event):
    # All of today (it began at midnight and is still on): shown whatever the hour.
    tonight = make_event(
        title="Ce soir", starts_at=at(0, 0), ends_at=at(0, 23) + timedelta(minutes=59)
    )
    in_five = make_event(
        title="Dans cinq jours", starts_at=at(5), ends_at=at(5) + timedelta(hours=2)
    )
    in_twenty = make_event(
        title="Dans vingt jours", starts_at=at(20), ends_at=at(20) + timedelta(hours=2)
    )

    def titles(**query) -> set[str]:
        page = client.get("/agenda/", query)
        assert page.status_code == 200
        shown = {row.event.title for row in page.context["rows"]}
        return shown & {tonight.title, in_five.title, in_twenty.title}

    assert titles(periode="aujourdhui") == {"Ce soir"}
    assert titles(periode="semaine") == {"Ce soir", "Dans cinq jours"}
    assert titles(periode="mois") == {"Ce soir", "Dans cinq jours", "Dans vingt jours"}
    day = timezone.localdate()
    window = {
        "periode": "dates",
        "du": str(day + timedelta(days=4)),
        "au": str(day + timedelta(days=20)),
    }
    assert titles(**window) == {"Dans cinq jours", "Dans vingt jours"}
    assert 'value="dates" selected' in client.get("/agenda/", window).content.decode()


@pytest.mark.parametrize(
    ("du", "au", "field", "message"),
    [
        ("2026-02-30", "2026-03-02", "du", "« 2026-02-30 » n'est pas une date"),
        ("2026-03-10", "2026-03-02", "au", "précède le début"),
        ("2026-01-01", "2027-06-01", "au", "366 jours au plus"),
        ("", "2026-03-02", "du", "date attendue"),
    ],
)
def test_a_bad_window_is_named_and_shows_nothing(client, make_event, du, au, field, message):
    make_event(title="Bientôt")
    page = client.get("/agenda/", {"periode": "dates", "du": du, "au": au})
    assert page.status_code == 200 and page.context["rows"] == []
    assert message in " ".join(page.context["problems"][field])
    assert message in page.content.decode().replace("&#x27;", "'")
