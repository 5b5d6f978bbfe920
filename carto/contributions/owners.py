"""Owners' links: the secret link by which the people an entry describes keep it up to date.

Design choices:
- A link is a random token sent once by mail; only its SHA-256 is stored. Issuing a link
  revokes the entry's previous valid ones (rotation): one live link per entry, and a link
  that leaked stops working as soon as a new one is asked for.
- An owner's change goes through moderation unless every policy of the entry's
  territories says otherwise: it is applied at once (through `save_checked`) when at least
  one of them has `owner_changes_moderated` off and none has it on; with no policy, it is
  moderated. A moderated change becomes a correction proposal for the entry's référents.
- Either way the owner edits from the version they opened: a change made in between (a
  moderator, an import) is not overwritten, the owner is asked to start again.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from carto.actors.models import Actor, Initiative

from .models import OwnerLink, Proposal, TerritoryPolicy, new_token, token_hash
from .services import EditConflict, save_checked

OWNER_REASON = "modification par le propriétaire"
# What an owner may change, by kind of entry.
ACTOR_FIELDS = [
    "name", "description", "address", "address_extra", "postcode", "city", "phone", "email",
    "website", "opening_hours", "appointment", "contact_name", "contact_email", "contact_phone",
    "contact_consent",
]  # fmt: skip
INITIATIVE_FIELDS = [
    "title", "summary", "description", "context", "resources", "people", "results_territory",
    "results_centre", "results_inhabitants", "limits", "perspectives", "period", "url",
]  # fmt: skip


def editable_fields(entry) -> list[str]:
    return ACTOR_FIELDS if isinstance(entry, Actor) else INITIATIVE_FIELDS


def link_url(token: str) -> str:
    return settings.CARTO_SITE_URL.rstrip("/") + reverse("owner-edit", args=[token])


def issue_owner_link(
    entry: Actor | Initiative, email: str, created_by=None, days: int = 180
) -> str:
    """Create a link for the owner of `entry`, revoke its previous ones, mail it to `email`.

    Returns the token (the one time it exists in clear). Raises ValueError without e-mail."""
    email = (email or "").strip()
    if not email:
        raise ValueError("un courriel est nécessaire pour envoyer un lien de propriétaire")
    token, hashed = new_token()
    now = timezone.now()
    target = {"actor": entry} if isinstance(entry, Actor) else {"initiative": entry}
    # The mail is sent inside the transaction: if it cannot be, no link changed.
    with transaction.atomic():
        OwnerLink.objects.filter(**target, revoked_at__isnull=True).update(revoked_at=now)
        link = OwnerLink.objects.create(
            **target, token_hash=hashed, email=email, created_by=created_by,
            expires_at=now + timedelta(days=days),
        )  # fmt: skip
        context = {"entry": entry, "url": link_url(token), "expires_at": link.expires_at}
        send_mail(
            f"Votre lien pour mettre à jour « {' '.join(str(entry).split())} » sur carto",
            render_to_string("contributions/mail/owner_link.txt", context),
            None,
            [email],
        )
    return token


def valid_link(token: str) -> OwnerLink | None:
    """The live link of this token (not revoked, not expired), or None."""
    link = (
        OwnerLink.objects.select_related("actor", "initiative")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return link if link is not None and link.is_valid() else None


def owner_changes_moderated(entry) -> bool:
    """Whether an owner's change of `entry` waits for a moderator (see the module's note)."""
    policies = TerritoryPolicy.objects.filter(territory_code__in=entry.territory_codes)
    return set(policies.values_list("owner_changes_moderated", flat=True)) != {False}


def submit(link: OwnerLink, version: int, values: dict) -> str:
    """Apply or propose the owner's `values` (only those that differ are kept).

    Returns « unchanged », « applied » or « proposed ». Raises EditConflict when the entry
    is no longer at `version`."""
    entry = type(link.entry).objects.get(pk=link.entry.pk)
    if entry.version != version:
        raise EditConflict(entry)
    changes = {name: value for name, value in values.items() if getattr(entry, name) != value}
    if not changes:
        return "unchanged"
    if not owner_changes_moderated(entry):
        save_checked(entry, version, changes, None, OWNER_REASON)
        return "applied"
    is_actor = isinstance(entry, Actor)
    Proposal.objects.create(
        kind=Proposal.Kind.CORRECTION,
        actor=entry if is_actor else None,
        initiative=None if is_actor else entry,
        changes=changes,
        message="Modification envoyée par le propriétaire de la fiche (lien de propriétaire).",
        territory_codes=entry.territory_codes,
        actor_kind=entry.kind_id if is_actor else "",
        proposer_email=link.email,
        token_hash=new_token()[1],
    )
    return "proposed"
