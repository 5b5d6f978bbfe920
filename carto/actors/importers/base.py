"""Importers of the directory: one framework, one small class per source.

Every importer reads its file row by row and turns each row into an
`ActorRecord`, or rejects it with a French reason. Then:
- by default the import is atomic: one rejected row aborts it, nothing written;
- with `partial=True` the valid rows are written and each rejected row is listed
  (line, source id, reason) in the summary and in a CSV report;
- rows are upserted on (source, source id): a second import updates, never
  duplicates; then the written actors are attached to their territories and
  checked for duplicates (same SIRET, or same name within 200 m) against the
  whole directory.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import Point
from django.db import connection, transaction
from django.utils import timezone

from carto import csv_export
from carto.sources import SourceError, optional_point
from carto.srid import WGS84
from carto.territories.codes import Kind, is_valid_code, search_key
from carto.territories.models import Territory

from ..models import Actor, ActorKind, Precision, Public, Theme
from ..records import ActorRecord, RowError, combine
from ..services import (
    analyze_directory,
    attach_actors,
    enriched_by_others,
    record_changes,
    record_sources,
)
from ..signals import directory_changed
from ..sql import load_queries
from ..taxonomy import AMENITIES, slugs


class ImportAborted(Exception):
    """The import was refused and nothing was written."""


class SkipRow(Exception):
    """A row that is not a place of the directory (an administrative office, a closed
    store…): left out on purpose, counted by its reason (the message, in French)."""


class OutOfScope(Exception):
    """A row outside the requested départements, known before it is converted."""


@dataclass
class Rejected:
    line: str
    source_id: str
    reason: str


@dataclass
class ActorImportSummary:
    source: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    duplicates: list[tuple[int, int]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> rows left out on purpose
    merged: dict[str, int] = field(default_factory=dict)  # how rows met actors already there
    out_of_scope: int = 0
    dry_run: bool = False
    seconds: float = 0.0

    def lines(self) -> list[str]:
        head = "Simulation (--dry-run) : rien n'a été écrit. " if self.dry_run else ""
        scope = f", {self.out_of_scope} hors des départements demandés" if self.out_of_scope else ""
        lines = [
            f"{head}{self.source} : {self.created} créés, {self.updated} mis à jour, "
            f"{self.unchanged} inchangés, {len(self.rejected)} rejetés{scope} ({self.seconds:.1f} s).",
            f"  Doublons signalés : {len(self.duplicates)}",
        ]
        lines.extend(f"  Ignorés : {count} ({reason})" for reason, count in self.skipped.items())
        lines.extend(f"  Rapprochés : {count} ({how})" for how, count in self.merged.items())
        lines.extend(
            f"  Rejet {r.line} ({r.source_id or 'sans identifiant'}) : {r.reason}"
            for r in self.rejected[:30]
        )
        if len(self.rejected) > 30:
            lines.append(f"  … et {len(self.rejected) - 30} autres rejets (voir le rapport)")
        lines.extend(f"  Remarque : {note}" for note in self.notes[:30])
        if len(self.notes) > 30:
            lines.append(f"  … et {len(self.notes) - 30} autres remarques")
        return lines

    def write_report(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = ((row.line, row.source_id, row.reason) for row in self.rejected)
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.writelines(csv_export.lines(["ligne", "identifiant_source", "motif"], rows))


# Fields copied from a record to the Actor row (the rest are derived or relational).
RECORD_FIELDS = [
    f.name
    for f in fields(ActorRecord)
    if f.name not in {"lon", "lat", "kind", "parent_source_id", "notes", "source_id"}
]
UPDATE_FIELDS = [*RECORD_FIELDS, "name_key", "kind", "location", "last_verified"]
AMENITY_SLUGS = set(slugs(AMENITIES))


ARTICLE = re.compile(r"^(le|la|les|l)\s+")


def place_key(name: str) -> str:
    """A commune name compared without article, « St »/« Ste », nor « Cedex »:
    « Le Portel » and the territory « Portel », « St Omer » and « Saint-Omer » meet."""
    key = search_key(re.sub(r"\bcedex\b.*$", "", name, flags=re.IGNORECASE))
    key = " ".join({"st": "saint", "ste": "sainte"}.get(word, word) for word in key.split())
    return ARTICLE.sub("", key)


def departement_of(commune_code: str) -> str:
    """The département of an INSEE commune code (97x overseas, 2A/2B Corsica)."""
    return commune_code[:3] if commune_code.startswith("97") else commune_code[:2]


def _same(old: dict, values: dict, kind: str, location: Point) -> bool:
    """Whether a stored row already holds these values (location to the micro-degree)."""
    if old["kind_id"] != kind or any(old[name] != value for name, value in values.items()):
        return False
    stored = old["location"]
    return (
        stored is not None
        and abs(stored.x - location.x) < 1e-7
        and abs(stored.y - location.y) < 1e-7
    )


class ActorImporter:
    """Base of the actor importers. Subclasses set `source`, `default_file` and
    implement `rows()` (line reference, raw row) and `convert(raw) -> ActorRecord`."""

    source: str = ""
    title: str = ""
    default_file: str = ""  # relative to CARTO_DATA_DIR

    def __init__(
        self,
        path: Path | None = None,
        departements: list[str] | None = None,
        progress: Callable = lambda iterable, **kw: iterable,
    ):
        self.path = Path(path) if path else Path(settings.CARTO_DATA_DIR) / self.default_file
        self.departements = set(departements or [])
        self.progress = progress
        self.kinds = set(ActorKind.objects.values_list("slug", flat=True))
        self.themes = set(Theme.objects.values_list("slug", flat=True))
        self.publics = set(Public.objects.values_list("slug", flat=True))
        self._communes: dict[str, Territory] | None = None
        self._communes_by_name: dict[tuple[str, str], list[tuple[str, str]]] | None = None

    # -- to implement --------------------------------------------------------------
    def rows(self) -> Iterator[tuple[str, dict]]:
        raise NotImplementedError

    def convert(self, raw: dict) -> ActorRecord:
        raise NotImplementedError

    def last_verified(self):
        """The date the source vouches for its rows (its publication date)."""
        return None

    # -- shared --------------------------------------------------------------------
    def in_scope(self, record: ActorRecord) -> bool:
        """Whether a converted record is in the requested départements (by its commune)."""
        return not self.departements or departement_of(record.commune_code) in self.departements

    def town_hall(self, commune_code: str) -> Territory | None:
        if self._communes is None:
            self._communes = {
                t.code: t
                for t in Territory.objects.filter(kind=Kind.COMMUNE).only("code", "name", "anchor")
            }
        return self._communes.get(commune_code)

    def commune_named(self, departement: str, city: str) -> tuple[str, str] | None:
        """Code and name of the loaded commune of that name in that département, when
        there is exactly one (« St Omer » finds Saint-Omer, « Le Portel » Portel)."""
        if self._communes_by_name is None:
            self._communes_by_name = {}
            communes = Territory.objects.filter(kind=Kind.COMMUNE)
            for code, name, dep in communes.values_list("code", "name", "departement_code"):
                self._communes_by_name.setdefault((dep, place_key(name)), []).append((code, name))
        found = self._communes_by_name.get((departement, place_key(city)), [])
        return found[0] if len(found) == 1 else None

    def validate(self, record: ActorRecord) -> ActorRecord:
        if not re.search(r"[^\W\d_]", record.name):
            raise RowError(f"nom « {record.name} » vide ou sans lettre")
        if record.kind not in self.kinds:
            raise RowError(f"type d'acteur inconnu « {record.kind} »")
        unknown = [t for t in record.themes if t not in self.themes] + [
            p for p in record.publics if p not in self.publics
        ]
        if unknown:
            raise RowError(f"thème ou public inconnu : {', '.join(unknown)}")
        amenities = [a for a in record.amenities if a not in AMENITY_SLUGS]
        if amenities:
            raise RowError(f"équipement inconnu : {', '.join(amenities)}")
        record.siret = re.sub(r"\s", "", record.siret)
        if record.siret and not re.fullmatch(r"\d{14}", record.siret):
            raise RowError(f"SIRET « {record.siret} » invalide (14 chiffres attendus)")
        if record.commune_code and not is_valid_code(Kind.COMMUNE, record.commune_code):
            raise RowError(f"code commune « {record.commune_code} » invalide")
        if record.lon is None or record.lat is None:
            # No coordinates: the commune's town hall, flagged as to be located.
            commune = self.town_hall(record.commune_code) if record.commune_code else None
            if commune is None or commune.anchor is None:
                raise RowError(
                    f"ni coordonnées ni commune chargée ({record.commune_code or 'code commune absent'}) pour le placer"
                )
            record.lon, record.lat = commune.anchor.x, commune.anchor.y
            record.precision = Precision.COMMUNE
            record.to_locate = True
        if not (-180 <= record.lon <= 180 and -90 <= record.lat <= 90):
            raise RowError(f"coordonnées ({record.lon}, {record.lat}) hors des bornes lon/lat")
        return record

    def read(self, summary: ActorImportSummary) -> list[ActorRecord]:
        records, seen = [], {}
        try:
            for line, raw in self.progress(self.rows(), desc=self.path.name, unit=" lignes"):
                try:
                    record = self.convert(raw)
                    if not self.in_scope(record):
                        summary.out_of_scope += 1
                        continue
                    record = self.validate(record)
                    if record.source_id in seen:
                        raise RowError(
                            f"identifiant {record.source_id} déjà vu ligne {seen[record.source_id]}"
                        )
                    seen[record.source_id] = line
                    records.append(record)
                    summary.notes.extend(f"{line} : {note}" for note in record.notes)
                except OutOfScope:
                    summary.out_of_scope += 1
                except SkipRow as exc:
                    summary.skipped[str(exc)] = summary.skipped.get(str(exc), 0) + 1
                except RowError as exc:
                    summary.rejected.append(Rejected(line, str(raw.get("_id", "")), str(exc)))
        except SourceError as exc:
            raise ImportAborted(str(exc)) from None
        return records

    def run(self, partial: bool = False, dry_run: bool = False) -> ActorImportSummary:
        started = time.monotonic()
        summary = ActorImportSummary(source=self.source, dry_run=dry_run)
        records = self.read(summary)
        if summary.rejected and not partial:
            first = summary.rejected[0]
            raise ImportAborted(
                f"{self.path}, {first.line} : {first.reason}"
                + (
                    f" (et {len(summary.rejected) - 1} autre(s) ligne(s) rejetée(s))"
                    if len(summary.rejected) > 1
                    else ""
                )
                + ". Rien n'a été écrit ; --partial importe les lignes valides et liste les rejets."
            )
        with transaction.atomic():
            self.write(records, summary)
            if dry_run:
                transaction.set_rollback(True)
        if not dry_run:
            analyze_directory()
            directory_changed.send(sender=type(self), summary=summary)
        summary.seconds = time.monotonic() - started
        return summary

    def write(self, records: list[ActorRecord], summary: ActorImportSummary) -> None:
        """Upsert the records that are new or changed, then attach and check duplicates."""
        since = timezone.now()
        before = {
            row["source_id"]: row
            for row in Actor.objects.filter(
                source=self.source, source_id__in=[r.source_id for r in records]
            ).values("id", "source_id", "kind_id", "location", "last_verified", *RECORD_FIELDS)
        }
        enriched = enriched_by_others(self.source, [row["id"] for row in before.values()])
        verified = self.last_verified()
        to_write = []
        for record in records:
            values = {name: getattr(record, name) for name in RECORD_FIELDS}
            location = Point(record.lon, record.lat, srid=WGS84)
            old = before.get(record.source_id)
            day = verified
            if old is not None and old["id"] in enriched:
                # Other sources add to this actor (a merged place): this source rewrites what
                # it holds and leaves what they gave (records.combine).
                mine = {**values, "location": location, "last_verified": verified}
                values = combine(mine, {name: old[name] for name in mine})
                location, day = values.pop("location"), values.pop("last_verified")
            if old is None:
                summary.created += 1
            elif _same(old, values, record.kind, location):
                summary.unchanged += 1
                continue
            else:
                summary.updated += 1
            to_write.append(
                Actor(
                    **values,
                    source=self.source,
                    source_id=record.source_id,
                    name_key=search_key(record.name),
                    kind_id=record.kind,
                    location=location,
                    last_verified=day,
                )
            )
        Actor.objects.bulk_create(
            to_write,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["source", "source_id"],
            update_fields=[*UPDATE_FIELDS, "updated_at"],
        )
        ids_by_source_id = dict(
            Actor.objects.filter(
                source=self.source, source_id__in=[r.source_id for r in records]
            ).values_list("source_id", "id")
        )
        self._link_parents(records, ids_by_source_id)
        record_sources(
            self.source,
            {r.source_id: (ids_by_source_id[r.source_id], r.source_url) for r in records},
        )
        written = [ids_by_source_id[actor.source_id] for actor in to_write]
        attach_actors(written)
        with connection.cursor() as cursor:
            cursor.execute(load_queries("attach.sql")["flag_duplicates"], {"ids": written})
            summary.duplicates = cursor.fetchall()
        record_changes(Actor, written, f"import {self.source}", since)

    def _link_parents(self, records: list[ActorRecord], ids: dict[str, int]) -> None:
        children = [
            (ids[r.source_id], ids.get(r.parent_source_id)) for r in records if r.parent_source_id
        ]
        for child, parent in children:
            Actor.objects.filter(id=child).exclude(parent_id=parent).update(parent_id=parent)


def _point(lon, lat) -> tuple[float, float] | None:
    try:
        return optional_point(lon, lat, "coordonnées")
    except SourceError as exc:
        raise RowError(str(exc)) from None
