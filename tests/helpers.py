"""Helpers shared by the test suites: response bodies, and expected values computed
independently of the application (shapely on the territory outlines, never the
`territory_codes` the code under test stores and filters on)."""

import json
import math
import os
import threading

from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from shapely.geometry import Point, shape
from shapely.prepared import prep

from carto.actors.models import Actor, Initiative
from carto.territories.models import Territory

# Outlines come from different official files (communes, EPCI, départements…) that do
# not share their borders exactly. Against a département or a région, a footprint next
# to it overlaps it by a sliver (at most 0.3 % of the smaller of the two in the demo
# data), one inside it by at least 98 %: anything above this share stands in it. Against
# a commune, an EPCI or a bassin de vie the files disagree by up to 15 %: there, use
# initiatives_of(), through the INSEE membership of communes.
OVERLAP_SHARE = 0.05

# CARTO_PROPERTY_SCALE=20 explores twenty times as many examples (still deterministic).
SCALE = float(os.environ.get("CARTO_PROPERTY_SCALE", "1"))


def properties(max_examples: int):
    """Deterministic hypothesis settings: the same examples on every run, no example database."""
    return hypothesis_settings(
        max_examples=max(1, round(max_examples * SCALE)),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def body(response) -> bytes:
    """The whole body of a response, streaming or not."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def csp_directives(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


def outline(kind: str, code: str):
    """The territory's outline as a shapely geometry."""
    return shape(json.loads(Territory.objects.get(kind=kind, code=code).geom.json))


def public_actors(hosts: bool = False):
    """The actors the directory shows a visitor who names no kind: published, not a
    duplicate, and not a host place (a town hall, `host_only`: shown only to a visitor
    asking for its kind). `hosts=True`: every published original, host places included."""
    actors = Actor.objects.filter(status="published", duplicate_of__isnull=True)
    return actors if hosts else actors.filter(host_only=False)


def actors_inside(geometry) -> list[Actor]:
    """The public actors whose location lies in `geometry` (point in polygon)."""
    inside = prep(geometry)
    return [a for a in public_actors() if inside.contains(Point(a.location.x, a.location.y))]


def stands_in(footprint, geometry) -> bool:
    """Whether a point lies in `geometry`, or an area overlaps it by more than
    OVERLAP_SHARE of the smaller of the two."""
    if footprint.geom_type == "Point":
        return geometry.contains(footprint)
    overlap = footprint.intersection(geometry).area
    return overlap > OVERLAP_SHARE * min(footprint.area, geometry.area)


def initiatives_inside(geometry) -> list[Initiative]:
    """The published initiatives whose footprint, or else location, stands in `geometry`."""
    return [
        initiative
        for initiative in Initiative.objects.filter(status="published").select_related("organizer")
        if (initiative.footprint or initiative.location)
        and stands_in(
            shape(json.loads((initiative.footprint or initiative.location).json)), geometry
        )
    ]


def covered_communes(initiative: Initiative) -> set[str]:
    """The communes an initiative covers: those its footprint names (the member communes
    of a named EPCI, BV, département…), else its organiser's."""
    communes = Territory.objects.filter(kind="commune")
    covered = set()
    for reference in initiative.footprint_codes:
        kind, code = reference.split(":", 1)
        if kind == "commune":
            covered.add(code)
        elif kind == "qpv":
            covered.update(Territory.objects.get(kind="qpv", code=code).commune_codes)
        else:
            covered.update(communes.filter(**{f"{kind}_code": code}).values_list("code", flat=True))
    if not initiative.footprint_codes and initiative.organizer:
        covered.add(initiative.organizer.commune_code)
    return covered


def initiatives_of(kind: str, code: str) -> list[Initiative]:
    """The published initiatives covering a commune of this commune, EPCI, BV, département
    or région (INSEE membership of the communes, not the stored territory codes)."""
    field = "code" if kind == "commune" else f"{kind}_code"
    members = set(
        Territory.objects.filter(kind="commune", **{field: code}).values_list("code", flat=True)
    )
    return [
        initiative
        for initiative in Initiative.objects.filter(status="published").select_related("organizer")
        if covered_communes(initiative) & members
    ]


def haversine_m(lon1, lat1, lon2, lat2) -> float:
    """Great-circle distance in metres on the mean sphere (within 0.5 % of the spheroid)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


# -- concurrency: what separate requests do, each on its own connection -------------------


def in_own_connection(function, *args):
    """Run in a thread of its own, on its own connection, committed (not in the test's
    transaction); its result."""
    result = []

    def run():
        try:
            result.append(function(*args))
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return result[0]


def together(function, arguments: list, refused: tuple = ()) -> list:
    """Call function(argument) in one thread per argument, each on its own connection, all
    released at once; the outcomes ("ok", result), ("refused", exception) for the
    `refused` exception types, or ("error", exception), in no particular order."""
    barrier, outcomes = threading.Barrier(len(arguments)), []

    def run(argument):
        try:
            barrier.wait()
            outcomes.append(("ok", function(argument)))
        except refused as refusal:
            outcomes.append(("refused", refusal))
        except Exception as error:  # a deadlock or anything unexpected: the test shows it
            outcomes.append(("error", error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes
