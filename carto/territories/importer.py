"""Importing the reference geography: one transaction for a set of départements.

The files are read and validated first (readers.py); the records are then COPied into
a temporary staging table, repaired with ST_MakeValid, upserted on (kind, code) and
subdivided, all in SQL. A second import of the same files changes nothing; with
--if-changed, files already imported for the same départements are not read again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.conf import settings
from django.db import connection, transaction

from carto.sources import SourceError
from carto.srid import WGS84
from carto.tables import settle

from .codes import KIND_ORDER, Kind, search_key
from .manifest import (
    Dataset,
    FileRef,
    Manifest,
    ManifestError,
    load_manifest,
    resolve_departements,
    sha256_of,
)
from .models import DatasetLoad
from .readers import DatasetReader, Record
from .signals import territories_imported
from .sql import load_queries

# Import order: parents before children (nothing depends on it in the database,
# but the summary reads naturally).
IMPORT_ORDER = [
    "communes_table", "regions", "departements", "epci", "bv", "communes", "qpv_list", "qpv_outlines_2015",
]  # fmt: skip


class TerritoryImportError(Exception):
    """The import was refused; nothing was written. The message says why."""


@dataclass
class ImportSummary:
    departements: list[str]
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    repaired: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # path -> sha256
    checksum_mismatches: list[str] = field(default_factory=list)
    up_to_date: bool = False
    dry_run: bool = False
    seconds: float = 0.0

    def lines(self) -> list[str]:
        if self.up_to_date:
            return [
                "Territoires déjà à jour : mêmes fichiers, même périmètre "
                f"(départements {', '.join(self.departements)}). Rien n'a été réimporté."
            ]
        head = "Simulation (--dry-run) : rien n'a été écrit." if self.dry_run else "Import terminé."
        lines = [f"{head} Départements : {', '.join(self.departements)} ({self.seconds:.1f} s)."]
        for kind in KIND_ORDER:
            counts = (self.created[kind], self.updated[kind], self.unchanged[kind])
            if any(counts):
                lines.append(
                    f"  {Kind(kind).label:<28} {counts[0]:>6} créés, {counts[1]:>6} mis à jour, "
                    f"{counts[2]:>6} inchangés"
                )
        lines.append(f"  Géométries réparées (ST_MakeValid) : {len(self.repaired)}")
        lines.extend(f"    - {ref}" for ref in self.repaired[:20])
        lines.append(f"  Lignes rejetées : {len(self.rejected)}")
        lines.extend(f"    - {reason}" for reason in self.rejected[:50])
        if len(self.rejected) > 50:
            lines.append(f"    … et {len(self.rejected) - 50} autres")
        lines.extend(f"  Attention : {message}" for message in self.checksum_mismatches)
        return lines

    def as_counts(self) -> dict:
        return {
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "repaired": len(self.repaired),
            "rejected": len(self.rejected),
        }


def _no_progress(iterable, **_kwargs):
    return iterable


class TerritoryImporter:
    """Imports the manifest's datasets for a set of départements, atomically."""

    def __init__(
        self,
        departements: Iterable[str] | None = None,
        datasets: Iterable[str] | None = None,
        data_dir: Path | None = None,
        manifest: Manifest | None = None,
        progress: Callable = _no_progress,
        log: Callable[[str], None] = lambda message: None,
    ):
        self.manifest = manifest or load_manifest()
        self.data_dir = Path(data_dir or settings.CARTO_DATA_DIR)
        try:
            scope = resolve_departements(departements, self.manifest, self.data_dir)
        except ManifestError as exc:
            raise TerritoryImportError(str(exc)) from None
        self.departements = list(scope.codes)
        names = list(datasets or IMPORT_ORDER)
        unknown = [name for name in names if name not in self.manifest.datasets]
        if unknown:
            raise TerritoryImportError(
                f"--datasets : jeu(x) de données inconnu(s) {', '.join(unknown)} "
                f"(connus : {', '.join(self.manifest.datasets)})"
            )
        # The communes table is always read: it defines the scope and the memberships.
        self.dataset_names = [n for n in IMPORT_ORDER if n in names or n == "communes_table"]
        self.progress = progress
        self.log = log

    @property
    def scope(self) -> str:
        return ",".join(self.departements)

    def files(self) -> dict[str, tuple[Dataset, FileRef, Path]]:
        """The file each selected dataset will be read from."""
        wanted = set(self.departements)
        chosen = {}
        for name in self.dataset_names:
            dataset = self.manifest.datasets[name]
            ref = dataset.file_for(wanted)
            chosen[name] = (dataset, ref, self.data_dir / ref.file)
        return chosen

    def is_up_to_date(self, files) -> tuple[bool, dict[str, str]]:
        checksums = {}
        for name, (_dataset, _ref, path) in files.items():
            if not path.is_file():
                raise TerritoryImportError(
                    f"{path} : fichier introuvable (CARTO_DATA_DIR={self.data_dir}). "
                    "Lancez `manage.py fetch_boundaries` ou pointez CARTO_DATA_DIR vers les données."
                )
            checksums[name] = sha256_of(path)
        loaded = dict(
            DatasetLoad.objects.filter(dataset__in=list(files), scope=self.scope).values_list(
                "dataset", "sha256"
            )
        )
        return loaded == checksums, checksums

    def run(self, dry_run: bool = False, if_changed: bool = False) -> ImportSummary:
        started = time.monotonic()
        summary = ImportSummary(departements=self.departements, dry_run=dry_run)
        files = self.files()
        up_to_date, checksums = self.is_up_to_date(files)
        if if_changed and up_to_date:
            summary.up_to_date = True
            return summary
        for name, (_dataset, ref, path) in files.items():
            summary.files[str(path)] = checksums[name]
            if checksums[name] != ref.sha256:
                summary.checksum_mismatches.append(
                    f"{path} diffère du manifeste (sha256 {checksums[name][:12]}… au lieu de {ref.sha256[:12]}…) : "
                    "fichier plus récent ou modifié"
                )
        try:
            records = self.read_all(files, summary)
        except SourceError as exc:
            raise TerritoryImportError(str(exc)) from None
        with transaction.atomic():
            self.write(records, summary)
            for name in files:
                DatasetLoad.objects.update_or_create(
                    dataset=name,
                    scope=self.scope,
                    defaults={
                        "file": str(files[name][1].file),
                        "sha256": checksums[name],
                        "counts": summary.as_counts(),
                    },
                )
            if dry_run:
                transaction.set_rollback(True)
        if not dry_run:
            settle("territories_territory", "territories_territorypart")
            if any(summary.created.values()) or any(summary.updated.values()):
                self.log("Rattachement des acteurs et initiatives aux territoires")
                territories_imported.send(sender=type(self), summary=summary)
        summary.seconds = time.monotonic() - started
        return summary

    # -- reading -----------------------------------------------------------------------

    def read_all(self, files, summary: ImportSummary) -> list[Record]:
        return DatasetReader(self.departements, self.progress, self.log).read_all(files, summary)

    # -- writing -----------------------------------------------------------------------

    def write(self, records: list[Record], summary: ImportSummary) -> None:
        queries = load_queries("import_upsert.sql")
        self.log(f"Écriture de {len(records)} territoires")
        with connection.cursor() as cursor:
            cursor.execute(
                """
                DROP TABLE IF EXISTS territory_staging;
                CREATE TEMPORARY TABLE territory_staging (
                    seq integer, ref text, kind varchar(12), code varchar(12), name text,
                    name_search text, population integer, commune_count integer,
                    region_code varchar(3), departement_code varchar(3), epci_code varchar(9),
                    bv_code varchar(5), departement_codes varchar(3)[], commune_codes varchar(5)[],
                    geom geometry(MultiPolygon, 4326), anchor geometry(Point, 4326),
                    vintage text, source text, repaired boolean NOT NULL DEFAULT false
                ) ON COMMIT DROP
                """
            )
            columns = (
                "seq, ref, kind, code, name, name_search, population, commune_count, region_code, "
                "departement_code, epci_code, bv_code, departement_codes, commune_codes, geom, anchor, "
                "vintage, source"
            )
            with cursor.copy(f"COPY territory_staging ({columns}) FROM STDIN") as copy:
                for seq, r in enumerate(self.progress(records, desc="copie", unit=" territoires")):
                    copy.write_row(
                        (
                            seq, r.ref, str(r.kind), r.code, r.name, search_key(r.name), r.population,
                            r.commune_count, r.region_code, r.departement_code, r.epci_code, r.bv_code,
                            r.departement_codes, r.commune_codes,
                            _ewkb(r.geom), _point_ewkb(r.anchor), r.vintage, r.source,
                        )
                    )  # fmt: skip
            cursor.execute(queries["repair"])
            summary.repaired.extend(ref for (ref,) in cursor.fetchall())
            cursor.execute(queries["unrepairable"])
            broken = cursor.fetchall()
            if broken:
                ref, reason = broken[0]
                raise TerritoryImportError(
                    f"{ref} : géométrie irréparable ({reason or 'aucune surface après ST_MakeValid'})"
                    + (f" ; et {len(broken) - 1} autre(s)" if len(broken) > 1 else "")
                )
            cursor.execute(queries["upsert"])
            touched = cursor.fetchall()
            for _id, kind, created in touched:
                (summary.created if created else summary.updated)[kind] += 1
            staged = Counter(str(r.kind) for r in records)
            for kind, count in staged.items():
                summary.unchanged[kind] = count - summary.created[kind] - summary.updated[kind]
            ids = [row[0] for row in touched]
            if ids:
                # Simplified outlines are derived from geometry (a QPV's from its communes).
                cursor.execute("DELETE FROM territories_territoryshape")
                self.log(f"Découpage (ST_Subdivide) de {len(ids)} contours")
                cursor.execute(queries["subdivide"], {"ids": ids})


def _ewkb(geom: shapely.Geometry | None) -> str | None:
    if geom is None:
        return None
    return shapely.to_wkb(shapely.set_srid(geom, WGS84), hex=True, include_srid=True)


def _point_ewkb(point: tuple[float, float] | None) -> str | None:
    return None if point is None else _ewkb(shapely.Point(point))


def import_territories(**options) -> ImportSummary:
    """Import with the command's options: departements, datasets, dry_run, if_changed."""
    importer = TerritoryImporter(
        departements=options.get("departements"),
        datasets=options.get("datasets"),
        data_dir=options.get("data_dir"),
        progress=options.get("progress", _no_progress),
        log=options.get("log", lambda message: None),
    )
    return importer.run(
        dry_run=options.get("dry_run", False), if_changed=options.get("if_changed", False)
    )
