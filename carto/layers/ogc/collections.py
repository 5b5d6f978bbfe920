"""The collections served by OGC API Features: the directory, the agenda's upcoming
sessions, and one per territory kind.

Each collection knows its queryset, how PostGIS builds its features (the same SQL
functions as the /api/v1/ collections), and how an item id maps to a row. The directory's
collections also name their `entity`: their items are paged by the directory's own
statements (carto/actors/api/pages.py: one statement a page, keyset by id); territories
(at most some 35 000 communes) are paged through the ORM, keyset by code.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.gis.db.models import Extent
from django.db.models import QuerySet
from django.utils import timezone

from carto.actors.api import pages
from carto.actors.functions import ActorFeature, InitiativeFeature
from carto.actors.models import Actor, Initiative
from carto.agenda.functions import session_feature
from carto.agenda.models import Occurrence
from carto.territories.codes import Kind, normalize_code
from carto.territories.functions import TerritoryFeature
from carto.territories.models import Territory


@dataclass(frozen=True)
class Collection:
    id: str
    title: str
    description: str
    queryset: Callable[[], QuerySet]
    feature: Callable[[], object]  # the annotation building a Feature's text
    geometry_field: str
    lookup: Callable[[str], dict]  # item id -> filter kwargs (raises ValueError if malformed)
    entity: pages.Entity | None = None  # a directory collection: paged by pages.fetch
    key: str = "id"  # the keyset of a collection paged through the ORM (territory_page)

    def extent(self) -> list[float] | None:
        box = self.queryset().aggregate(box=Extent(self.geometry_field))["box"]
        return [round(value, 6) for value in box] if box else None


def _int_id(value: str) -> dict:
    return {"pk": int(value)}


def _territory_collection(kind: str) -> Collection:
    def lookup(value: str) -> dict:
        code = value.split(":", 1)[1] if value.startswith(f"{kind}:") else value
        return {"code": normalize_code(kind, code)}

    return Collection(
        id=f"territories-{kind}",
        title=f"Territoires : {Kind(kind).label.lower()}",
        description=f"Contours de référence ({Kind(kind).label}), WGS84.",
        queryset=lambda: Territory.objects.filter(kind=kind).order_by("code"),
        feature=lambda: TerritoryFeature(0.0, 6),
        geometry_field="geom",
        lookup=lookup,
        key="code",
    )


def _upcoming_sessions():
    """The agenda's sessions from now to the horizon (recurrences already expanded)."""
    now = timezone.now()
    return (
        Occurrence.objects.listed()
        .between(now, now + timedelta(days=settings.CARTO_AGENDA_HORIZON_DAYS))
        .with_places_taken()
        .order_by("id")
    )


COLLECTIONS: dict[str, Collection] = {
    collection.id: collection
    for collection in [
        Collection(
            id="actors",
            title="Acteurs de la participation citoyenne",
            description="Centres sociaux, associations, tiers-lieux, France services, lieux de médiation numérique…",
            queryset=lambda: Actor.objects.listed().in_directory().order_by("id"),
            feature=lambda: ActorFeature(None),
            geometry_field="location",
            lookup=_int_id,
            entity=pages.ACTORS,
        ),
        Collection(
            id="initiatives",
            title="Initiatives",
            description="Actions et expériences ; géométrie : l'empreinte, sinon le lieu de la structure.",
            queryset=lambda: Initiative.objects.listed().order_by("id"),
            feature=lambda: InitiativeFeature(0.0, None),
            geometry_field="location",
            lookup=_int_id,
            entity=pages.INITIATIVES,
        ),
        Collection(
            id="events",
            title="Agenda : séances à venir",
            description="Rencontres, ateliers, formations, permanences… une séance par objet (les récurrences développées) ; géométrie : le lieu, nulle pour une séance en ligne.",
            queryset=_upcoming_sessions,
            feature=lambda: session_feature(
                settings.CARTO_SITE_URL.rstrip("/") + "/agenda/evenements/"
            ),
            geometry_field="event__location",
            lookup=_int_id,
        ),
        *[_territory_collection(kind) for kind in Kind.values],
    ]
}
