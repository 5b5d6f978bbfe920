"""What the layers app stores: the listed actors counted per cell of a web-mercator grid,
from which the actor tiles draw their clusters at low zoom (carto/layers/tiles/).

`layers` never writes to the directory; this table is derived from it by
`carto.layers.tiles.aggregates.refresh_actor_aggregates` and can be rebuilt at any time.
"""

from django.db import models
from django.db.models import Q

from carto.actors.querysets import ActorQuerySet


class ActorCellQuerySet(ActorQuerySet):
    """The directory's own kind filters (`of_kinds`; `in_directory`, which leaves the host
    places out unless a kind is asked for; `matching`, which chains them) applied to cells
    whose columns carry the actor's names (kind, host_only): a tile's clusters select their
    actors by the very rule the API uses. Themes and publics are facets of the cells (one
    theme or one public a row); `q` and `territory` are answered from the actors."""

    def with_facet(self, facet: str):
        """The rows counting the actors with this theme or public ("" : all of them)."""
        return self.filter(facet=facet)


class ActorCell(models.Model):
    """How many listed actors of one kind stand in a cell of the tile grid — all of them
    (`facet` ""), or those with one theme (`theme:<slug>`) or one public (`public:<slug>`) —
    with the sum of their web-mercator coordinates (the cluster is drawn at their mean) and
    the smallest of their ids (the actor itself when alone).

    A cell of zoom z is 1/8 of a tile of zoom z, on both axes (an 8 × 8 grid per tile,
    32 px cells on a 256 px tile). The finest zoom's rows are kept per commune, so that a
    commune's actors can be recounted alone; coarser zooms are sums of the finer one.
    One facet a row keeps the table about (1 + themes + publics an actor) times the cells,
    and a tile reads the rows of one facet only: a single theme or public is exact; several,
    or a theme and a public together, are counted from the actors (tiles/build.py)."""

    zoom = models.PositiveSmallIntegerField(help_text="Zoom des tuiles que la cellule sert.")
    x = models.IntegerField(help_text="Colonne de la cellule (grille 8 × 8 par tuile).")
    y = models.IntegerField(help_text="Ligne de la cellule.")
    tile_x = models.IntegerField()
    tile_y = models.IntegerField()
    commune_code = models.CharField(max_length=5, blank=True)
    kind = models.CharField(max_length=60)
    host_only = models.BooleanField()
    facet = models.CharField(
        max_length=70, blank=True, help_text="« theme:<slug> », « public:<slug> », ou vide."
    )
    count = models.IntegerField()
    sum_x = models.FloatField(help_text="Somme des x web-mercator (EPSG:3857) des acteurs.")
    sum_y = models.FloatField()
    first_id = models.BigIntegerField(help_text="Le plus petit identifiant d’acteur.")

    objects = ActorCellQuerySet.as_manager()

    class Meta:
        verbose_name = "cellule d’agrégats d’acteurs"
        indexes = [
            # A tile reads one facet's cells in itself and its neighbours (the buffer).
            models.Index(fields=["zoom", "facet", "tile_x", "tile_y"], name="actorcell_tile"),
            # The roll-up reads the children of the cells it recounts.
            models.Index(fields=["zoom", "x", "y"], name="actorcell_cell"),
            models.Index(fields=["commune_code"], condition=Q(zoom=11), name="actorcell_commune"),
        ]

    def __str__(self) -> str:
        return f"{self.zoom}/{self.x}/{self.y} {self.kind} {self.facet} ({self.count})"
