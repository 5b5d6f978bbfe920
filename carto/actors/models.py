"""The directory: actors (structures), their initiatives (actions), stops, and taxonomies.

Design choices:
- the territories an actor stands in (commune, EPCI, département, région, bassin
  de vie, QPV, QPV within 300 m) are computed once, when it is written
  (services.attach_territories), and stored as codes, so that filters and
  coverage are lookups and GROUP BYs, never spatial joins per request;
  `territory_codes` gathers them as "kind:code" for one indexed filter;
- `geog` is a generated geography copy of `location` with its own GiST index:
  metric distances (near, radius, 300 m) on the sphere, KNN-ordered through
  that index, anywhere in France including overseas;
- themes and publics are arrays of taxonomy slugs (GIN-indexed), validated
  against the taxonomy tables on write;
- the private contact person (name, e-mail, phone) is stored here and never
  serialised by the public API.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, SpGistIndex
from django.contrib.postgres.search import SearchVectorField
from django.db.models import Q
from simple_history.models import HistoricalRecords

from carto.srid import WGS84

from .querysets import ActorQuerySet, InitiativeQuerySet

# Derived columns the history does not keep (recomputed from what it keeps).
HISTORY_EXCLUDED = ["geog", "listed", "search", "name_key"]


class Taxonomy(models.Model):
    slug = models.SlugField(primary_key=True, max_length=60)
    label = models.CharField("libellé", max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "label"]

    def __str__(self) -> str:
        return self.label


class ActorKind(Taxonomy):
    typology = models.CharField(
        "typologie data·inclusion",
        max_length=32,
        blank=True,
        help_text="Valeur du référentiel data·inclusion.",
    )

    class Meta(Taxonomy.Meta):
        verbose_name = "type d’acteur"
        verbose_name_plural = "types d’acteurs"


class Theme(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = "thème"


class Public(Taxonomy):
    class Meta(Taxonomy.Meta):
        verbose_name = "public"


class Precision(models.TextChoices):
    EXACT = "exact", "Position exacte"
    ADDRESS = "address", "Adresse"
    STREET = "street", "Rue"
    COMMUNE = "commune", "Commune (mairie)"
    DEPARTEMENT = "departement", "Département"


# Precisions at which the point says in which QPV the place stands.
FINE_PRECISIONS = [Precision.EXACT, Precision.ADDRESS, Precision.STREET]


class Status(models.TextChoices):
    PENDING = "pending", "En attente de modération"
    PUBLISHED = "published", "Publié"
    REFUSED = "refused", "Refusé"
    ARCHIVED = "archived", "Archivé"


class TerritoryAttachment(models.Model):
    """Codes of the territories a record stands in, computed at write time."""

    commune_code = models.CharField(max_length=5, blank=True)
    epci_code = models.CharField(max_length=9, blank=True)
    departement_code = models.CharField(max_length=3, blank=True)
    region_code = models.CharField(max_length=3, blank=True)
    bv_code = models.CharField(max_length=5, blank=True)
    territory_codes = ArrayField(
        models.CharField(max_length=24),
        default=list,
        blank=True,
        help_text="« kind:code » de tous ses territoires.",
    )
    attached_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class Provenance(models.Model):
    source = models.CharField(max_length=64, help_text="Jeu de données ou formulaire d’origine.")
    # NULL when the record has no identifier at its source (e.g. typed in a form):
    # (source, source_id) is unique, and NULLs never collide.
    source_id = models.CharField(max_length=128, null=True, blank=True)
    source_url = models.URLField(max_length=500, blank=True)

    class Meta:
        abstract = True


class Actor(TerritoryAttachment, Provenance):
    name = models.CharField("nom", max_length=300)
    name_key = models.CharField(
        max_length=300, editable=False, help_text="Nom normalisé (doublons)."
    )
    kind = models.ForeignKey(
        ActorKind, on_delete=models.PROTECT, related_name="actors", verbose_name="type"
    )
    themes = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    publics = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    labels = ArrayField(
        models.CharField(max_length=120), default=list, blank=True, help_text="Labels, réseaux."
    )
    description = models.TextField(blank=True)
    siret = models.CharField(max_length=14, blank=True)
    rna = models.CharField("numéro RNA", max_length=10, blank=True)
    network = models.CharField("réseau ou groupement", max_length=200, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="antennas",
        help_text="Structure principale d’une antenne ou d’un site d’une structure multisite.",
    )  # fmt: skip

    address = models.CharField("adresse", max_length=300, blank=True)
    address_extra = models.CharField("complément d’adresse", max_length=300, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    # Indexed once, by actor_location_spgist (Meta): GeoDjango's own index would be a
    # second spatial index that every write pays for.
    location = models.PointField(srid=WGS84, null=True, blank=True, spatial_index=False)
    geog = models.GeneratedField(
        expression=models.Func("location", template="(%(expressions)s)::geography", output_field=models.PointField(geography=True, srid=WGS84)),
        output_field=models.PointField(geography=True, srid=WGS84),
        db_persist=True,
    )  # fmt: skip
    precision = models.CharField(
        max_length=12, choices=Precision.choices, default=Precision.ADDRESS
    )
    to_locate = models.BooleanField(
        "à localiser", default=False, help_text="Position approximative, à vérifier."
    )
    service_area_codes = ArrayField(
        models.CharField(max_length=24),
        default=list,
        blank=True,
        help_text="Zone d’intervention : « kind:code ».",
    )
    service_area = models.MultiPolygonField(srid=WGS84, null=True, blank=True)
    opening_hours = models.CharField(
        "horaires", max_length=500, blank=True, help_text="Syntaxe OpenStreetMap opening_hours."
    )
    appointment = models.BooleanField("sur rendez-vous", default=False)
    itinerant = models.BooleanField("itinérant", default=False)
    services = ArrayField(
        models.CharField(max_length=200),
        default=list,
        db_default=models.Value("{}"),
        blank=True,
        help_text="Services proposés (vocabulaire des lieux de médiation numérique…).",
    )
    access_conditions = ArrayField(
        models.CharField(max_length=200),
        default=list,
        db_default=models.Value("{}"),
        blank=True,
        help_text="Conditions d’accès : gratuit, payant, adhésion…",
    )
    amenities = ArrayField(
        models.SlugField(max_length=40),
        default=list,
        db_default=models.Value("{}"),
        blank=True,
        help_text="Équipements et usages : wifi, ouvert-le-dimanche, gratuit, actions-culturelles…",
    )
    funded_posts = models.JSONField(
        default=dict,
        db_default=models.Value("{}"),
        blank=True,
        help_text="Postes financés par programme, ex. {« adultes-relais » : 2, « fonjep » : 1}.",
    )
    # A host place (a town hall): proposed by the siting and drawn when its kind is asked
    # for, never counted among the directory's actors otherwise (coverage, lists).
    host_only = models.BooleanField("lieu d’accueil seulement", default=False, db_default=False)

    email = models.EmailField("courriel public", blank=True)
    phone = models.CharField("téléphone public", max_length=40, blank=True)
    website = models.URLField("site web", max_length=500, blank=True)
    # Private: never serialised by the public API.
    contact_name = models.CharField("personne contact (privé)", max_length=200, blank=True)
    contact_email = models.EmailField("courriel de la personne contact (privé)", blank=True)
    contact_phone = models.CharField(
        "téléphone de la personne contact (privé)", max_length=40, blank=True
    )
    contact_consent = models.BooleanField(
        "la personne contact accepte que ses coordonnées soient publiées",
        default=False,
        db_default=False,
    )

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    last_verified = models.DateField("dernière vérification", null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates",
        help_text="Doublon probable de cet acteur (même SIRET, ou même nom à moins de 200 m).",
    )  # fmt: skip
    qpv_codes = ArrayField(
        models.CharField(max_length=12), default=list, blank=True, help_text="QPV où il se trouve."
    )
    qpv_near_codes = ArrayField(
        models.CharField(max_length=12),
        default=list,
        blank=True,
        help_text="QPV à moins de 300 m (quartier vécu).",
    )
    # What the public sees, defined once for Python and SQL alike: every public path filters
    # on this column (querysets: `listed()`; SQL files: `a.listed`), never on its parts.
    listed = models.GeneratedField(
        expression=Q(status=Status.PUBLISHED) & Q(duplicate_of__isnull=True),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    search = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Optimistic locking: an edit carries the version it started from, and a save that finds
    # another version is refused (contributions.services.save_checked): nothing is lost.
    version = models.PositiveIntegerField(default=1, db_default=1)
    # Every change, by import, contribution or moderation: who, when, what and why.
    history = HistoricalRecords(
        excluded_fields=HISTORY_EXCLUDED, cascade_delete_history=False, user_db_constraint=False
    )

    objects = ActorQuerySet.as_manager()

    class Meta:
        verbose_name = "acteur"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="actor_source_id_uniq"),
            models.CheckConstraint(
                condition=Q(siret="") | Q(siret__regex=r"^\d{14}$"), name="actor_siret_format"
            ),
            models.CheckConstraint(
                condition=Q(rna="") | Q(rna__regex=r"^W\d{9}$"), name="actor_rna_format"
            ),
            models.CheckConstraint(
                # Only what is published must stand somewhere: a proposal without a place
                # can still be refused or archived.
                condition=~Q(status="published") | Q(location__isnull=False),
                name="actor_published_located",
            ),
        ]
        indexes = [
            # SP-GiST (a quad-tree of exact points) for boxes: a département's box reads
            # 4 300 heap pages through it, 9 900 through GiST's rounded boxes (1 M actors).
            SpGistIndex(fields=["location"], name="actor_location_spgist"),
            GistIndex(fields=["geog"], name="actor_geog_gist"),
            GinIndex(fields=["themes"], name="actor_themes_gin"),
            GinIndex(fields=["publics"], name="actor_publics_gin"),
            GinIndex(fields=["territory_codes"], name="actor_territories_gin"),
            GinIndex(fields=["search"], name="actor_search_gin"),
            models.Index(fields=["listed", "kind"], name="actor_listed_kind"),
            models.Index(fields=["siret"], name="actor_siret", condition=~Q(siret="")),
            models.Index(fields=["name_key"], name="actor_name_key"),
            # A commune's actors, recounted alone (the tiles' cells, after a change there).
            # A territory's actors in id order (the API's pages, territory=…): the
            # planner walks them in one range, never the whole primary key.
            models.Index(fields=["commune_code", "id"], name="actor_commune_id"),
            models.Index(fields=["epci_code", "id"], name="actor_epci_id"),
            models.Index(fields=["bv_code", "id"], name="actor_bv_id"),
            models.Index(fields=["departement_code", "id"], name="actor_departement_id"),
            models.Index(fields=["region_code", "id"], name="actor_region_id"),
        ]

    def __str__(self) -> str:
        return self.name


class ActorSource(models.Model):
    """Every source an actor was read from, with its identifier there: one actor for one
    place, whatever the number of files that list it (France services, conseillers
    numériques, lieux de médiation numérique…)."""

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="sources")
    source = models.CharField(max_length=64)
    source_id = models.CharField(max_length=128)
    source_url = models.URLField(max_length=500, blank=True)
    first_seen = models.DateTimeField(auto_now_add=True)
    last_seen = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "source d’un acteur"
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="actor_source_uniq"),
        ]
        indexes = [models.Index(fields=["actor"], name="actor_source_actor")]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}"


class Initiative(TerritoryAttachment, Provenance):
    """An action, an experience: the fields of the centres sociaux action sheets, an
    organiser, partners, and a footprint (territories or a drawn area)."""

    title = models.CharField("titre", max_length=300)
    action_status = models.CharField("statut de l’action", max_length=120, blank=True)
    end_reason = models.TextField("raison de la fin", blank=True)
    dimension = models.CharField(max_length=200, blank=True)
    keywords = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    themes = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    publics = ArrayField(models.SlugField(max_length=60), default=list, blank=True)
    summary = models.TextField("résumé", blank=True)
    organizer = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="initiatives", verbose_name="structure organisatrice"
    )  # fmt: skip
    partner_actors = models.ManyToManyField(Actor, blank=True, related_name="partnerships")
    partners = ArrayField(
        models.CharField(max_length=300), default=list, blank=True, help_text="Partenaires cités."
    )
    initiators = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    initiative_precision = models.TextField(blank=True)
    context = models.TextField("contexte et objectifs", blank=True)
    territory_scope = models.CharField("territoire concerné", max_length=200, blank=True)
    description = models.TextField(blank=True)
    resources = models.TextField("ressources mobilisées", blank=True)
    people = models.TextField("personnes mobilisées", blank=True)
    results_territory = models.TextField("résultats pour le territoire", blank=True)
    results_centre = models.TextField("résultats pour la structure", blank=True)
    results_inhabitants = models.TextField("résultats pour les habitants", blank=True)
    limits = models.TextField("limites", blank=True)
    perspectives = models.TextField(blank=True)
    programme = models.SlugField(
        max_length=40, blank=True, default="", db_default="",
        help_text="Programme de l’État dont c’est un site (taxonomy.PROGRAMMES), vide sinon.",
    )  # fmt: skip
    footprint_codes = ArrayField(
        models.CharField(max_length=24),
        default=list,
        blank=True,
        help_text="Territoires couverts : « kind:code ».",
    )
    footprint = models.MultiPolygonField(srid=WGS84, null=True, blank=True)
    location = models.PointField(
        srid=WGS84, null=True, blank=True, help_text="Point représentatif de l’empreinte."
    )
    period = models.CharField("période", max_length=60, blank=True)
    url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # What the public sees (see Actor.listed).
    listed = models.GeneratedField(
        expression=Q(status=Status.PUBLISHED),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    search = SearchVectorField(null=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Optimistic locking: an edit carries the version it started from, and a save that finds
    # another version is refused (contributions.services.save_checked): nothing is lost.
    version = models.PositiveIntegerField(default=1, db_default=1)
    # Every change, by import, contribution or moderation: who, when, what and why.
    history = HistoricalRecords(
        excluded_fields=HISTORY_EXCLUDED, cascade_delete_history=False, user_db_constraint=False
    )

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        verbose_name = "initiative"
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"], name="initiative_source_id_uniq"
            ),
        ]
        indexes = [
            GistIndex(fields=["footprint"], name="initiative_footprint_gist"),
            GistIndex(fields=["location"], name="initiative_location_gist"),
            GinIndex(fields=["themes"], name="initiative_themes_gin"),
            GinIndex(fields=["publics"], name="initiative_publics_gin"),
            GinIndex(fields=["territory_codes"], name="initiative_territories_gin"),
            models.Index(
                fields=["programme"], name="initiative_programme", condition=~Q(programme="")
            ),
            GinIndex(fields=["search"], name="initiative_search_gin"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def public_organizer(self) -> "Actor | None":
        """The organiser, when the public may see it (its name must not leak otherwise)."""
        organizer = self.organizer
        return organizer if organizer is not None and organizer.listed else None


class Stop(models.Model):
    """A place and a time window: the unit of itinerant services and of planned tours."""

    actor = models.ForeignKey(
        Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="stops"
    )
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.CASCADE, related_name="stops"
    )
    place_name = models.CharField("lieu", max_length=300)
    address = models.CharField(max_length=300, blank=True)
    commune_code = models.CharField(max_length=5, blank=True)
    location = models.PointField(srid=WGS84)
    date = models.DateField(null=True, blank=True)
    weekday = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="0 = lundi … 6 = dimanche."
    )
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        verbose_name = "étape"
        ordering = ["date", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(actor__isnull=False) | Q(initiative__isnull=False),
                name="stop_has_owner",
            ),
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__lte=6), name="stop_weekday_range"
            ),
            models.CheckConstraint(
                condition=Q(start_time__isnull=True)
                | Q(end_time__isnull=True)
                | Q(start_time__lt=models.F("end_time")),
                name="stop_time_order",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_start__lte=models.F("period_end")),
                name="stop_period_order",
            ),
        ]
        indexes = [GistIndex(fields=["location"], name="stop_location_gist")]

    def __str__(self) -> str:
        return self.place_name


class DirectoryLoad(models.Model):
    """The last complete `import_directory` of a scope: the fingerprint of what it read
    (source files, the importers' code, the territories loaded), so that a second
    `make run` with nothing changed skips the directory in a second."""

    scope = models.TextField(unique=True, help_text="Départements, triés, ou « all ».")
    fingerprint = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "chargement de l'annuaire"
        verbose_name_plural = "chargements de l'annuaire"

    def __str__(self) -> str:
        return f"annuaire [{self.scope}] {self.fingerprint[:12]}"
