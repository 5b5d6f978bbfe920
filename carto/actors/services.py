"""Use cases of the directory: attaching records to their territories, writing actors
from importers (upsert on provenance, deduplication), taxonomy checks.

Territory membership is computed here, once, when a record is written, and again
for every record when the territories are re-imported (signal
`territories_imported`); readers never compute it per request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection
from django.db.models import F
from django.utils import timezone

from carto.tables import settle
from carto.territories.codes import Kind
from carto.territories.models import Territory

from .models import Actor, ActorSource, Initiative
from .signals import directory_changed
from .sql import load_queries

BATCH = 5000


def record_sources(source: str, actors: dict[str, tuple[int, str]]) -> None:
    """Record that each actor (id, url, by source id) was read from `source`: an actor keeps
    every source that lists it, and a source id always points at one actor."""
    ActorSource.objects.bulk_create(
        [
            ActorSource(actor_id=actor_id, source=source, source_id=source_id, source_url=url)
            for source_id, (actor_id, url) in actors.items()
        ],
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["source", "source_id"],
        update_fields=["actor", "source_url", "last_seen"],
    )


def record_changes(model, ids: Iterable[int], reason: str, since: datetime) -> None:
    """After a bulk write that bypassed save() (an import's upsert, a bulk update): the
    version of each updated entry goes up, so that an edit started before it is refused
    rather than silently overwriting it, and each written entry gets its history row as it
    now stands (« + » when created since `since`, « ~ » otherwise), with `reason`."""
    ids = sorted(set(ids))
    model.objects.filter(id__in=ids, created_at__lt=since).update(version=F("version") + 1)
    for start in range(0, len(ids), BATCH):
        rows = list(model.objects.filter(id__in=ids[start : start + BATCH]).order_by("id"))
        for update in (False, True):
            model.history.bulk_history_create(
                [row for row in rows if (row.created_at < since) == update],
                update=update,
                default_change_reason=reason,
                default_date=timezone.now(),
            )


def enriched_by_others(source: str, actor_ids: Iterable[int]) -> set[int]:
    """Those of these actors that another source than `source` also lists (merged places)."""
    return set(
        ActorSource.objects.filter(actor_id__in=list(actor_ids))
        .exclude(source=source)
        .values_list("actor_id", flat=True)
    )


def analyze_directory() -> None:
    """After an import, the directory's tables in shape for reading (carto.tables.settle):
    the planner's statistics follow the data (a stale estimate turns an index scan into
    thousands of repeated reach checks) and the GIN indexes hold what was written."""
    settle("actors_actor", "actors_initiative")


def attach_actors(ids: Iterable[int] | None = None) -> int:
    """Compute the territory codes of these actors (all when None). Returns the count."""
    ids = list(Actor.objects.values_list("id", flat=True)) if ids is None else list(ids)
    queries = load_queries("attach.sql")
    done = 0
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            batch = {"ids": ids[start : start + BATCH]}
            cursor.execute(queries["attach_actors"], batch)
            done += cursor.rowcount
            cursor.execute(queries["resolve_service_areas"], batch)
    return done


def footprint_territory_codes(codes: Iterable[str]) -> list[str]:
    """All "kind:code" a footprint stands in: each territory, its member communes, and
    every parent of those communes (EPCI, bassin de vie, département, région)."""
    wanted = [tuple(code.split(":", 1)) for code in codes if ":" in code]
    found: set[str] = set()
    territories = Territory.objects.defer("geom")
    condition = None
    from django.db.models import Q

    for kind, code in wanted:
        found.add(f"{kind}:{code}")
        clause = Q(kind=kind, code=code)
        condition = clause if condition is None else condition | clause
    if condition is None:
        return []
    communes: set[str] = set()
    for territory in territories.filter(condition):
        _add_parents(found, territory)
        if territory.kind == Kind.COMMUNE:
            communes.add(territory.code)
        communes.update(territory.commune_codes)
    for commune in territories.filter(kind=Kind.COMMUNE, code__in=sorted(communes)):
        found.add(f"commune:{commune.code}")
        _add_parents(found, commune)
    return sorted(found)


def _add_parents(found: set[str], territory: Territory) -> None:
    for kind, code in (
        ("epci", territory.epci_code),
        ("bv", territory.bv_code),
        ("departement", territory.departement_code),
        ("region", territory.region_code),
    ):
        if code:
            found.add(f"{kind}:{code}")
    for code in territory.departement_codes:
        found.add(f"departement:{code}")


def attach_initiatives(ids: Iterable[int] | None = None) -> int:
    """Territory codes of initiatives from their footprint codes, else their organiser's."""
    queryset = Initiative.objects.select_related("organizer")
    if ids is not None:
        queryset = queryset.filter(id__in=list(ids))
    now = timezone.now()
    changed = []
    for initiative in queryset.only(
        "id", "footprint_codes", "organizer__territory_codes", "organizer__location", "location"
    ):
        if initiative.footprint_codes:
            codes = footprint_territory_codes(initiative.footprint_codes)
        elif initiative.organizer_id:
            codes = list(initiative.organizer.territory_codes)
        else:
            codes = []
        initiative.territory_codes = codes
        initiative.attached_at = now
        changed.append(initiative)
    Initiative.objects.bulk_update(changed, ["territory_codes", "attached_at"], batch_size=1000)
    with connection.cursor() as cursor:
        cursor.execute(
            load_queries("attach.sql")["resolve_footprints"], {"ids": [i.id for i in changed]}
        )
    return len(changed)


def reattach_everything(**_kwargs) -> None:
    """Receiver of `territories_imported`: the territories changed, recompute every record,
    then tell the directory's readers (they derive from these codes: they come after)."""
    attach_actors()
    attach_initiatives()
    directory_changed.send(sender=reattach_everything)
