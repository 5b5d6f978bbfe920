"""Likely duplicates of a proposed actor, shown before it is sent: listed actors with the
same SIRET, or with a similar name within 1 km.

Similar names: trigram similarity (pg_trgm) of the normalised names (`name_key`, accents
and punctuation removed), the better of the whole-name and the word measures, so that
« Centre social Vauban » meets « CENTRE SOCIAL VAUBAN - ASSOCIATION ». The distance test
goes through the geography GiST index (`dwithin`), then only those few are compared.
Only listed actors, and only their public fields, are ever answered.
"""

from django.contrib.gis.geos import Point
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db.models.functions import Greatest
from django.urls import reverse

from carto.actors.models import Actor
from carto.actors.querysets import Distance, Geography
from carto.srid import WGS84
from carto.territories.codes import search_key

RADIUS_M = 1000
SIMILAR = 0.4
LIMIT = 5


def likely_duplicates(name: str = "", point: tuple | None = None, siret: str = "") -> list[dict]:
    """Up to LIMIT listed actors, same SIRET first, then by similarity of names near
    `point` (lon, lat)."""
    listed = Actor.objects.listed().select_related("kind")
    found: dict[int, dict] = {}
    if siret:
        for actor in listed.filter(siret=siret).order_by("id")[:LIMIT]:
            found[actor.pk] = _described(actor, "même SIRET", None)
    key = search_key(name)
    if point is not None and len(key) >= 3:
        here = Point(*point, srid=WGS84)
        nearby = (
            listed.filter(geog__dwithin=(here, RADIUS_M))
            .annotate(
                similarity=Greatest(
                    TrigramSimilarity("name_key", key), TrigramWordSimilarity(key, "name_key")
                ),
                distance_m=Distance("geog", Geography(here)),
            )
            .filter(similarity__gte=SIMILAR)
            .order_by("-similarity", "distance_m")[:LIMIT]
        )
        for actor in nearby:
            found.setdefault(actor.pk, _described(actor, "nom proche", round(actor.distance_m)))
    return list(found.values())[:LIMIT]


def _described(actor: Actor, reason: str, distance_m: int | None) -> dict:
    map_url = reverse("map")
    if actor.location is not None:
        map_url += f"?actor={actor.pk}&map={actor.location.y:.5f},{actor.location.x:.5f},16"
    return {
        "id": actor.pk,
        "name": actor.name,
        "kind_label": actor.kind.label,
        "city": actor.city,
        "reason": reason,
        "distance_m": distance_m,
        "correction_url": reverse("report-actor", kwargs={"pk": actor.pk}),
        "map_url": map_url,
    }
