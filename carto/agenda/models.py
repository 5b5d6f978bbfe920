"""Where and when to meet, learn and help: events and their sessions, registrations.

Design choices:
- An `Event` is what an organiser publishes once: a title, themes and publics, a format, a
  level where it teaches, a first start and end, and an optional recurrence written as
  RFC 5545 (an RRULE, EXDATE exceptions and RDATE additions, expanded by python-dateutil
  in Europe/Paris wall-clock time, so a weekly 14 h session stays at 14 h across the
  change to summer time).
- Its `Occurrence` rows are the sessions: the recurrence expanded once, at write time,
  over a horizon (CARTO_AGENDA_HORIZON_DAYS), never per request; the API, the feeds and
  the pages filter occurrences by an indexed time range, and a registration names one
  session. A session that leaves the rule while people are registered is cancelled, not
  deleted: they are told, and nothing is lost.
- Its place is an actor of the directory, or an address placed on the map, or online (a
  visio link), or both (hybride). Territory codes are attached at write time like actors'
  (services.attach_event): the venue's, the point's, else the organiser's for an online
  event.
- What the public sees is `listed` (published), a generated column like the directory's.
- A registration keeps the participant's e-mail and name private; capacity holds under
  concurrency because every registration and cancellation of a session locks its
  occurrence row first (services.register / cancel).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db.models import Q
from simple_history.models import HistoricalRecords

from carto.actors.models import Actor, Initiative, Provenance, Status, TerritoryAttachment
from carto.actors.querysets import TEXT_SEARCH_CONFIG
from carto.srid import WGS84

from .querysets import EventQuerySet, OccurrenceQuerySet


class Format(models.TextChoices):
    RENCONTRE = "rencontre", "Rencontre"
    ATELIER = "atelier", "Atelier"
    FORMATION = "formation", "Session de formation"
    PERMANENCE = "permanence", "Permanence"
    ETAPE = "etape", "Étape d’une tournée"
    ANNUEL = "annuel", "Événement annuel"


class Level(models.TextChoices):
    DECOUVERTE = "decouverte", "Découverte"
    MISE_A_NIVEAU = "mise-a-niveau", "Mise à niveau"
    PERFECTIONNEMENT = "perfectionnement", "Perfectionnement"


class Attendance(models.TextChoices):
    ON_SITE = "sur-place", "Sur place"
    ONLINE = "en-ligne", "En ligne"
    HYBRID = "hybride", "Sur place et en ligne"


class Event(TerritoryAttachment, Provenance):
    title = models.CharField("titre", max_length=200)
    description = models.TextField(blank=True)
    themes = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    publics = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    format = models.CharField(max_length=12, choices=Format.choices, default=Format.RENCONTRE)
    level = models.CharField(
        "niveau", max_length=16, choices=Level.choices, blank=True,
        help_text="Pour une formation : découverte, mise à niveau ou perfectionnement.",
    )  # fmt: skip

    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    recurrence = models.CharField(
        "récurrence", max_length=500, blank=True,
        help_text="Règle RFC 5545, ex. « FREQ=WEEKLY;BYDAY=TU;UNTIL=20270630T220000Z ».",
    )  # fmt: skip
    exdates = ArrayField(
        models.DateTimeField(), default=list, blank=True, help_text="Séances annulées (EXDATE)."
    )
    rdates = ArrayField(
        models.DateTimeField(), default=list, blank=True, help_text="Séances ajoutées (RDATE)."
    )

    attendance = models.CharField(
        "modalité", max_length=10, choices=Attendance.choices, default=Attendance.ON_SITE
    )
    venue = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="hosted_events",
        verbose_name="lieu (acteur de l’annuaire)",
    )  # fmt: skip
    place_name = models.CharField("lieu", max_length=300, blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    location = models.PointField(srid=WGS84, null=True, blank=True)
    online_url = models.URLField("lien de visio", max_length=500, blank=True)
    accessible = models.BooleanField("accessible (PMR)", default=False)

    organizer = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="organized_events",
        verbose_name="organisateur",
    )  # fmt: skip
    organizer_name = models.CharField("organisateur (hors annuaire)", max_length=200, blank=True)
    contact_email = models.EmailField("courriel de l’organisateur (privé)", blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="events", verbose_name="compte de l’organisateur",
        help_text="Voit les inscrits et note les présences.",
    )  # fmt: skip
    capacity = models.PositiveIntegerField("places", null=True, blank=True)
    registration = models.BooleanField("inscription", default=False)

    # The knowledge-credit exchange this session belongs to (optional): once attendance
    # is marked, the trainer's account earns its length and each attendee's pays it.
    exchange = models.ForeignKey(
        "credits.Exchange", null=True, blank=True, on_delete=models.PROTECT,
        related_name="events", verbose_name="échange de savoirs",
    )  # fmt: skip
    trainer_account = models.ForeignKey(
        "credits.Account", null=True, blank=True, on_delete=models.PROTECT,
        related_name="sessions_given", verbose_name="compte de la personne qui anime",
    )  # fmt: skip

    initiatives = models.ManyToManyField(
        Initiative, blank=True, related_name="events", verbose_name="initiatives présentées"
    )
    series = models.CharField(
        "série", max_length=64, blank=True, help_text="Tournée ou programme dont c’est une étape."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    listed = models.GeneratedField(
        expression=Q(status=Status.PUBLISHED),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    # French full text (accents ignored), the title weighing more than the description.
    search = models.GeneratedField(
        expression=SearchVector("title", weight="A", config=TEXT_SEARCH_CONFIG)
        + SearchVector("description", weight="B", config=TEXT_SEARCH_CONFIG),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, db_default=1)
    history = HistoricalRecords(
        excluded_fields=["listed", "search"], cascade_delete_history=False, user_db_constraint=False
    )

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "événement"
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="event_source_id_uniq"),
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                # Somewhere to go: a point on the map, or a link for an online event.
                condition=Q(location__isnull=False) | ~Q(online_url=""),
                name="event_has_a_place",
            ),
        ]
        indexes = [
            GistIndex(fields=["location"], name="event_location_gist"),
            GinIndex(fields=["themes"], name="event_themes_gin"),
            GinIndex(fields=["publics"], name="event_publics_gin"),
            GinIndex(fields=["territory_codes"], name="event_territories_gin"),
            GinIndex(fields=["search"], name="event_search_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def organizer_label(self) -> str:
        """The organiser's name as the public may see it."""
        organizer = self.organizer
        if organizer is not None and organizer.listed:
            return organizer.name
        return self.organizer_name

    @property
    def duration(self):
        return self.ends_at - self.starts_at

    def other_stops(self):
        """The listed events of the same series (the other stops of a tour), by date."""
        if not self.series:
            return Event.objects.none()
        others = Event.objects.listed().filter(series=self.series).exclude(pk=self.pk)
        return others.order_by("starts_at", "id")[:100]


