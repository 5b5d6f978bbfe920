"""What the field sends in, and who may decide on it.

Design choices:
- A proposed actor or initiative is written at once as a row of the directory with the
  status « pending »: it is not listed (Actor.listed), so it appears nowhere in public
  until a moderator publishes it, and publishing is a change of status, nothing copied.
  A correction or an error report names an existing entry and carries the proposed
  values (`changes`) or a message; it changes nothing until a moderator applies it.
- Every proposal keeps the territory codes of its entry (`territory_codes`) and its kind
  of actor, so that a référent sees and acts on the proposals of their territories
  (départements, EPCI, bassins de vie) and, optionally, kinds only.
- The proposer's e-mail and the secrets (follow links, owners' links) never leave the
  server: secrets are stored as SHA-256 hashes, the token itself is sent once.
"""

import hashlib
import secrets

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from carto.actors.models import Actor, Initiative


def new_token() -> tuple[str, str]:
    """A secret for a link (sent once) and the hash that is stored."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Referent(models.Model):
    """A moderator of some territories (and optionally kinds of actors)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="referent"
    )
    territories = ArrayField(
        models.CharField(max_length=24),
        help_text="Territoires modérés : « departement:62 », « epci:246200364 », « bv:62498 ».",
    )
    kinds = ArrayField(
        models.SlugField(max_length=60),
        default=list,
        blank=True,
        help_text="Types d’acteurs modérés (vide : tous).",
    )
    notify = models.BooleanField("recevoir les notifications", default=True)

    class Meta:
        verbose_name = "référent"

    def __str__(self) -> str:
        return f"{self.user} ({', '.join(self.territories)})"

    def covers(self, territory_codes, kind: str = "") -> bool:
        """Whether an entry of these territories (and kind) is this référent's to decide."""
        in_territory = bool(set(self.territories) & set(territory_codes))
        return in_territory and (not self.kinds or not kind or kind in self.kinds)


class ProposalQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=Proposal.State.PENDING)

    def for_referent(self, referent: Referent):
        """The proposals a référent may see and act on."""
        queryset = self.filter(territory_codes__overlap=referent.territories)
        if referent.kinds:
            queryset = queryset.filter(Q(actor_kind="") | Q(actor_kind__in=referent.kinds))
        return queryset


class Proposal(models.Model):
    class Kind(models.TextChoices):
        NEW = "new", "Nouvelle fiche"
        CORRECTION = "correction", "Correction"
        REPORT = "report", "Signalement d’erreur"

    class State(models.TextChoices):
        PENDING = "pending", "En attente"
        PUBLISHED = "published", "Publiée"
        APPLIED = "applied", "Appliquée"
        REFUSED = "refused", "Refusée"
        MERGED = "merged", "Fusionnée avec une fiche existante"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    actor = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    # The agenda's events go through the same flow (contributions.entries: the agenda
    # registers them; only this key names its model).
    event = models.ForeignKey(
        "agenda.Event", null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    changes = models.JSONField(
        default=dict, blank=True, help_text="Valeurs proposées, par champ (corrections)."
    )
    message = models.TextField("message", blank=True)
    territory_codes = ArrayField(models.CharField(max_length=24), default=list, blank=True)
    actor_kind = models.SlugField(max_length=60, blank=True)
    proposer_name = models.CharField("nom du proposant (privé)", max_length=200, blank=True)
    proposer_email = models.EmailField("courriel du proposant (privé)", blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField("motif (refus, fusion)", blank=True)
    duplicate_of = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        verbose_name = "proposition"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor__isnull=False)
                | Q(initiative__isnull=False)
                | Q(event__isnull=False),
                name="proposal_names_an_entry",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "created_at"], name="proposal_state_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.entry}"

    @property
    def entry(self):
        return self.actor or self.initiative or self.event

    def decide(self, state: str, user, reason: str = "") -> None:
        self.state, self.decided_by, self.reason = state, user, reason
        self.decided_at = timezone.now()


class OwnerLink(models.Model):
    """A secret link by which the owner of an entry updates it (rotatable, expiring)."""

    actor = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="owner_links"
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="owner_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField("courriel du propriétaire (privé)", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "lien de propriétaire"
        constraints = [
            models.CheckConstraint(
                condition=Q(actor__isnull=False) | Q(initiative__isnull=False),
                name="owner_link_names_an_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"lien de {self.entry}"

    @property
    def entry(self):
        return self.actor or self.initiative

    def is_valid(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class TerritoryPolicy(models.Model):
    """Per territory: whether owners' changes go through moderation."""

    territory_code = models.CharField(max_length=24, unique=True)
    owner_changes_moderated = models.BooleanField(
        "modifications des propriétaires modérées", default=True
    )

    class Meta:
        verbose_name = "règle de territoire"
        verbose_name_plural = "règles de territoire"

    def __str__(self) -> str:
        return self.territory_code
