"""An event goes through the same proposal and moderation flow as actors and initiatives:
proposed as pending (nowhere in public), followed by its proposer, decided by a référent
of its territories, then listed in the agenda."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from carto.agenda.models import Event
from carto.contributions.models import Proposal, Referent

pytestmark = pytest.mark.django_db


def form_data(**changes):
    day = timezone.localdate() + timedelta(days=3)
    data = {
        "title": "Atelier « Mes démarches en ligne »",
        "organizer_name": "Centre social Vachette",
        "format": "formation",
        "level": "decouverte",
        "themes": ["numerique"],
        "publics": ["tous-publics"],
        "description": "Entre pairs, avec l’habitant-relais numérique.",
        "day": day.isoformat(),
        "start": "14:00",
        "end": "16:00",
        "repeat": "weekly",
        "until": (day + timedelta(days=21)).isoformat(),
        "attendance": "sur-place",
        "place_name": "Centre social",
        "city": "Lens (62)",
        "capacity": "10",
        "registration": "on",
        "proposer_email": "organisatrice@example.org",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def referent62():
    user = User.objects.create_user("ref62", email="ref62@example.org")
    Referent.objects.create(user=user, territories=["departement:62"])
    return user


def test_the_form_page_answers(client):
    page = client.get("/agenda/proposer/")
    assert page.status_code == 200
    assert 'data-form="evenement"' in page.content.decode()


def test_a_proposed_event_waits_for_a_referent_then_is_listed(client, referent62):
    response = client.post("/agenda/proposer/", form_data())
    assert response.status_code == 302, response.context["form"].errors
    assert "/proposer/suivi/" in response["Location"]
    event = Event.objects.get(title="Atelier « Mes démarches en ligne »")
    assert (event.status, event.source) == ("pending", "contribution")
    assert event.occurrences.count() == 4  # the first day and three weeks after
    assert "commune:62498" in event.territory_codes  # placed at Lens's town hall
    proposal = Proposal.objects.get(event=event)
    assert proposal.kind == "new" and "departement:62" in proposal.territory_codes
    assert proposal.proposer_email == "organisatrice@example.org"
    # Nowhere in public while pending.
    assert client.get(f"/api/v1/events/{event.pk}/").status_code == 404
    listed = client.get("/api/v1/events/", {"event": event.pk}).json()
    assert listed["features"] == []
    # The proposer follows it; the référent of the Pas-de-Calais hears of it.
    follow = client.get(response["Location"])
    assert "événement" in follow.content.decode()
    assert {m.to[0] for m in mail.outbox} == {"organisatrice@example.org", "ref62@example.org"}

    client.force_login(referent62)
    detail = client.get(f"/moderation/proposition/{proposal.pk}/")
    assert detail.status_code == 200
    assert "Atelier « Mes démarches en ligne »" in detail.content.decode()
    assert client.get(f"/moderation/proposition/{proposal.pk}/modifier/").status_code == 404
    queue = client.get("/api/v1/moderation/proposals/").json()
    [item] = [p for p in queue["results"] if p["id"] == proposal.pk]
    assert item["entry"]["type"] == "event"
    decided = client.post(
        f"/moderation/proposition/{proposal.pk}/publier/", {"version": event.version}
    )
    assert decided.status_code == 302
    event.refresh_from_db()
    assert event.status == "published" and event.version == 2
    assert event.occurrences.count() == 4
    sessions = client.get("/api/v1/events/", {"event": event.pk}).json()["features"]
    assert len(sessions) == 4
    assert json.loads(client.get(f"/api/v1/events/{event.pk}/").content)["id"] == event.pk


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"end": "13:00"}, "end", "la fin doit suivre le début"),
        ({"until": None}, "until", "jusqu’à quand"),
        ({"rule": "FREQ=HOURLY"}, "rule", "fréquence trop courte"),
        ({"city": "", "position": None}, "position", "placez le lieu"),
        ({"attendance": "en-ligne", "online_url": ""}, "online_url", "lien de visio"),
        ({"organizer_name": ""}, "organizer_name", "obligatoire"),
    ],
)
def test_a_bad_proposal_names_the_field_and_writes_nothing(client, changes, field, message):
    response = client.post("/agenda/proposer/", form_data(**changes))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors and message in " ".join(errors[field]), errors
    assert not Event.objects.filter(source="contribution").exists()
    assert not Proposal.objects.filter(event__isnull=False).exists()


def test_an_online_event_needs_no_place(client):
    response = client.post(
        "/agenda/proposer/",
        form_data(attendance="en-ligne", city="", online_url="https://visio.example.org/a", repeat="", until=None),
    )  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    event = Event.objects.get(source="contribution")
    assert event.location is None and event.occurrences.count() == 1
