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
from carto.calendar import PARIS
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
    assert client.get(f"/moderation/proposition/{proposal.pk}/modifier/").status_code == 200
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


def propose(client, **changes) -> tuple[Event, Proposal, str]:
    response = client.post("/agenda/proposer/", form_data(**changes))
    assert response.status_code == 302, response.context["form"].errors
    event = Event.objects.get(source="contribution")
    return event, Proposal.objects.get(event=event), response["Location"]


def paris_hours(event) -> list[tuple[int, int]]:
    return [
        (s.starts_at.astimezone(PARIS).hour, s.ends_at.astimezone(PARIS).hour)
        for s in event.occurrences.order_by("starts_at")
    ]


def test_the_proposer_amends_a_pending_event_on_the_follow_page(client):
    event, proposal, follow = propose(client)
    page = client.get(follow)
    html = page.content.decode()
    assert 'data-form="evenement"' in html and "Enregistrer les modifications" in html
    form = page.context["form"]
    assert form["title"].value() == "Atelier « Mes démarches en ligne »"
    assert form["start"].value().hour == 14 and form["rule"].value() == event.recurrence
    first_day = event.starts_at.astimezone(PARIS).date().isoformat()
    assert f'type="date" name="day" value="{first_day}"' in html  # as the date input reads it
    day = timezone.localdate() + timedelta(days=3)
    amended = form_data(
        title="Atelier « Démarches en ligne » (deuxième version)", start="09:00", end="11:30",
        repeat="", until=None, rule="FREQ=WEEKLY;COUNT=2", position="50.43, 2.83",
        city="", edit_version=str(event.version), day=day.isoformat(),
    )  # fmt: skip
    response = client.post(follow, amended)
    assert response.status_code == 302, response.context["form"].errors
    event.refresh_from_db()
    assert event.title == "Atelier « Démarches en ligne » (deuxième version)"
    assert event.version == 2 and event.status == "pending"
    assert paris_hours(event) == [(9, 11), (9, 11)]  # the sessions follow the new rule
    assert "commune:62498" in event.territory_codes
    proposal.refresh_from_db()
    assert proposal.state == "pending" and "departement:62" in proposal.territory_codes
    assert event.history.first().history_change_reason == "modification par le proposant"


def test_an_amendment_the_checks_refuse_changes_nothing(client):
    event, _proposal, follow = propose(client)
    base = form_data(edit_version=str(event.version))
    for changes, field, message in [
        ({"end": "13:00"}, "end", "la fin doit suivre le début"),
        ({"rule": "FREQ=WEEKLY;INTERVAL=0"}, "rule", "INTERVAL doit valoir au moins 1"),
        ({"attendance": "hybride", "online_url": ""}, "online_url", "lien de visio"),
    ]:
        response = client.post(follow, {**base, **changes})
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert field in errors and message in " ".join(errors[field]), errors
    event.refresh_from_db()
    assert event.version == 1 and event.title == "Atelier « Mes démarches en ligne »"
    # A stale version (changed meanwhile) is a conflict, said on the form.
    stale = client.post(follow, {**base, "edit_version": "7", "title": "Autre"})
    assert stale.status_code == 200 and stale.context["form"].non_field_errors()


def test_a_decided_event_is_no_longer_amended(client, referent62):
    event, proposal, follow = propose(client)
    client.force_login(referent62)
    client.post(f"/moderation/proposition/{proposal.pk}/publier/", {"version": event.version})
    client.logout()
    page = client.get(follow)
    assert "Enregistrer les modifications" not in page.content.decode()
    response = client.post(follow, form_data(title="Trop tard", edit_version="2"), follow=True)
    assert "ne se modifie plus" in response.content.decode()
    event.refresh_from_db()
    assert event.title == "Atelier « Mes démarches en ligne »"


def edit_data(event, **changes) -> dict:
    """The moderation edit form as the page fills it, with `changes`."""
    from carto.agenda.moderation import EventEditForm

    form = EventEditForm(instance=event, initial={"version": event.version})
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if name in ("starts_at", "ends_at"):
            value = value.astimezone(PARIS).strftime("%Y-%m-%dT%H:%M")
        data[name] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_referent_edits_a_pending_event_before_publishing(client, referent62):
    event, proposal, _follow = propose(client)
    client.force_login(referent62)
    url = f"/moderation/proposition/{proposal.pk}/modifier/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'type="datetime-local"' in page.content.decode()
    first = event.starts_at.astimezone(PARIS)
    starts = first.replace(hour=18).strftime("%Y-%m-%dT%H:%M")
    ends = first.replace(hour=20).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, edit_data(
        event, title="Atelier du soir", starts_at=starts, ends_at=ends,
        recurrence="FREQ=WEEKLY;COUNT=3", capacity="12",
    ))  # fmt: skip
    assert response.status_code == 302, response.context["form"].errors
    event.refresh_from_db()
    assert (event.title, event.capacity, event.version) == ("Atelier du soir", 12, 2)
    assert paris_hours(event) == [(18, 20)] * 3
    assert event.status == "pending"  # edited, not yet published
    history = event.history.first()
    assert (
        history.history_user == referent62 and "avant publication" in history.history_change_reason
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"recurrence": "FREQ=HOURLY"}, "recurrence", "fréquence trop courte"),
        ({"attendance": "en-ligne", "online_url": ""}, "online_url", "lien de visio"),
        ({"capacity": "0"}, "capacity", "au moins une place"),
        ({"lat": ""}, None, "la latitude et la longitude"),
    ],
)
def test_a_moderators_edit_the_checks_refuse_names_the_field(
    client, referent62, changes, field, message
):
    event, proposal, _follow = propose(client)
    client.force_login(referent62)
    url = f"/moderation/proposition/{proposal.pk}/modifier/"
    data = edit_data(event, **changes)
    if field == "online_url":
        data.pop("online_url", None)
    response = client.post(url, data)
    assert response.status_code == 400
    form = response.context["form"]
    errors = form.errors.get(field or "__all__", [])
    assert message in " ".join(errors), form.errors
    event.refresh_from_db()
    assert event.version == 1
