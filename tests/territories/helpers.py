"""Helpers for territory tests: corrupted copies of the data folder, database fingerprints."""

import json
import shutil
from pathlib import Path

from django.db import connection

# Files the importer reads, relative to the data folder.
IMPORTED_FILES = [
    "communes/communes_2025_points.csv",
    "communes/communes_2025_france.geojson.gz",
    "communes/communes_2025_hauts_de_france_ariege.geojson",
    "admin/regions_2025_metropole.geojson",
    "admin/departements_2025_metropole.geojson",
    "admin/epci_2025_metropole.geojson",
    "bassins_de_vie/bv2022_metropole_geo2025.geojson",
    "qpv/qpv2024_liste_par_commune.csv",
    "qpv/qpv2015_occitanie.geojson",
]


def data_copy(source: Path, target: Path, writable: list[str] = ()) -> Path:
    """A data folder whose files are links to the real ones, except `writable` ones, copied."""
    for relative in IMPORTED_FILES:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        if relative in writable:
            shutil.copyfile(source / relative, destination)
        else:
            destination.symlink_to(source / relative)
    return target


def edit_geojson(path: Path, edit) -> None:
    """Apply `edit(features)` to a GeoJSON file in place."""
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data["features"])
    path.write_text(json.dumps(data), encoding="utf-8")


def find_feature(features: list[dict], key: str, value: str) -> tuple[int, dict]:
    for index, feature in enumerate(features):
        if feature["properties"].get(key) == value:
            return index, feature
    raise LookupError(f"{key}={value} not in file")


def database_fingerprint() -> tuple:
    """A digest of every territory row, part and load record: equal means untouched."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) FROM territories_territory t),
                   (SELECT md5(coalesce(string_agg(p::text, '|' ORDER BY id), '')) FROM territories_territorypart p),
                   (SELECT md5(coalesce(string_agg(d::text, '|' ORDER BY id), '')) FROM territories_datasetload d),
                   (SELECT count(*) FROM territories_territory)
            """
        )
        return cursor.fetchone()
