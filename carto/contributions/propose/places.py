"""Whether a proposed point stands in France, with a French reason when it does not.

Design choice: a point is accepted when it lies in a loaded territory outline (a commune,
or a département or région whose communes are not loaded); a point near loaded outlines
but in none of them is in the sea or abroad, and is refused. Far from any loaded outline
(a part of France whose territories were not imported, as in the demo), the bounding
boxes of France, metropolitan and overseas, are the only check left: the référent will
see the point before publishing it. Every lookup goes through the GiST index of the
subdivided outlines.
"""

from django.contrib.gis.geos import Point

from carto.srid import WGS84
from carto.territories.models import TerritoryPart

# (west, south, east, north) of metropolitan France with Corsica, and of the overseas
# départements and collectivités.
FRANCE_BOXES = {
    "métropole": (-5.3, 41.3, 9.7, 51.2),
    "Guadeloupe": (-61.9, 15.8, -60.9, 16.6),
    "Martinique": (-61.3, 14.35, -60.75, 14.95),
    "Guyane": (-54.7, 2.1, -51.5, 5.9),
    "La Réunion": (55.2, -21.45, 55.9, -20.85),
    "Mayotte": (44.9, -13.1, 45.35, -12.6),
    "Saint-Pierre-et-Miquelon": (-56.5, 46.7, -56.1, 47.15),
    "Saint-Martin et Saint-Barthélemy": (-63.2, 17.85, -62.75, 18.15),
    "Wallis-et-Futuna": (-178.3, -14.4, -176.1, -13.1),
    "Polynésie française": (-154.8, -27.7, -134.4, -7.8),
    "Nouvelle-Calédonie": (163.5, -22.8, 168.2, -19.5),
}
# Outlines that say « this is land in France » (QPV and others are inside them).
LAND_KINDS = ["commune", "departement", "region", "epci", "bv"]
# Within this distance (degrees, 70 to 110 km) of a loaded outline, France is known around
# the point: one in no outline is in the sea or abroad.
KNOWN_AROUND = 1.0

OUTSIDE = (
    "ce point est hors de France (ni en métropole ni outre-mer) : "
    "vérifiez la latitude et la longitude, ou cliquez sur la carte."
)
NO_COMMUNE = (
    "ce point n’est dans aucune commune : il semble être en mer ou à l’étranger "
    "(ou dans un territoire que carto ne couvre pas encore). Placez le repère sur le lieu."
)


def in_france_boxes(lon: float, lat: float) -> bool:
    return any(w <= lon <= e and s <= lat <= n for w, s, e, n in FRANCE_BOXES.values())


def point_problem(lon: float, lat: float) -> str | None:
    """Why this point cannot be a place in France (French), or None when it can."""
    if not in_france_boxes(lon, lat):
        return OUTSIDE
    point = Point(lon, lat, srid=WGS84)
    parts = TerritoryPart.objects.filter(kind__in=LAND_KINDS)
    if parts.filter(geom__intersects=point).exists():
        return None
    if parts.filter(geom__dwithin=(point, KNOWN_AROUND)).exists():
        return NO_COMMUNE
    return None