class Occurrence(models.Model):
    """One session of an event: its recurrence expanded at write time (services.expand)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="occurrences")
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin")
    cancelled = models.BooleanField("annulée", default=False)
    settled_at = models.DateTimeField(
        "crédits réglés le", null=True, blank=True,
        help_text="Quand la présence a été validée et les crédits de savoir réglés.",
    )  # fmt: skip

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        verbose_name = "séance"
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "starts_at"], name="occurrence_uniq"),
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="occurrence_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="occurrence_time")]

    def __str__(self) -> str:
        return f"{self.event} — {self.starts_at:%Y-%m-%d %H:%M}"


class Registration(models.Model):
    """A participant's place at a session (or on its waiting list)."""

    class State(models.TextChoices):
        CONFIRMED = "confirmed", "Inscrit"
        WAITING = "waiting", "Liste d’attente"
        CANCELLED = "cancelled", "Annulé"

    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.PROTECT, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="registrations",
    )  # fmt: skip
    email = models.EmailField("courriel (privé)")
    name = models.CharField("nom ou pseudonyme (privé)", max_length=120, blank=True)
    state = models.CharField(max_length=10, choices=State.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField("présent", null=True, blank=True)

    class Meta:
        verbose_name = "inscription"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["occurrence", "email"],
                condition=~Q(state="cancelled"),
                name="registration_once_per_session",
            ),
        ]
        indexes = [
            models.Index(fields=["occurrence", "state", "created_at"], name="registration_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.get_state_display()} — {self.occurrence}"


# -- the peer-training catalogue and the relays ---------------------------------------------


class Participant(models.Model):
    """A person who agreed to appear in the catalogue or among the relays: a pseudonym and
    a commune, never finer (their place on the map is the commune's town hall). The
    account behind it stays private."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant"
    )
    pseudonym = models.CharField("pseudonyme", max_length=80)
    commune_code = models.CharField("commune", max_length=5)
    consent = models.BooleanField(
        "accepte d’apparaître (pseudonyme et commune)", default=False,
        help_text="Sans cet accord, rien de la personne n’est public.",
    )  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "participant·e"

    def __str__(self) -> str:
        return self.pseudonym


class SkillQuerySet(models.QuerySet):
    def listed(self):
        """Published, and a person's only while they consent to appear."""
        return self.filter(listed=True).filter(
            Q(participant__isnull=True) | Q(participant__consent=True)
        )


class Mode(models.TextChoices):
    ON_SITE = "sur-place", "Sur place"
    ITINERANT = "itinerant", "En itinérance"
    ONLINE = "en-ligne", "En ligne"


class Someone(models.Model):
    """An actor of the directory or a consenting participant: whose offer, whose relay."""

    class Meta:
        abstract = True

    @property
    def who(self) -> str:
        """The public name: the actor's, or the participant's pseudonym."""
        if self.actor_id:
            return self.actor.name
        return self.participant.pseudonym if self.participant_id else ""


class Skill(Someone, TerritoryAttachment):
    """« Je peux transmettre … » (an offer) or « je cherche à apprendre … » (a request), by
    an actor of the directory or a consenting participant, placed at the commune."""

    class Direction(models.TextChoices):
        OFFER = "offer", "Je peux transmettre"
        REQUEST = "request", "Je cherche à apprendre"

    direction = models.CharField("sens", max_length=8, choices=Direction.choices)
    title = models.CharField("savoir", max_length=200)
    description = models.TextField(blank=True)
    themes = ArrayField(models.SlugField(max_length=60), default=list)
    level = models.CharField("niveau", max_length=16, choices=Level.choices, blank=True)
    # The agenda's formats, so that a request and the sessions it matches speak alike.
    format = models.CharField(max_length=12, choices=Format.choices, blank=True)
    modes = ArrayField(
        models.CharField(max_length=10, choices=Mode.choices), default=list, blank=True,
        verbose_name="où",
    )  # fmt: skip
    duration_minutes = models.PositiveIntegerField("durée (minutes)", null=True, blank=True)
    actor = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="skills"
    )
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="skills"
    )
    location = models.PointField(srid=WGS84, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    listed = models.GeneratedField(
        expression=Q(status=Status.PUBLISHED),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SkillQuerySet.as_manager()

    class Meta:
        verbose_name = "savoir (offre ou demande)"
        verbose_name_plural = "savoirs (offres et demandes)"
        ordering = ["-created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor__isnull=False) | Q(participant__isnull=False),
                name="skill_has_someone",
            ),
        ]
        indexes = [
            GistIndex(fields=["location"], name="skill_location_gist"),
            GinIndex(fields=["themes"], name="skill_themes_gin"),
            GinIndex(fields=["territory_codes"], name="skill_territories_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_modes_display(self) -> list[str]:
        return [Mode(mode).label for mode in self.modes if mode in Mode.values]


class Relay(Someone, TerritoryAttachment):
    """A relay or facilitator of some territories (an « habitant-relais numérique », a
    « référent KAT », a facilitator of a network), listed on their sheets."""

    class Role(models.TextChoices):
        RELAY = "relais", "Relais"
        DIGITAL_RELAY = "relais-numerique", "Habitant·e-relais numérique"
        FACILITATOR = "facilitateur", "Facilitateur·rice"
        KAT_REFERENT = "referent-kat", "Référent·e KAT"

    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    actor = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="relays"
    )
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="relays"
    )
    territories = ArrayField(
        models.CharField(max_length=24), verbose_name="territoires relayés",
        help_text="« kind:code » : communes, EPCI, bassins de vie, départements.",
    )  # fmt: skip
    themes = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    note = models.CharField("précision", max_length=200, blank=True)

    class Meta:
        verbose_name = "relais"
        verbose_name_plural = "relais et facilitateurs"
        constraints = [
            models.CheckConstraint(
                condition=Q(actor__isnull=False) | Q(participant__isnull=False),
                name="relay_has_someone",
            ),
        ]
        indexes = [GinIndex(fields=["territories"], name="relay_territories_gin")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} : {self.who}"


# -- the « banque des expériences » -------------------------------------------------------


class Testimony(models.Model):
    """A testimony on an initiative (the « banque des expériences »), optionally with a
    video link: a link, with a player offered on click (videos.py), so nothing loads before the
    visitor asks for it."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="testimonies")
    author = models.CharField("qui témoigne (pseudonyme ou rôle)", max_length=120)
    text = models.TextField("témoignage", blank=True)
    video_url = models.URLField("vidéo", max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "témoignage"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text="") | ~Q(video_url=""), name="testimony_says_something"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author} sur {self.initiative}"
