"""Use cases of the reference geography: importing the official files, locating a point.

The import is one transaction: every file is read and validated in Python
first (a broken file aborts before anything is written, with a message naming
the file, the feature and the problem); the records are then COPied into a
temporary staging table, repaired with ST_MakeValid, upserted on (kind, code)
and subdivided, all in SQL. A second import of the same files changes nothing.

Territory membership comes from the INSEE communes table (every commune's
EPCI, département, région and bassin de vie), never from intersecting the
generalised outlines, which disagree along borders.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import shapely
from django.conf import settings
from django.db import connection, transaction

from carto.sources import (
    SourceError,
    optional_int,
    optional_point,
    polygonal_geometry,
    read_csv,
    read_geojson,
    require_properties,
)
from carto.srid import WGS84

from .codes import CODE_DESCRIPTIONS, KIND_ORDER, Kind, is_valid_code, search_key
from .manifest import Dataset, FileRef, Manifest, load_manifest, sha256_of
from .models import DatasetLoad, Territory
from .signals import territories_imported
from .sql import load_queries

NO_EPCI = {"", "ZZZZZZZZZ"}  # INSEE's code for the few communes outside any EPCI

# Import order: parents before children (nothing depends on it in the database,
# but the summary reads naturally).
IMPORT_ORDER = [
    "communes_table", "regions", "departements", "epci", "bv", "communes", "qpv_list", "qpv_outlines_2015",
]  # fmt: skip


class TerritoryImportError(Exception):
    """The import was refused; nothing was written. The message says why."""


@dataclass
class Record:
    kind: str
    code: str
    name: str
    vintage: str
    source: str
    ref: str  # "file, entité n° 12 (code 62498)": how errors name this record
    geom: shapely.MultiPolygon | None = None
    anchor: tuple[float, float] | None = None
    population: int | None = None
    commune_count: int | None = None
    region_code: str = ""
    departement_code: str = ""
    epci_code: str = ""
    bv_code: str = ""
    departement_codes: list[str] = field(default_factory=list)
    commune_codes: list[str] = field(default_factory=list)


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


def _checked_code(kind: str, value, where: str) -> str:
    code = str(value if value is not None else "").strip()
    if not is_valid_code(kind, code):
        raise SourceError(
            f"{where} : code {Kind(kind).label.lower()} {code!r} invalide "
            f"(attendu : {CODE_DESCRIPTIONS[kind]})"
        )
    return code


def _name(value, where: str) -> str:
    name = str(value or "").strip()
    if not name:
        raise SourceError(f"{where} : nom vide")
    return name


@dataclass
class CommuneRow:
    code: str
    name: str
    departement: str
    region: str
    population: int | None
    epci: str
    bv: str
    anchor: tuple[float, float] | None


class CommuneTable:
    """Every commune of France with its parents: the source of membership and of the
    population of groupings (summed over all their communes, not only the loaded ones)."""

    def __init__(self, rows: dict[str, CommuneRow]):
        self.rows = rows
        self.members: dict[tuple[str, str], list[str]] = defaultdict(list)
        for row in rows.values():
            self.members[(Kind.REGION, row.region)].append(row.code)
            self.members[(Kind.DEPARTEMENT, row.departement)].append(row.code)
            if row.epci not in NO_EPCI:
                self.members[(Kind.EPCI, row.epci)].append(row.code)
            if row.bv:
                self.members[(Kind.BV, row.bv)].append(row.code)

    @classmethod
    def read(cls, path: Path, fields: dict[str, str], progress) -> CommuneTable:
        names = [
            fields[key]
            for key in ("code", "name", "departement", "region", "population", "epci", "bv")
        ]
        rows = {}
        for line, raw in progress(read_csv(path, names), desc=path.name, unit=" communes"):
            where = f"{path}, ligne {line}"
            code = _checked_code(Kind.COMMUNE, raw[fields["code"]], where)
            if code in rows:
                raise SourceError(f"{where} : commune {code} en double")
            epci = raw[fields["epci"]].strip()
            if epci not in NO_EPCI:
                _checked_code(Kind.EPCI, epci, where)
            bv = raw[fields["bv"]].strip()
            if bv:
                _checked_code(Kind.BV, bv, where)
            anchor = optional_point(
                raw.get(fields.get("town_hall_lon", ""), ""),
                raw.get(fields.get("town_hall_lat", ""), ""),
                where,
            ) or optional_point(
                raw.get(fields.get("interior_lon", ""), ""),
                raw.get(fields.get("interior_lat", ""), ""),
                where,
            )
            rows[code] = CommuneRow(
                code=code,
                name=_name(raw[fields["name"]], where),
                departement=_checked_code(Kind.DEPARTEMENT, raw[fields["departement"]], where),
                region=_checked_code(Kind.REGION, raw[fields["region"]], where),
                population=optional_int(raw[fields["population"]], where, fields["population"]),
                epci=epci,
                bv=bv,
                anchor=anchor,
            )
        return cls(rows)

    def communes_of(self, kind: str, code: str) -> list[str]:
        return sorted(self.members.get((kind, code), []))

    def population_of(self, kind: str, code: str) -> int | None:
        values = [self.rows[c].population for c in self.members.get((kind, code), [])]
        known = [value for value in values if value is not None]
        return sum(known) if known else None

    def departements_of(self, communes: Iterable[str]) -> list[str]:
        return sorted({self.rows[c].departement for c in communes if c in self.rows})

    def group_fields(self, kind: str, code: str) -> dict:
        """Population, communes and départements of a grouping, from all its communes."""
        communes = self.communes_of(kind, code)
        departements = self.departements_of(communes)
        regions = {self.rows[c].region for c in communes}
        return {
            "population": self.population_of(kind, code),
            "commune_count": len(communes) or None,
            "commune_codes": communes if kind in (Kind.EPCI, Kind.BV) else [],
            "departement_codes": departements if kind in (Kind.EPCI, Kind.BV) else [],
            "departement_code": departements[0] if len(departements) == 1 else "",
            "region_code": regions.pop() if len(regions) == 1 else "",
        }


def _outline_record(
    dataset: Dataset, kind: str, code: str, feature: dict, where: str, **fields
) -> Record:
    """A record read from a GeoJSON feature: its name and outline, plus the given fields."""
    return Record(
        kind=kind,
        code=code,
        name=_name(feature["properties"][dataset.fields["name"]], where),
        vintage=dataset.vintage,
        source=dataset.name,
        ref=where,
        geom=polygonal_geometry(feature.get("geometry"), where),
        **fields,
    )


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
        requested = [
            code.strip().upper() for code in (departements or self.manifest.default_departements)
        ]
        bad = [code for code in requested if not is_valid_code(Kind.DEPARTEMENT, code)]
        if bad or not requested:
            raise TerritoryImportError(
                f"--departements : code(s) de département invalide(s) {', '.join(bad) or '(aucun)'} "
                f"(attendu : {CODE_DESCRIPTIONS[Kind.DEPARTEMENT]}, séparés par des virgules)"
            )
        self.departements = sorted(set(requested))
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
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE territories_territory; ANALYZE territories_territorypart;")
            if any(summary.created.values()) or any(summary.updated.values()):
                self.log("Rattachement des acteurs et initiatives aux territoires")
                territories_imported.send(sender=type(self), summary=summary)
        summary.seconds = time.monotonic() - started
        return summary

    # -- reading -----------------------------------------------------------------------

    def read_all(self, files, summary: ImportSummary) -> list[Record]:
        dataset, _ref, path = files["communes_table"]
        self.log(f"Lecture de la table des communes ({path.name})")
        table = CommuneTable.read(path, dataset.fields, self.progress)
        in_scope = [row for row in table.rows.values() if row.departement in self.departements]
        if not in_scope:
            raise SourceError(f"{path} : aucune commune dans les départements {self.scope}")
        wanted = {
            Kind.REGION: {row.region for row in in_scope},
            Kind.DEPARTEMENT: set(self.departements),
            Kind.EPCI: {row.epci for row in in_scope if row.epci not in NO_EPCI},
            Kind.BV: {row.bv for row in in_scope if row.bv},
            Kind.COMMUNE: {row.code for row in in_scope},
        }
        readers = {
            "regions": self.read_groupings,
            "departements": self.read_groupings,
            "epci": self.read_groupings,
            "bv": self.read_groupings,
            "communes": self.read_communes,
            "qpv_list": self.read_qpv_list,
            "qpv_outlines_2015": self.read_qpv_outlines,
        }
        records: list[Record] = []
        for name, (dataset, _ref, path) in files.items():
            if name == "communes_table":
                continue
            self.log(f"Lecture de « {dataset.title} » ({path.name})")
            records.extend(readers[name](dataset, path, table, wanted, summary))
        return records

    def _features(self, dataset: Dataset, path: Path, names: list[str]) -> list[dict]:
        features = read_geojson(path)
        require_properties(path, features, [dataset.fields[name] for name in names])
        return features

    def read_groupings(self, dataset, path, table: CommuneTable, wanted, summary) -> list[Record]:
        """Régions, départements, EPCI, bassins de vie: outlines from the file, figures from the table."""
        kind, fields = dataset.kind, dataset.fields
        features = self._features(dataset, path, ["code", "name"])
        records, seen = [], set()
        for index, feature in enumerate(self.progress(features, desc=path.name, unit=" entités")):
            properties = feature["properties"]
            raw_code = str(properties[fields["code"]] or "").strip()
            if raw_code in dataset.skip_codes:
                continue
            where = f"{path}, entité n° {index + 1} (code {raw_code or '?'})"
            code = _checked_code(kind, dataset.code_aliases.get(raw_code, raw_code), where)
            if code in seen:
                raise SourceError(f"{where} : code {code} en double dans le fichier")
            seen.add(code)
            if code not in wanted[kind]:
                continue
            record = _outline_record(
                dataset, kind, code, feature, where, **table.group_fields(kind, code)
            )
            if kind in (Kind.REGION, Kind.DEPARTEMENT):
                record.departement_code = ""
            if kind == Kind.REGION:
                record.region_code = ""
            records.append(record)
        for code in sorted(wanted[kind] - seen):
            summary.rejected.append(
                f"{Kind(kind).label} {code} : absent de {path.name}, non chargé (pas de contour)"
            )
        return records

    def read_communes(self, dataset, path, table: CommuneTable, wanted, summary) -> list[Record]:
        fields = dataset.fields
        features = self._features(dataset, path, ["code", "name", "departement", "population"])
        records, seen = [], set()
        for index, feature in enumerate(self.progress(features, desc=path.name, unit=" communes")):
            properties = feature["properties"]
            where = f"{path}, entité n° {index + 1} (code {properties[fields['code']] or '?'})"
            code = _checked_code(Kind.COMMUNE, properties[fields["code"]], where)
            departement = _checked_code(Kind.DEPARTEMENT, properties[fields["departement"]], where)
            if code in seen:
                raise SourceError(f"{where} : commune {code} en double dans le fichier")
            seen.add(code)
            if departement not in self.departements:
                continue
            row = table.rows.get(code)
            if row is None:
                summary.rejected.append(
                    f"Commune {code} ({where}) : absente de la table des communes, non chargée"
                )
                continue
            anchor = optional_point(
                properties.get(fields.get("town_hall_lon", "")),
                properties.get(fields.get("town_hall_lat", "")),
                where,
            )
            population = optional_int(properties[fields["population"]], where, fields["population"])
            records.append(
                _outline_record(
                    dataset,
                    Kind.COMMUNE,
                    code,
                    feature,
                    where,
                    anchor=anchor or row.anchor,
                    population=population if population is not None else row.population,
                    region_code=row.region,
                    departement_code=departement,
                    epci_code="" if row.epci in NO_EPCI else row.epci,
                    bv_code=row.bv,
                )
            )
        for code in sorted(wanted[Kind.COMMUNE] - seen):
            summary.rejected.append(
                f"Commune {code} : absente de {path.name}, non chargée (pas de contour)"
            )
        return records

    def read_qpv_list(self, dataset, path, table: CommuneTable, wanted, summary) -> list[Record]:
        """The 2024 QPV list: one row per (QPV, commune), no outline."""
        fields = dataset.fields
        names: dict[str, str] = {}
        communes: dict[str, list[str]] = defaultdict(list)
        refs: dict[str, str] = {}
        for line, raw in read_csv(
            path, [fields[k] for k in ("code", "name", "commune", "departement")]
        ):
            where = f"{path}, ligne {line}"
            code = _checked_code(Kind.QPV, raw[fields["code"]], where)
            commune = _checked_code(Kind.COMMUNE, raw[fields["commune"]], where)
            name = _name(raw[fields["name"]], where)
            if names.setdefault(code, name) != name:
                raise SourceError(
                    f"{where} : le QPV {code} porte deux noms ({names[code]!r} et {name!r})"
                )
            communes[code].append(commune)
            refs.setdefault(code, f"{where} (code {code})")
        records = []
        for code, codes in communes.items():
            departements = sorted({table.rows[c].departement for c in codes if c in table.rows})
            if not set(departements) & set(self.departements):
                continue
            unknown = [c for c in codes if c not in table.rows]
            if unknown:
                summary.rejected.append(
                    f"QPV {code} : commune(s) {', '.join(unknown)} inconnue(s), ignorée(s)"
                )
            known = sorted(set(codes) - set(unknown))
            if not known:
                continue
            records.append(
                Record(
                    kind=Kind.QPV,
                    code=code,
                    name=names[code],
                    vintage=dataset.vintage,
                    source=dataset.name,
                    ref=refs[code],
                    anchor=table.rows[known[0]].anchor,
                    commune_codes=known,
                    departement_codes=departements,
                    departement_code=departements[0] if len(departements) == 1 else "",
                    region_code=table.rows[known[0]].region,
                    commune_count=len(known),
                )
            )
        return records

    def read_qpv_outlines(
        self, dataset, path, table: CommuneTable, wanted, summary
    ) -> list[Record]:
        fields = dataset.fields
        features = self._features(dataset, path, ["code", "name", "commune", "departement"])
        records, seen = [], set()
        for index, feature in enumerate(features):
            properties = feature["properties"]
            where = f"{path}, entité n° {index + 1} (code {properties[fields['code']] or '?'})"
            code = _checked_code(Kind.QPV, properties[fields["code"]], where)
            commune = _checked_code(Kind.COMMUNE, properties[fields["commune"]], where)
            departement = _checked_code(Kind.DEPARTEMENT, properties[fields["departement"]], where)
            if code in seen:
                raise SourceError(f"{where} : QPV {code} en double dans le fichier")
            seen.add(code)
            if departement not in self.departements:
                continue
            row = table.rows.get(commune)
            records.append(
                _outline_record(
                    dataset,
                    Kind.QPV,
                    code,
                    feature,
                    where,
                    commune_codes=[commune],
                    commune_count=1,
                    departement_codes=[departement],
                    departement_code=departement,
                    region_code=row.region if row else "",
                )
            )
        return records

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
