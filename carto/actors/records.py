"""What an importer makes of a source row: an ActorRecord, or a RowError saying why not.

Its own module so that the importers and the data·inclusion mapping (which reads and
writes records both ways) depend on it, not on each other."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Precision, Status


class RowError(Exception):
    """A row that cannot be imported; the message says why, in French."""


@dataclass
class ActorRecord:
    source_id: str
    name: str
    kind: str
    lon: float | None = None
    lat: float | None = None
    precision: str = Precision.ADDRESS
    to_locate: bool = False
    themes: list[str] = field(default_factory=list)
    publics: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    description: str = ""
    siret: str = ""
    rna: str = ""
    network: str = ""
    address: str = ""
    address_extra: str = ""
    postcode: str = ""
    city: str = ""
    commune_code: str = ""
    opening_hours: str = ""
    services: list[str] = field(default_factory=list)  # LMN vocabulary (carto.actors.lmn.SERVICES)
    access_conditions: list[str] = field(default_factory=list)  # LMN « frais à charge » (lmn.FRAIS)
    appointment: bool = False
    itinerant: bool = False
    amenities: list[str] = field(default_factory=list)  # taxonomy.AMENITIES slugs
    host_only: bool = False  # a host place (a town hall): shown when its kind is asked for
    email: str = ""
    phone: str = ""
    website: str = ""
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    source_url: str = ""
    service_area_codes: list[str] = field(default_factory=list)
    status: str = Status.PUBLISHED
    parent_source_id: str = ""  # the principal site of an antenna, in the same source
    notes: list[str] = field(
        default_factory=list
    )  # non-blocking remarks (e.g. hours not understood)


# Precisions at which a point is only a stand-in for the place (its town hall, its département).
ROUGH_PRECISIONS = {Precision.COMMUNE, Precision.DEPARTEMENT}


def combine(primary: dict, secondary: dict) -> dict:
    """An actor's values when two sources describe it: `primary` (the source that owns the
    field's say) wins, `secondary` fills what it leaves empty and adds to its lists.

    Text: the primary's unless empty; lists: the primary's, then the secondary's items it
    lacks (labels, services… are unions); dicts: the secondary's keys overridden by the
    primary's; a rough position (to locate, or placed at the commune or département) gives
    way to a precise one, with its precision; `last_verified`: the later date; anything
    else: the primary's. Keys only `primary` holds are kept as they are."""
    merged = dict(primary)
    for name, value in primary.items():
        other = secondary.get(name)
        if other is None:
            continue
        if isinstance(value, str):
            merged[name] = value or other
        elif isinstance(value, list):
            merged[name] = [*value, *(item for item in other if item not in value)]
        elif isinstance(value, dict):
            merged[name] = {**other, **value}
    if "last_verified" in primary and secondary.get("last_verified"):
        days = [day for day in (primary["last_verified"], secondary["last_verified"]) if day]
        merged["last_verified"] = max(days)
    if "location" in primary and _rough(primary) and not _rough(secondary):
        for name in ("location", "precision", "to_locate"):
            merged[name] = secondary[name]
    return merged


def _rough(values: dict) -> bool:
    return (
        values.get("location") is None
        or values.get("to_locate")
        or values.get("precision") in ROUGH_PRECISIONS
    )
