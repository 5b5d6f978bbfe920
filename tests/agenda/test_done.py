"""The issue's « done means », end to end through the pages: a centre social publishes a
recurring peer-training session; a visitor finds it on /agenda/ near Lens, registers and
takes the calendar file; after the session the organiser marks attendance, the trainer's
account is credited and the attendee's debited, and the ledger's invariants hold."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core import mail
from icalendar import Calendar

from carto.agenda.credits import services as ledger
from carto.agenda.credits.models import Account, Exchange
from carto.agenda.models import Occurrence, Registration

pytestmark = pytest.mark.django_db


@pytest.fixture
def exchange():
    exchange = Exchange.objects.create(
        name="KAT Béthune-Bruay", slug="kat-bethune", teaching_rate=Decimal("2"),
        attendance_rate=Decimal("1"), volunteering_rate=Decimal("1"),
    )  # fmt: skip
    return exchange


def test_a_peer_session_from_publication_to_credits(
    client, make_event, exchange, django_capture_on_commit_callbacks
):
    organiser = User.objects.create_user("centre-social", password="x")
    trainer = Account.objects.create(exchange=exchange, kind="participant", pseudonym="Samia R.")
    visitor = User.objects.create_user("visiteuse", password="x")
    attendee = Account.objects.create(
        exchange=exchange, kind="participant", holder=visitor, pseudonym="Louise"
    )
    referent = User.objects.create_user("referent-kat")
    exchange.referents.add(referent)
    ledger.earn_for_volunteering(attendee, 3, key="benevolat-1", validated_by=referent)

    event = make_event(
        title="Formation entre pairs : démarches en ligne", recurrence="FREQ=WEEKLY;COUNT=6",
        registration=True, capacity=8, owner=organiser, exchange=exchange, trainer_account=trainer,
    )  # fmt: skip
    assert event.occurrences.count() == 6

    # The visitor finds it this week, near Lens.
    page = client.get("/agenda/", {"lieu": "Lens"}).content.decode()
    assert "Formation entre pairs : démarches en ligne" in page
    assert "Autour de Lens" in page
    session = event.occurrences.order_by("starts_at").first()

    # Registers (logged in: her credit account pays) and adds it to her calendar.
    client.force_login(visitor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/agenda/seances/{session.pk}/inscription", {"email": "louise@example.org", "name": "Louise"}
        )  # fmt: skip
    assert response.status_code == 302
    registration = Registration.objects.get(occurrence=session)
    assert (registration.state, registration.user) == ("confirmed", visitor)
    assert "Inscription confirmée" in client.get(response["Location"]).content.decode()
    calendar = Calendar.from_ical(client.get(f"/agenda/seances/{session.pk}.ics").content)
    assert [str(v["summary"]) for v in calendar.walk("VEVENT")] == [event.title]
    assert mail.outbox[-1].to == ["louise@example.org"]

    # The session takes place (time passes).
    Occurrence.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - timedelta(days=3), ends_at=session.ends_at - timedelta(days=3)
    )
    # Only the organiser (or a référent) sees the list and marks attendance.
    client.force_login(visitor)
    assert client.get(f"/agenda/seances/{session.pk}/participants/").status_code == 403
    client.force_login(organiser)
    listing = client.get(f"/agenda/seances/{session.pk}/participants/")
    assert "Louise" in listing.content.decode()
    response = client.post(
        f"/agenda/seances/{session.pk}/participants/", {f"present_{registration.pk}": "on"}
    )
    assert response.status_code == 302
    trainer.refresh_from_db()
    attendee.refresh_from_db()
    assert trainer.balance == Decimal("4.00")  # 2 h taught × 2
    assert attendee.balance == Decimal("1.00")  # 3 earned − 2 h attended × 1
    assert ledger.check_invariants(exchange) == []

    # Marking again pays nothing twice; marking her absent afterwards pays her back.
    client.post(f"/agenda/seances/{session.pk}/participants/", {f"present_{registration.pk}": "on"})
    attendee.refresh_from_db()
    assert attendee.balance == Decimal("1.00")
    client.post(f"/agenda/seances/{session.pk}/participants/", {})
    attendee.refresh_from_db()
    trainer.refresh_from_db()
    assert attendee.balance == Decimal("3.00")
    assert trainer.balance == Decimal("4.00")  # the session was given all the same
    assert ledger.check_invariants(exchange) == []
    # Present again after all: a new payment is due (the first one was reversed).
    client.post(f"/agenda/seances/{session.pk}/participants/", {f"present_{registration.pk}": "on"})
    attendee.refresh_from_db()
    assert attendee.balance == Decimal("1.00")
    assert ledger.check_invariants(exchange) == []


def test_a_participant_short_of_credits_is_named_and_nothing_is_lost(make_event, exchange):
    from carto.agenda import services

    person = User.objects.create_user("sans-credit")
    account = Account.objects.create(
        exchange=exchange, kind="participant", holder=person, pseudonym="P"
    )
    event = make_event(registration=True, exchange=exchange)
    session = event.occurrences.get()
    registration = services.register(session, "p@example.org", "Paul", user=person).registration
    Occurrence.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - timedelta(days=3), ends_at=session.ends_at - timedelta(days=3)
    )
    session.refresh_from_db()
    services.mark_attendance(session, [registration.pk])
    summary = services.settle_credits(session)
    assert "Paul (crédits insuffisants)" in summary
    account.refresh_from_db()
    assert account.balance == Decimal("0.00")
    assert ledger.check_invariants(exchange) == []


def test_a_participant_is_erased_on_request_and_the_totals_stay_true(make_event, exchange):
    import io

    from django.core.management import call_command

    from carto.agenda import services

    person = User.objects.create_user("louise")
    account = Account.objects.create(
        exchange=exchange, kind="participant", holder=person, pseudonym="Louise D."
    )
    referent = User.objects.create_user("ref")
    exchange.referents.add(referent)
    ledger.earn_for_volunteering(account, 2, key="b-1", validated_by=referent)
    session = make_event(registration=True, capacity=3).occurrences.get()
    services.register(session, "louise@example.org", "Louise", user=person)
    output = io.StringIO()
    call_command("erase_participant", email="louise@example.org", username="louise", stdout=output)
    assert "Inscriptions effacées : 1 ; comptes de crédits anonymisés : 1" in output.getvalue()
    registration = session.registrations.get()
    assert (registration.name, registration.user) == ("", None)
    assert registration.email.endswith("@efface.invalid")
    assert registration.state == "confirmed"  # the place stays counted
    account.refresh_from_db()
    assert (account.pseudonym, account.holder, account.balance) == (
        "Compte effacé", None, Decimal("2.00"),
    )  # fmt: skip
    assert ledger.check_invariants(exchange) == []
