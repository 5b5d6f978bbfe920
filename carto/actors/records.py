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
    appointment: bool = False
    itinerant: bool = False
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
