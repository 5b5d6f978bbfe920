"""Reference geography: régions, départements, EPCI, communes, bassins de vie, QPV.

Territories are written only by the importer (`import_territories`) and read by
everyone else. Design choices:

- one table for every kind, unique on (kind, code), MultiPolygon in EPSG:4326,
  valid by constraint (the importer repairs with ST_MakeValid before writing);
- parents are stored as codes on each row (a commune knows its EPCI,
  département, région and bassin de vie; a QPV, an EPCI or a bassin de vie
  the communes it spans), so membership is a lookup, never a spatial join;
- every outline is also stored subdivided (`TerritoryPart`, ST_Subdivide) so
  that point-in-polygon tests touch a few small polygons through the GiST index
  instead of one huge one;
- a QPV may be known by its code and communes before its outline: `geom` is
  null then, and `anchor` is the town hall of its commune.
"""

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, GistIndex, OpClass
from django.db.models import Q
from django.db.models.functions import Upper

from carto.srid import WGS84

from .codes import CODE_PATTERNS, Kind
from .querysets import TerritoryPartQuerySet, TerritoryQuerySet


def _code_format_check() -> Q:
    condition = Q()
    for kind, pattern in CODE_PATTERNS.items():
        condition |= Q(kind=kind, code__regex=pattern)
    return condition


class Territory(models.Model):
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    code = models.CharField("code officiel", max_length=12)
    name = models.CharField("nom", max_length=200)
    name_search = models.CharField(
        max_length=200,
        editable=False,
        help_text="Nom sans accents ni ponctuation, pour la recherche.",
    )
    population = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Population municipale (somme des communes pour un groupement).",
    )
    commune_count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Nombre de communes (tout le territoire, pas seulement le chargé).",
    )
    region_code = models.CharField(max_length=3, blank=True)
    departement_code = models.CharField(max_length=3, blank=True)
    epci_code = models.CharField(max_length=9, blank=True)
    bv_code = models.CharField(max_length=5, blank=True)
    departement_codes = ArrayField(models.CharField(max_length=3), default=list, blank=True)
    commune_codes = ArrayField(models.CharField(max_length=5), default=list, blank=True)
    geom = models.MultiPolygonField(srid=WGS84, null=True, blank=True)
    anchor = models.PointField(
        srid=WGS84,
        null=True,
        blank=True,
        help_text="Point représentatif : la mairie d’une commune, un point intérieur sinon.",
    )
    vintage = models.CharField("millésime", max_length=16)
    source = models.CharField(max_length=64, help_text="Jeu de données du manifeste.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = "territoire"
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="territory_kind_code_uniq"),
            models.CheckConstraint(condition=_code_format_check(), name="territory_code_format"),
            models.CheckConstraint(
                condition=Q(geom__isnull=True) | Q(geom__isvalid=True), name="territory_geom_valid"
            ),
            models.CheckConstraint(
                condition=Q(geom__isnull=False) | Q(kind=Kind.QPV), name="territory_geom_required"
            ),
        ]
        indexes = [
            GistIndex(fields=["geom"], name="territory_geom_gist"),
            GinIndex(OpClass("name_search", name="gin_trgm_ops"), name="territory_name_trgm"),
            models.Index(Upper("code"), name="territory_code_upper"),
            models.Index(fields=["kind", "departement_code"], name="territory_kind_dep"),
            GinIndex(fields=["commune_codes"], name="territory_communes_gin"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} ({self.code})"


class TerritoryPart(models.Model):
    """A piece of a territory's outline, from ST_Subdivide: fast point-in-polygon."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="parts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    geom = models.PolygonField(srid=WGS84)

    objects = TerritoryPartQuerySet.as_manager()

    class Meta:
        indexes = [GistIndex(fields=["geom"], name="territorypart_geom_gist")]


class DatasetLoad(models.Model):
    """What was last imported from each dataset of the manifest, to skip unchanged files."""

    dataset = models.CharField(max_length=64)
    scope = models.TextField(help_text="Départements importés, triés, séparés par des virgules.")
    file = models.CharField(max_length=300)
    sha256 = models.CharField(max_length=64)
    counts = models.JSONField(default=dict)
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dataset", "scope"], name="datasetload_dataset_scope_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dataset} [{self.scope}] {self.sha256[:12]}"


class TerritoryShape(models.Model):
    """A territory's outline simplified for one map zoom, as GeoJSON text: computed once
    when first asked (`shapes.simplified`), emptied when territories are re-imported.
    At national scale, simplifying 35 000 communes on every coverage request took seconds."""

    territory = models.ForeignKey(Territory, on_delete=models.CASCADE, related_name="shapes")
    zoom = models.PositiveSmallIntegerField()
    commune_fallback = models.BooleanField(default=False)
    geometry = models.TextField(null=True, help_text="GeoJSON ; null : pas de contour.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "zoom", "commune_fallback"], name="territoryshape_uniq"
            )
        ]
