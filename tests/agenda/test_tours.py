"""A tour planned on /planifier/ published in the agenda: one pending event per stop, one
series, each through the proposal and moderation flow of /agenda/proposer/."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from carto.agenda.models import Event
from carto.calendar import PARIS
from carto.contributions.models import Proposal, Referent

pytestmark = pytest.mark.django_db
URL = "/agenda/tournee/"
ARRAS = {"label": "Médiathèque d’Arras", "lon": 2.777189, "lat": 50.291002}
BETHUNE = {"label": "Salle des fêtes", "address": "Place Clemenceau, Béthune",
           "lon": 2.6355, "lat": 50.5303}  # fmt: skip


def day(offset: int):
    return timezone.localdate() + timedelta(days=offset)


def paris(when, hour: int, minute: int = 0) -> datetime:
    return datetime(when.year, when.month, when.day, hour, minute, tzinfo=PARIS)


def planned(lens_actor, changes=None):
    """The planner's answer for three stops, as its page sends it; the times written three
    ways (the API's Paris offset, UTC, and « HH:MM » on the stop's date)."""
    first, second = day(10), day(11)
    in_utc = paris(first, 14).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    stops = [
        {"id": lens_actor.pk, "label": lens_actor.name, "address": "",
         "lon": 0.0, "lat": 0.0,  # the directory's place is used, not the browser's
         "date": first.isoformat(), "start": paris(first, 9, 30).isoformat(),
         "end": paris(first, 11, 30).isoformat()},
        {"id": "etape-2", **ARRAS, "date": first.isoformat(), "start": in_utc,
         "end": paris(first, 16).isoformat()},
        {"id": "etape-3", **BETHUNE, "date": second.isoformat(), "start": "10:00", "end": "12:00"},
    ]  # fmt: skip
    for index, change in (changes or {}).items():
        stops[index].update(change)
    return json.dumps({"name": "Tournée — Pas-de-Calais", "stops": stops})


def publication(tour, **changes):
    data = {
        "step": "publish",
        "tour": tour,
        "title": "Bus numérique : vos démarches en ligne",
        "themes": ["numerique"],
        "publics": ["tous-publics"],
        "description": "Un conseiller numérique vous aide avec vos démarches.",
        "organizer_name": "Pimms Médiation Lens",
        "capacity": "8",
        "registration": "on",
        "proposer_email": "tournee@example.org",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def referent62():
    user = User.objects.create_user("ref62", email="ref62@example.org")
    Referent.objects.create(user=user, territories=["departement:62"])
    return user


def test_the_planner_arrives_on_the_form_with_its_stops(client, lens_actor):
    page = client.post(URL, {"tour": planned(lens_actor)})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-form="tournee"' in html and 'name="step" value="publish"' in html
    assert "Médiathèque d’Arras" in html and "Place Clemenceau, Béthune" in html
    assert "Proposer les 3 étapes" in html
    # The host place of the directory may be chosen as the organiser.
    assert f'<option value="{lens_actor.pk}">' in html
    assert not Event.objects.filter(format="etape", source="contribution").exists()


def test_without_a_tour_the_page_says_where_to_plan_it(client):
    page = client.get(URL)
    assert page.status_code == 200
    assert "/planifier/" in page.content.decode()


def test_publishing_a_tour_proposes_one_pending_event_per_stop(client, lens_actor, referent62):
    response = client.post(URL, publication(planned(lens_actor)))
    assert response.status_code == 302, response.context["form"].errors
    assert response["Location"] == "/agenda/tournee/merci/"
    events = list(Event.objects.filter(source="contribution").order_by("starts_at"))
    assert len(events) == 3
    assert {e.status for e in events} == {"pending"} and {e.format for e in events} == {"etape"}
    [series] = {e.series for e in events}
    assert series.startswith("tournee-")
    # Dates and hours in Paris time, whatever offset the browser wrote.
    first, second = day(10), day(11)
    assert [(e.starts_at, e.ends_at) for e in events] == [
        (paris(first, 9, 30), paris(first, 11, 30)),
        (paris(first, 14), paris(first, 16)),
        (paris(second, 10), paris(second, 12)),
    ]
    # Placed where the directory says (not at 0, 0), attached to territories at write time.
    lens, arras, bethune = events
    assert lens.venue == lens_actor and lens.location == lens_actor.location
    assert lens.place_name == lens_actor.name and "commune:62498" in lens.territory_codes
    assert "commune:62041" in arras.territory_codes and arras.place_name == "Médiathèque d’Arras"
    assert "commune:62119" in bethune.territory_codes
    assert bethune.address == "Place Clemenceau, Béthune"
    assert all(e.occurrences.count() == 1 for e in events)
    assert {(e.title, e.capacity, e.registration, e.organizer_name) for e in events} == {
        ("Bus numérique : vos démarches en ligne", 8, True, "Pimms Médiation Lens")
    }
    # Each stop has its proposal for the référents; one mail gives the proposer every
    # follow link, one tells the référent of the three stops (not a mail per stop).
    proposals = Proposal.objects.filter(event__in=events)
    assert proposals.count() == 3
    assert all(p.kind == "new" and "departement:62" in p.territory_codes for p in proposals)
    assert {p.proposer_email for p in proposals} == {"tournee@example.org"}
    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert len(mail.outbox) == 2 and set(by_recipient) == {
        "ref62@example.org",
        "tournee@example.org",
    }
    to_proposer = by_recipient["tournee@example.org"].body
    assert to_proposer.count("/proposer/suivi/") == 3 and "Médiathèque d’Arras" in to_proposer
    assert "(3 étapes)" in by_recipient["tournee@example.org"].subject
    to_referent = by_recipient["ref62@example.org"]
    assert to_referent.subject.startswith("À modérer : 3 étape(s)")
    assert "Place Clemenceau, Béthune" in to_referent.body and "/moderation/" in to_referent.body
    assert "/proposer/suivi/" not in to_referent.body  # the proposer's secrets stay theirs

    # The thank-you page lists the stops with their follow links.
    thanks = client.get(response["Location"])
    html = thanks.content.decode()
    assert html.count("/proposer/suivi/") == 3 and "Médiathèque d’Arras" in html
    follow = html.split('href="/proposer/suivi/')[1].split('"')[0]
    assert client.get(f"/proposer/suivi/{follow}").status_code == 200

    # Nothing public before moderation.
    for event in events:
        assert client.get(f"/agenda/evenements/{event.pk}/").status_code == 404
        assert client.get(f"/api/v1/events/{event.pk}/").status_code == 404

    # A référent publishes two stops: each page lists the other, not the pending one.
    client.force_login(referent62)
    for event in (lens, bethune):
        proposal = Proposal.objects.get(event=event)
        decided = client.post(
            f"/moderation/proposition/{proposal.pk}/publier/", {"version": event.version}
        )
        assert decided.status_code == 302
    client.logout()
    page = client.get(f"/agenda/evenements/{lens.pk}/").content.decode()
    assert "Autres étapes de la tournée" in page
    assert f"/agenda/evenements/{bethune.pk}/" in page
    assert f"/agenda/evenements/{arras.pk}/" not in page


def test_an_event_without_series_shows_no_other_stops(client, make_event):
    event = make_event()
    make_event(title="Autre", series="")
    page = client.get(f"/agenda/evenements/{event.pk}/").content.decode()
    assert "Autres étapes de la tournée" not in page


@pytest.mark.parametrize(
    ("stop", "change", "message"),
    [
        (1, {"lat": 95.0}, "étape 2 « Médiathèque d’Arras », latitude : latitude invalide"),
        (1, {"lon": -30.0, "lat": 40.0}, "étape 2 « Médiathèque d’Arras », latitude : ce point est hors de France"),
        (2, {"end": None}, "étape 3 « Salle des fêtes », fin : heure attendue"),
        (1, {"end": "2020-01-01T10:00:00+01:00", "start": "2020-01-01T11:00:00+01:00", "date": None},
         "étape 2 « Médiathèque d’Arras », fin : la fin (10:00) doit suivre le début (11:00)"),
        (1, {"start": "2020-01-01T09:00:00+01:00", "end": "2020-01-01T10:00:00+01:00", "date": None},
         "étape 2 « Médiathèque d’Arras », début : le 01/01/2020 à 09:00 est passé"),
        (0, {"id": "x", "lon": 2.8, "lat": 50.4, "label": ""}, "étape 1, nom du lieu : indiquez le nom du lieu"),
    ],
)  # fmt: skip
def test_a_bad_stop_is_named_and_nothing_is_written(client, lens_actor, stop, change, message):
    response = client.post(URL, publication(planned(lens_actor, {stop: change})))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors["tour"]), errors
    html = response.content.decode()
    assert message in html
    # Nothing lost: what was typed is shown again.
    assert "Bus numérique : vos démarches en ligne" in html
    assert not Event.objects.filter(source="contribution").exists()
    assert not Proposal.objects.filter(event__isnull=False).exists()
    assert mail.outbox == []


def test_too_many_stops_are_refused(client, lens_actor):
    stops = json.loads(planned(lens_actor))["stops"][1:2] * 31
    response = client.post(URL, publication(json.dumps({"stops": stops})))
    assert "31 étapes : au plus 30" in " ".join(response.context["form"].errors["tour"])
    assert not Event.objects.filter(source="contribution").exists()


def test_the_organiser_is_a_stop_of_the_directory_or_a_name(client, lens_actor):
    missing = client.post(URL, publication(planned(lens_actor), organizer_name=""))
    assert "indiquez la structure organisatrice" in " ".join(
        missing.context["form"].errors["organizer_name"]
    )
    assert not Event.objects.filter(source="contribution").exists()
    chosen = client.post(
        URL, publication(planned(lens_actor), organizer_name="", organizer=str(lens_actor.pk))
    )
    assert chosen.status_code == 302, chosen.context["form"].errors
    assert {e.organizer_id for e in Event.objects.filter(source="contribution")} == {lens_actor.pk}


def test_the_honeypot_writes_nothing(client, lens_actor):
    response = client.post(URL, publication(planned(lens_actor), reference_dossier="x"))
    assert response.status_code == 302 and response["Location"] == "/proposer/merci/"
    assert not Event.objects.filter(source="contribution").exists()


def test_the_planner_offers_to_publish_its_tour(client):
    html = client.get("/planifier/").content.decode()
    assert 'action="/agenda/tournee/"' in html and "data-publish-form" in html
    assert "Publier cette tournée dans l’agenda" in html
