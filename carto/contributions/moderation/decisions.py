"""What a moderator decides on a proposal: publish, apply, refuse, merge, edit.

Design choices:
- Each decision is one transaction: the proposal row is locked and must still be pending
  (two moderators cannot decide it twice), the entry is written by `save_checked` with
  the version the moderator's page showed (a change in between is an `EditConflict`,
  nothing is overwritten), then the proposal records who decided, when and why.
- The proposer hears of the decision by e-mail when they left an address, once the
  transaction is over; their address never leaves the server otherwise.
- The history's reason column holds 100 characters: reasons are shortened to fit, the
  full refusal reason stays on the proposal.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Point
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import ForeignKey
from django.template.loader import render_to_string
from django.utils import timezone

from carto.actors.models import Actor, Status
from carto.contributions.entries import kind_of
from carto.contributions.models import Proposal
from carto.contributions.owners import issue_owner_link
from carto.contributions.services import save_checked
from carto.srid import WGS84

REASON_LENGTH = 100  # simple-history's history_change_reason

# What a duplicate may bring to the entry it duplicates, where that entry has nothing.
COMPLETABLE = [
    "description", "address_extra", "email", "phone", "website", "opening_hours", "siret",
    "rna", "network", "contact_name", "contact_email", "contact_phone", "themes", "publics",
]  # fmt: skip

SUBJECTS = {
    Proposal.State.PUBLISHED: "Votre proposition est publiée",
    Proposal.State.APPLIED: "Votre proposition a été prise en compte",
    Proposal.State.REFUSED: "Votre proposition n’a pas été retenue",
    Proposal.State.MERGED: "Votre proposition rejoint une fiche existante",
}


class DecisionError(Exception):
    """A decision that cannot be taken; the message is French, for the moderator."""


def who(user) -> str:
    return user.get_full_name() or user.get_username()


def short(text: str, length: int = REASON_LENGTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1] + "…"


def _locked_pending(proposal: Proposal) -> Proposal:
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.state != Proposal.State.PENDING:
        raise DecisionError(
            f"Cette proposition a déjà été traitée ({locked.get_state_display().lower()})."
        )
    return locked


def _notify(proposal: Proposal) -> None:
    """Tell the proposer of the decision, if they left an address."""
    if not proposal.proposer_email:
        return
    body = render_to_string(
        f"contributions/mail/decision_{proposal.state}.txt",
        {
            "proposal": proposal,
            "entry": proposal.entry,
            "site_url": settings.CARTO_SITE_URL.rstrip("/"),
        },
    )
    send_mail(SUBJECTS[proposal.state], body, None, [proposal.proposer_email])


def _decided(proposal: Proposal, state: str, user, reason: str = "", **extra) -> Proposal:
    proposal.decide(state, user, reason)
    for name, value in extra.items():
        setattr(proposal, name, value)
    proposal.save()
    return proposal


def publish(proposal: Proposal, version: int, user):
    """Publish a new entry at `version`. Returns the published entry."""
    with transaction.atomic():
        proposal = _locked_pending(proposal)
        entry = proposal.entry
        if proposal.kind != Proposal.Kind.NEW or entry.status != Status.PENDING:
            raise DecisionError("Seule une nouvelle fiche en attente peut être publiée.")
        values = {"status": Status.PUBLISHED}
        if isinstance(entry, Actor):
            if entry.location is None:
                raise DecisionError(
                    "Cet acteur n’a pas encore de position : indiquez-la (« Modifier ») "
                    "avant de le publier."
                )
            values["last_verified"] = timezone.localdate()
        entry = save_checked(entry, version, values, user, short(f"publication par {who(user)}"))
        _decided(proposal, Proposal.State.PUBLISHED, user)
    _notify(proposal)
    if proposal.proposer_email and kind_of(entry).owner_links:
        # The proposer becomes its owner: a secret link to keep it up to date (owners.py).
        issue_owner_link(entry, proposal.proposer_email, created_by=user)
    return entry


def proposed_values(entry, changes: dict) -> dict:
    """The proposal's `changes` as model values (a foreign key by its id, a point from
    [lon, lat] or GeoJSON, a date from ISO text); DecisionError names a bad field."""
    model, values = type(entry), {}
    for name, raw in changes.items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            field = None
        if field is None or not field.concrete:
            raise DecisionError(f"Champ inconnu dans la proposition : « {name} ».")
        try:
            if isinstance(field, ForeignKey):
                values[field.attname] = (
                    None if raw in (None, "") else field.target_field.to_python(raw)
                )
            elif field.get_internal_type() == "PointField":
                values[name] = _point(raw)
            else:
                values[name] = field.to_python(raw)
        except (ValidationError, ValueError, TypeError) as error:
            said = " ".join(error.messages) if isinstance(error, ValidationError) else error
            raise DecisionError(f"Valeur proposée invalide pour « {name} » : {said}") from None
    return values


def _point(raw) -> Point | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, (list, tuple)):
        return Point(float(raw[0]), float(raw[1]), srid=WGS84)
    geometry = GEOSGeometry(raw if isinstance(raw, str) else str(raw).replace("'", '"'))
    geometry.srid = geometry.srid or WGS84
    return geometry


def apply_correction(proposal: Proposal, version: int, user):
    """Apply a correction's (or a report's) proposed values to its entry at `version`:
    those fields only. A report without values is marked as dealt with."""
    with transaction.atomic():
        proposal = _locked_pending(proposal)
        if proposal.kind == Proposal.Kind.NEW:
            raise DecisionError("Une nouvelle fiche se publie, elle ne s’applique pas.")
        entry = proposal.entry
        if proposal.changes:
            values = proposed_values(entry, proposal.changes)
            reason = short(f"correction n° {proposal.pk} appliquée par {who(user)}")
            try:
                entry = save_checked(entry, version, values, user, reason)
            except ValueError as error:
                raise DecisionError(str(error)) from None
        _decided(proposal, Proposal.State.APPLIED, user)
    _notify(proposal)
    return entry


def refuse(proposal: Proposal, version: int, user, reason: str):
    """Refuse with a reason (required, sent to the proposer). A new entry is refused too;
    an existing one is left as it is."""
    reason = reason.strip()
    if not reason:
        raise DecisionError("Indiquez le motif du refus : il est envoyé au proposant.")
    with transaction.atomic():
        proposal = _locked_pending(proposal)
        entry = proposal.entry
        if proposal.kind == Proposal.Kind.NEW and entry.status == Status.PENDING:
            note = short(f"refus par {who(user)} : {reason}")
            entry = _set_aside(entry, version, {}, user, note)
        _decided(proposal, Proposal.State.REFUSED, user, reason)
    _notify(proposal)
    return entry


def _set_aside(entry, version: int, values: dict, user, reason: str):
    """Status refused (with `values`), through the checked save. An actor without a
    position stays pending (the schema wants a position on every non-pending actor):
    unlisted all the same, and its proposal is decided."""
    if not (isinstance(entry, Actor) and entry.location is None):
        values = {**values, "status": Status.REFUSED}
    return save_checked(entry, version, values, user, reason)


def completable(duplicate: Actor, original: Actor) -> list[str]:
    """The fields the duplicate fills in and the original leaves empty."""
    return [
        name
        for name in COMPLETABLE
        if getattr(duplicate, name) not in ("", None, [])
        and getattr(original, name) in ("", None, [])
    ]


def merge(proposal, version: int, original: Actor, original_version: int, fields, user):
    """A new actor is a duplicate of `original` (listed, checked by the caller): it is set
    aside (refused, `duplicate_of`), keeping everything it held in its history; the
    chosen `fields` it fills in and `original` lacks are applied to `original`."""
    with transaction.atomic():
        proposal = _locked_pending(proposal)
        duplicate = proposal.actor
        if proposal.kind != Proposal.Kind.NEW or duplicate is None:
            raise DecisionError("Seule une nouvelle fiche d’acteur peut être un doublon.")
        if duplicate.status != Status.PENDING or original.pk == duplicate.pk:
            raise DecisionError("Cette fiche ne peut pas être fusionnée avec elle-même.")
        note = short(f"doublon de la fiche n° {original.pk} ({original.name})")
        _set_aside(duplicate, version, {"duplicate_of": original}, user, note)
        added = [name for name in fields if name in completable(duplicate, original)]
        if added:
            values = {name: getattr(duplicate, name) for name in added}
            note = short(f"complété par la proposition n° {proposal.pk} (doublon) par {who(user)}")
            save_checked(original, original_version, values, user, note)
        reason = f"doublon de « {original.name} » (n° {original.pk})"
        _decided(proposal, Proposal.State.MERGED, user, reason, duplicate_of=original)
    _notify(proposal)
    return original


def edit(proposal: Proposal, version: int, values: dict, user):
    """Save a moderator's edit of the proposal's entry at `version` (EditConflict when it
    changed since); the proposal stays pending and follows its entry's territories and
    kind (who moderates it may change with them)."""
    if proposal.kind == Proposal.Kind.NEW:
        what = "avant publication"
    else:
        what = f"(proposition n° {proposal.pk})"
    with transaction.atomic():
        proposal = _locked_pending(proposal)
        entry = save_checked(
            proposal.entry, version, values, user, short(f"modifié {what} par {who(user)}")
        )
        proposal.territory_codes = entry.territory_codes
        proposal.actor_kind = entry.kind_id if isinstance(entry, Actor) else ""
        proposal.save(update_fields=["territory_codes", "actor_kind", "updated_at"])
    return entry
