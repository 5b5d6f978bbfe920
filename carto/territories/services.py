"""Use cases of the reference geography beside its import (importer.py): locating a
point in the territories."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from .codes import Kind
from .models import Territory


@dataclass
class Location:
    lon: float
    lat: float
    by_kind: dict[str, Territory | None]
    qpv: list[Territory]
    qpv_in_commune: list[Territory]


def locate(lon: float, lat: float) -> Location:
    """The territories that contain a point.

    The commune comes from point-in-polygon on the subdivided outlines; its
    EPCI, département, région and bassin de vie from the INSEE membership stored
    on it (the generalised outlines of different sources disagree near borders).
    A kind the commune does not name is found by point-in-polygon too. QPV are
    found by their outlines; the QPV of the commune whose outline is unknown are
    listed apart (« qpv_in_commune »).
    """
    containing = list(Territory.objects.containing(lon, lat).defer("geom"))
    found: dict[str, list[Territory]] = defaultdict(list)
    for territory in containing:
        found[territory.kind].append(territory)
    commune = min(found[Kind.COMMUNE], key=lambda t: t.code, default=None)
    by_kind: dict[str, Territory | None] = {Kind.COMMUNE: commune}
    parent_codes = {}
    if commune is not None:
        parent_codes = {
            Kind.EPCI: commune.epci_code,
            Kind.DEPARTEMENT: commune.departement_code,
            Kind.REGION: commune.region_code,
            Kind.BV: commune.bv_code,
        }
    parents = {
        (t.kind, t.code): t
        for t in Territory.objects.defer("geom").filter(
            code__in=[code for code in parent_codes.values() if code],
            kind__in=list(parent_codes),
        )
    }
    for kind in (Kind.REGION, Kind.DEPARTEMENT, Kind.EPCI, Kind.BV):
        code = parent_codes.get(kind)
        by_kind[kind] = parents.get((kind, code)) if code else None
        if by_kind[kind] is None and not code:
            by_kind[kind] = min(found[kind], key=lambda t: t.code, default=None)
    qpv = sorted(found[Kind.QPV], key=lambda t: t.code)
    qpv_in_commune = []
    if commune is not None:
        qpv_in_commune = list(
            Territory.objects.defer("geom")
            .filter(kind=Kind.QPV, geom__isnull=True, commune_codes__contains=[commune.code])
            .order_by("code")
        )
    return Location(lon=lon, lat=lat, by_kind=by_kind, qpv=qpv, qpv_in_commune=qpv_in_commune)
