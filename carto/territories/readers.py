"""Reading the official files of the reference geography into validated records.

Every file is read and checked in Python before anything is written: a broken file
aborts the import with a message naming the file, the feature and the problem.
Territory membership comes from the INSEE communes table (every commune's EPCI,
département, région and bassin de vie), never from intersecting the generalised
outlines, which disagree along borders.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import shapely

from carto.sources import (
    SourceError,
    optional_int,
    optional_point,
    polygonal_geometry,
    read_csv,
    read_geojson,
    require_properties,
)

from .codes import CODE_DESCRIPTIONS, Kind, is_valid_code
from .manifest import Dataset, FileRef

if TYPE_CHECKING:
    from .importer import ImportSummary

NO_EPCI = {"", "ZZZZZZZZZ"}  # INSEE's code for the few communes outside any EPCI


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


class DatasetReader:
    """Reads the selected datasets for a set of départements into records."""

    def __init__(self, departements: list[str], progress: Callable, log: Callable[[str], None]):
        self.departements = departements
        self.progress = progress
        self.log = log

    def read_all(
        self, files: dict[str, tuple[Dataset, FileRef, Path]], summary: ImportSummary
    ) -> list[Record]:
        dataset, _ref, path = files["communes_table"]
        self.log(f"Lecture de la table des communes ({path.name})")
        table = CommuneTable.read(path, dataset.fields, self.progress)
        in_scope = [row for row in table.rows.values() if row.departement in self.departements]
        if not in_scope:
            raise SourceError(
                f"{path} : aucune commune dans les départements {', '.join(self.departements)}"
            )
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
