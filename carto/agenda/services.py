"""Use cases of the agenda: writing an event (territory codes and sessions computed once),
registering for a session and cancelling, reminders.

Design choices:
- `save_event` validates, attaches the territory codes and expands the sessions in one
  transaction: an event is never listed without its sessions.
- `register` and `cancel` lock the session's row (SELECT … FOR UPDATE) before counting its
  confirmed places: two people taking the last place at the same instant are served one
  after the other, the second goes on the waiting list; a cancellation moves the first of
  the waiting list up, under the same lock. Mails leave once the transaction committed.
- A mail that cannot leave is logged; the registration stands (the page shows it, with
  its calendar file and its cancellation link).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from carto.agenda.credits import services as ledger
from carto.agenda.credits.models import Transaction
from carto.contributions.models import new_token, token_hash
from carto.contributions.notifications import site_url
from carto.territories.services import locate

from . import ics, recurrence
from .models import Attendance, Event, Occurrence, Registration

logger = logging.getLogger(__name__)


class RegistrationError(Exception):
    """A registration that cannot be taken; the message is French, for the visitor."""


def horizon() -> datetime:
    """How far ahead recurrences are expanded."""
    return timezone.now() + timedelta(days=settings.CARTO_AGENDA_HORIZON_DAYS)


# -- writing an event ---------------------------------------------------------------------


def check_event(event: Event) -> None:
    """ValidationError naming each field at fault (beyond the model's own checks)."""
    problems: dict[str, list[str]] = {}
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        problems["ends_at"] = ["la fin doit suivre le début"]
    elif event.ends_at and event.starts_at and event.duration > timedelta(days=31):
        problems["ends_at"] = ["une séance dure au plus 31 jours (une série : la récurrence)"]
    if event.attendance in (Attendance.ONLINE, Attendance.HYBRID) and not event.online_url:
        problems["online_url"] = ["un lien de visio est attendu pour un événement en ligne"]
    if event.attendance in (Attendance.ON_SITE, Attendance.HYBRID) and (
        event.location is None and (event.venue is None or event.venue.location is None)
    ):
        problems["location"] = ["un lieu est attendu : un acteur de l'annuaire ou une adresse"]
    if event.recurrence:
        try:
            event.recurrence = recurrence.normalize(event.recurrence)
            recurrence.parse(event.recurrence, event.starts_at)
        except recurrence.RecurrenceError as exc:
            problems["recurrence"] = [str(exc)]
    if event.capacity == 0:
        problems["capacity"] = ["au moins une place (vide : sans limite)"]
    if problems:
        raise ValidationError(problems)


def attach_event(event: Event) -> None:
    """Territory codes at write time: the venue's, else the point's, else (online) the
    organiser's."""
    if event.venue_id and event.location is None:
        event.location = event.venue.location
        event.place_name = event.place_name or event.venue.name
        event.address = event.address or event.venue.address
    if event.venue_id and event.venue.territory_codes and event.location == event.venue.location:
        attach_like(event, event.venue)
    elif event.location is not None:
        found = locate(event.location.x, event.location.y)
        codes = {kind: territory.code for kind, territory in found.by_kind.items() if territory}
        qpv = [f"qpv:{territory.code}" for territory in found.qpv]
        set_attachment(event, codes, sorted({f"{k}:{c}" for k, c in codes.items()} | set(qpv)))
    else:
        attach_like(event, event.organizer if event.organizer_id else None)


ATTACHED_KINDS = ("commune", "epci", "departement", "region", "bv")


def set_attachment(record, codes: dict[str, str], territory_codes: list[str]) -> None:
    """A record's attachment columns (TerritoryAttachment): its code of each kind, all its
    « kind:code », and when."""
    for kind in ATTACHED_KINDS:
        setattr(record, f"{kind}_code", codes.get(kind) or "")
    record.territory_codes = territory_codes
    record.attached_at = timezone.now()


def attach_like(record, source) -> None:
    """`record` stands where `source` (an attached actor) stands; nowhere without one."""
    codes = {kind: getattr(source, f"{kind}_code", "") for kind in ATTACHED_KINDS} if source else {}
    set_attachment(record, codes, list(source.territory_codes) if source else [])


def save_event(event: Event, reason: str = "") -> Event:
    """Validate, attach, save and expand an event, in one transaction."""
    check_event(event)
    with transaction.atomic():
        attach_event(event)
        if reason:
            event._change_reason = reason
        event.save()
        expand(event)
    return event


def reattach(ids) -> int:
    """Territory codes and sessions of these events again, after a checked save (a
    moderator's decision): the contributions' hook for events."""
    done = 0
    for event in Event.objects.filter(pk__in=list(ids)).select_related("venue", "organizer"):
        attach_event(event)
        Event.objects.filter(pk=event.pk).update(
            territory_codes=event.territory_codes, attached_at=event.attached_at,
            commune_code=event.commune_code, epci_code=event.epci_code,
            departement_code=event.departement_code, region_code=event.region_code,
            bv_code=event.bv_code, location=event.location,
        )  # fmt: skip
        expand(event)
        done += 1
    return done


@dataclass
class Expanded:
    created: int = 0
    removed: int = 0
    cancelled: int = 0


def expand(event: Event, until: datetime | None = None) -> Expanded:
    """Make the event's sessions those of its rule up to the horizon: new ones created,
    moved ones updated, vanished ones deleted, or cancelled when people registered."""
    wanted = dict(
        recurrence.sessions(
            event.starts_at, event.duration, event.recurrence, event.exdates, event.rdates,
            until=until or horizon(),
        )
    )  # fmt: skip
    result = Expanded()
    existing = {o.starts_at: o for o in event.occurrences.select_for_update()}
    for start, occurrence in existing.items():
        if start in wanted:
            end = wanted[start]
            if occurrence.ends_at != end or occurrence.cancelled:
                occurrence.ends_at, occurrence.cancelled = end, False
                occurrence.save(update_fields=["ends_at", "cancelled"])
        elif start < event.starts_at and occurrence.settled_at:
            continue  # a past session whose credits were settled stays as it was
        elif occurrence.registrations.exists():
            if not occurrence.cancelled:
                occurrence.cancelled = True
                occurrence.save(update_fields=["cancelled"])
                result.cancelled += 1
                transaction.on_commit(lambda o=occurrence: tell_cancelled(o))
        else:
            occurrence.delete()
            result.removed += 1
    new = [
        Occurrence(event=event, starts_at=start, ends_at=end)
        for start, end in wanted.items()
        if start not in existing
    ]
    Occurrence.objects.bulk_create(new)
    result.created = len(new)
    return result


def extend_horizon() -> int:
    """Expand every recurring event up to today's horizon (a daily job). Sessions created."""
    created = 0
    for event in Event.objects.exclude(recurrence="").exclude(status="archived"):
        with transaction.atomic():
            created += expand(event).created
    return created


# -- registrations ------------------------------------------------------------------------


@dataclass
class Registered:
    registration: Registration
    token: str  # the secret of the cancellation link, sent once


def places_taken(occurrence: Occurrence) -> int:
    return occurrence.registrations.filter(state=Registration.State.CONFIRMED).count()


def register(occurrence: Occurrence, email: str, name: str = "", user=None) -> Registered:
    """A place at this session, or a place on its waiting list when it is full."""
    email = email.strip().lower()
    with transaction.atomic():
        locked = (
            Occurrence.objects.select_for_update(of=("self",))
            .select_related("event")
            .get(pk=occurrence.pk)
        )
        event = locked.event
        if not event.listed or locked.cancelled:
            raise RegistrationError("Cette séance n'est pas ouverte aux inscriptions.")
        if not event.registration:
            raise RegistrationError("Cet événement est en accès libre, sans inscription.")
        if locked.starts_at <= timezone.now():
            raise RegistrationError("Cette séance a déjà commencé.")
        if locked.registrations.filter(email=email).exclude(state="cancelled").exists():
            raise RegistrationError("Cette adresse est déjà inscrite à cette séance.")
        full = event.capacity is not None and places_taken(locked) >= event.capacity
        token, hashed = new_token()
        now = timezone.now()
        try:
            with transaction.atomic():
                registration = Registration.objects.create(
                    occurrence=locked, email=email, name=name.strip()[:120],
                    user=user if user is not None and user.is_authenticated else None,
                    state=Registration.State.WAITING if full else Registration.State.CONFIRMED,
                    confirmed_at=None if full else now, token_hash=hashed,
                )  # fmt: skip
        except IntegrityError:
            raise RegistrationError("Cette adresse est déjà inscrite à cette séance.") from None
        transaction.on_commit(lambda: send_confirmation(registration, token))
    return Registered(registration, token)


def registration_by_token(token: str) -> Registration | None:
    return (
        Registration.objects.select_related("occurrence__event")
        .filter(token_hash=token_hash(token))
        .first()
    )


def cancel(registration: Registration) -> Registration | None:
    """Cancel a registration; the first of the waiting list takes a freed place. Returns
    the registration moved up, if any."""
    with transaction.atomic():
        occurrence = Occurrence.objects.select_for_update().get(pk=registration.occurrence_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.state == Registration.State.CANCELLED:
            return None
        freed = registration.state == Registration.State.CONFIRMED
        registration.state = Registration.State.CANCELLED
        registration.cancelled_at = timezone.now()
        registration.save(update_fields=["state", "cancelled_at"])
        if not freed or occurrence.starts_at <= timezone.now():
            return None
        return _move_up(occurrence)


def _move_up(occurrence: Occurrence) -> Registration | None:
    capacity = occurrence.event.capacity
    if capacity is not None and places_taken(occurrence) >= capacity:
        return None
    first = (
        occurrence.registrations.filter(state=Registration.State.WAITING)
        .order_by("created_at", "id")
        .first()
    )
    if first is None:
        return None
    first.state, first.confirmed_at = Registration.State.CONFIRMED, timezone.now()
    first.save(update_fields=["state", "confirmed_at"])
    transaction.on_commit(lambda: send_moved_up(first))
    return first


def mark_attendance(occurrence: Occurrence, present_ids, by=None) -> int:
    """The organiser's list after the session: who came (confirmed registrations only).
    Returns how many were marked present."""
    present = set(present_ids)
    marked = 0
    with transaction.atomic():
        for registration in occurrence.registrations.select_for_update().filter(
            state=Registration.State.CONFIRMED
        ):
            registration.attended = registration.pk in present
            registration.save(update_fields=["attended"])
            marked += registration.attended
    return marked


# -- privacy -----------------------------------------------------------------------------

ERASED_DOMAIN = "efface.invalid"  # RFC 2606: no mail ever reaches it


@dataclass
class Erased:
    registrations: int
    accounts: int


def erase_person(email: str = "", user=None) -> Erased:
    """Erase a participant on request: their registrations keep their place in the counts
    (capacity, attendance) but lose the e-mail, the name and the link to the account; their
    credit accounts are anonymised, entries and totals kept (credits.erase_user)."""
    registrations = Registration.objects.none()
    if email:
        registrations = Registration.objects.filter(email=email.strip().lower())
    if user is not None:
        registrations = registrations | Registration.objects.filter(user=user)
    with transaction.atomic():
        count = 0
        for registration in registrations.select_for_update():
            registration.email = f"efface-{registration.pk}@{ERASED_DOMAIN}"
            registration.name, registration.user = "", None
            registration.save(update_fields=["email", "name", "user"])
            count += 1
        accounts = ledger.erase_user(user) if user is not None else 0
    return Erased(count, accounts)


# -- knowledge credits -------------------------------------------------------------------


def attendee_account(exchange, registration: Registration):
    """The participant account of the registered person in this exchange, if they have
    one (a registration by e-mail alone has none: it cannot pay in credits)."""
    if registration.user_id is None:
        return None
    return exchange.accounts.filter(kind="participant", holder_id=registration.user_id).first()


def _attendance_key(exchange, base: str) -> str:
    """The payment's idempotency key: `base`, or after a reversed payment (absent, then
    marked present again) the next one (`base+`, `base++`…), so a new payment is due."""
    key = base
    while True:
        paid = exchange.transactions.filter(idempotency_key=key).first()
        if paid is None or not Transaction.objects.filter(reverses=paid).exists():
            return key
        key += "+"


def settle_credits(occurrence: Occurrence, by=None) -> str:
    """Once attendance is marked: the trainer's account earns the session's length, each
    present participant's account pays it, a payment of someone marked absent afterwards
    is reversed. Idempotent (keys `occurrence:<id>:…`): marking again pays nothing twice.
    Returns a French summary for the organiser ('' when the event has no exchange)."""
    event = occurrence.event
    exchange = event.exchange
    if exchange is None:
        return ""
    hours = Decimal((occurrence.ends_at - occurrence.starts_at).total_seconds()) / 3600
    reference = f"occurrence:{occurrence.pk}"
    paid, unpaid = 0, []
    with transaction.atomic():
        if event.trainer_account_id:
            ledger.earn_for_teaching(
                event.trainer_account,
                hours,
                key=f"{reference}:teaching",
                reference=reference,
                by=by,
            )
        for registration in occurrence.registrations.filter(state=Registration.State.CONFIRMED):
            base = f"{reference}:attendance:{registration.pk}"
            who = registration.name or "un participant"
            if not registration.attended:
                payment = exchange.transactions.filter(
                    idempotency_key=_attendance_key(exchange, base)
                ).first()
                if payment is not None:  # paid, then marked absent: paid back
                    ledger.reverse(payment, key=f"{payment.idempotency_key}:reversal",
                                   reason="absence notée après la séance", by=by)  # fmt: skip
                continue
            account = attendee_account(exchange, registration)
            if account is None:
                unpaid.append(f"{who} (sans compte)")
                continue
            try:
                with transaction.atomic():
                    ledger.spend_for_attendance(
                        account,
                        hours,
                        key=_attendance_key(exchange, base),
                        reference=reference,
                        by=by,
                    )
                paid += 1
            except ledger.InsufficientCredits:
                unpaid.append(f"{who} (crédits insuffisants)")
        occurrence.settled_at = timezone.now()
        occurrence.save(update_fields=["settled_at"])
    summary = f"Crédits réglés : {paid} participation(s) débitée(s)"
    if event.trainer_account_id:
        summary += f", {fmt_hours(hours)} h créditée(s) à {event.trainer_account.pseudonym}"
    if unpaid:
        summary += " ; non débité(s) : " + ", ".join(unpaid)
    return summary + "."


def fmt_hours(hours: Decimal) -> str:
    return f"{hours.normalize():f}".replace(".", ",")


# -- mails --------------------------------------------------------------------------------


def _send(message: EmailMessage) -> bool:
    try:
        message.send()
    except OSError:
        logger.exception("mail to a participant could not leave (%s)", message.subject)
        return False
    return True


def _mail(registration: Registration, template: str, subject: str, token: str = "") -> bool:
    occurrence = registration.occurrence
    event = occurrence.event
    context = {
        "registration": registration,
        "occurrence": occurrence,
        "event": event,
        "event_url": site_url(reverse("agenda-event", args=[event.pk])),
        "cancel_url": site_url(reverse("agenda-registration", args=[token])) if token else "",
    }
    message = EmailMessage(
        subject=f"{subject} : « {' '.join(event.title.split())[:80]} »",
        body=render_to_string(f"agenda/mail/{template}.txt", context),
        to=[registration.email],
    )
    if registration.state == Registration.State.CONFIRMED:
        message.attach("seance.ics", ics.session_calendar(occurrence), "text/calendar")
    return _send(message)


def send_confirmation(registration: Registration, token: str) -> bool:
    if registration.state == Registration.State.WAITING:
        return _mail(registration, "liste_attente", "Liste d'attente", token)
    return _mail(registration, "confirmation", "Inscription confirmée", token)


def send_moved_up(registration: Registration) -> bool:
    return _mail(registration, "place_liberee", "Une place s'est libérée")


def tell_cancelled(occurrence: Occurrence) -> int:
    sent = 0
    for registration in occurrence.registrations.exclude(state=Registration.State.CANCELLED):
        sent += _mail(registration, "seance_annulee", "Séance annulée")
    return sent


def send_reminders(now: datetime | None = None) -> int:
    """Remind the confirmed participants of the sessions starting within
    CARTO_AGENDA_REMINDER_HOURS, once each. Returns the number of mails sent."""
    now = now or timezone.now()
    soon = now + timedelta(hours=settings.CARTO_AGENDA_REMINDER_HOURS)
    due = Registration.objects.filter(
        state=Registration.State.CONFIRMED,
        reminded_at__isnull=True,
        occurrence__cancelled=False,
        occurrence__starts_at__gt=now,
        occurrence__starts_at__lte=soon,
    ).select_related("occurrence__event")
    sent = 0
    for registration in due:
        with transaction.atomic():
            claimed = Registration.objects.filter(
                pk=registration.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
        if claimed and _mail(registration, "rappel", "Rappel"):
            sent += 1
    return sent
