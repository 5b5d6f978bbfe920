"""Registering for a session: capacity, waiting list, cancellation, mails with a calendar
file, reminders, and capacity held under simultaneous registrations."""

import io
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.core import mail
from icalendar import Calendar

from carto.agenda import services
from carto.agenda.models import Event, Occurrence, Registration
from tests.helpers import in_own_connection, together

from .conftest import LENS, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(make_event):
    event = make_event(registration=True, capacity=2)
    return event.occurrences.get()


def states(occurrence):
    return list(occurrence.registrations.order_by("created_at", "id").values_list("email", "state"))


def test_the_third_person_waits_and_moves_up_when_a_place_frees(
    session, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = services.register(session, "A@example.org", "Ana")
        services.register(session, "b@example.org")
        services.register(session, "c@example.org")
    assert states(session) == [
        ("a@example.org", "confirmed"), ("b@example.org", "confirmed"), ("c@example.org", "waiting"),
    ]  # fmt: skip
    confirmation = mail.outbox[0]
    assert confirmation.to == ["a@example.org"] and "confirmée" in confirmation.subject
    name, content, mimetype = confirmation.attachments[0]
    assert (name, mimetype) == ("seance.ics", "text/calendar")
    vevent = Calendar.from_ical(content).walk("VEVENT")[0]
    assert str(vevent["uid"]).startswith(f"seance-{session.pk}@")
    assert "/agenda/inscriptions/" in confirmation.body  # the cancellation link
    assert "liste d'attente" in mail.outbox[2].body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.cancel(services.registration_by_token(a.token))
    assert moved.email == "c@example.org"
    assert states(session)[2] == ("c@example.org", "confirmed")
    assert [m.to for m in mail.outbox] == [["c@example.org"]]
    assert mail.outbox[0].attachments  # now confirmed: the calendar file comes along
    assert services.cancel(a.registration) is None  # twice: nothing more happens


def test_one_address_registers_once_a_session(session):
    services.register(session, "a@example.org")
    with pytest.raises(services.RegistrationError, match="déjà inscrite"):
        services.register(session, " A@Example.org ")


def test_a_free_entry_event_takes_no_registration(make_event):
    occurrence = make_event(registration=False).occurrences.get()
    with pytest.raises(services.RegistrationError, match="sans inscription"):
        services.register(occurrence, "a@example.org")


def test_reminders_go_once_to_the_confirmed_of_sessions_starting_soon(
    session, make_event, settings
):
    settings.CARTO_AGENDA_REMINDER_HOURS = 72  # the session is in two days
    services.register(session, "a@example.org")
    services.register(session, "b@example.org")
    waiting = services.register(session, "c@example.org").registration
    later = make_event(registration=True, starts_at=session.starts_at + timedelta(days=40),
                       ends_at=session.ends_at + timedelta(days=40)).occurrences.get()  # fmt: skip
    services.register(later, "d@example.org")
    mail.outbox.clear()
    assert services.send_reminders() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]
    assert "Rappel" in mail.outbox[0].subject
    assert services.send_reminders() == 0
    waiting.refresh_from_db()
    assert waiting.reminded_at is None


def test_the_registration_page_cancels_and_offers_the_calendar_file(client, session):
    registered = services.register(session, "a@example.org", "Ana")
    page = client.get(f"/agenda/inscriptions/{registered.token}/")
    assert page.status_code == 200
    assert "Inscription confirmée" in page.content.decode()
    assert f"/agenda/seances/{session.pk}.ics" in page.content.decode()
    ics = client.get(f"/agenda/seances/{session.pk}.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    response = client.post(f"/agenda/inscriptions/{registered.token}/")
    assert response.status_code == 302
    assert Registration.objects.get(pk=registered.registration.pk).state == "cancelled"
    assert client.get("/agenda/inscriptions/not-a-token/").status_code == 404


def test_simultaneous_registrations_never_overbook(make_event):
    """Eight people take the three places of a session at the same instant, each on their
    own connection: three are confirmed, five wait, in the order the lock served them."""

    def create():
        event = services.save_event(Event(
            title="Concurrence", format="atelier", starts_at=at(3), ends_at=at(3) + timedelta(hours=1),
            location=Point(*LENS, srid=4326), status="published", registration=True, capacity=3,
            source="test-concurrency",
        ))  # fmt: skip
        return event.occurrences.get().pk

    occurrence_pk = in_own_connection(create)

    def take(n):
        registered = services.register(Occurrence(pk=occurrence_pk), f"p{n}@example.org")
        return registered.registration.state

    try:
        outcomes = together(take, list(range(8)), refused=services.RegistrationError)
        assert sorted(state for _kind, state in outcomes) == ["confirmed"] * 3 + ["waiting"] * 5
        rows = in_own_connection(lambda: list(Registration.objects.filter(occurrence_id=occurrence_pk)
                                       .order_by("created_at", "id").values_list("state", flat=True)))  # fmt: skip
        assert rows == ["confirmed"] * 3 + ["waiting"] * 5
    finally:

        def clean():
            Registration.objects.filter(occurrence_id=occurrence_pk).delete()
            Event.objects.filter(source="test-concurrency").delete()

        in_own_connection(clean)


def test_the_worker_runs_the_reminders_and_the_horizon_periodically(session, settings):
    from django.core.management import call_command
    from procrastinate.contrib.django import app

    periodic = {name for name, _id in app.periodic_registry.periodic_tasks}
    assert periodic == {"agenda.send_reminders", "agenda.extend_horizon"}
    settings.CARTO_AGENDA_REMINDER_HOURS = 72
    services.register(session, "a@example.org")
    mail.outbox.clear()
    output = io.StringIO()
    call_command("agenda_jobs", stdout=output)
    assert "rappels envoyés : 1" in output.getvalue()
    assert [m.to for m in mail.outbox] == [["a@example.org"]]
