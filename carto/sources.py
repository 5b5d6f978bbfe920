"""Reading source files (GeoJSON, CSV) with errors that name the file, the feature and the problem.

Shared by every importer: a broken file must abort with a message a person can
act on, before anything is written.
"""

import csv
import gzip
import io
import json
import math
from collections.abc import Iterator
from pathlib import Path

import shapely
from shapely.geometry import shape

# GeoJSON `crs` members that mean WGS84 lon/lat; anything else is refused (RFC 7946 is WGS84).
WGS84_CRS_NAMES = {
    "urn:ogc:def:crs:OGC:1.3:CRS84",
    "urn:ogc:def:crs:OGC::CRS84",
    "urn:ogc:def:crs:EPSG::4326",
    "EPSG:4326",
    "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
}


class SourceError(Exception):
    """A source file cannot be imported; the message names the file, the record and the problem."""


def _open_text(path: Path):
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8")
    return path.open(encoding="utf-8-sig", newline="")


def read_geojson(path: Path) -> list[dict]:
    """The features of a GeoJSON FeatureCollection in WGS84."""
    data = read_json(path)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise SourceError(f"{path} : une FeatureCollection GeoJSON est attendue")
    crs = (data.get("crs") or {}).get("properties", {}).get("name")
    if crs is not None and crs not in WGS84_CRS_NAMES:
        raise SourceError(
            f"{path} : système de coordonnées « {crs} » non pris en charge (WGS84 attendu)"
        )
    features = data.get("features")
    if not isinstance(features, list):
        raise SourceError(f"{path} : le membre « features » manque ou n'est pas une liste")
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict):
            raise SourceError(
                f"{path}, entité n° {index + 1} : pas une Feature avec des propriétés"
            )
    return features


def read_json(path: Path):
    """A JSON document, with errors that name the file and where it breaks."""
    if not path.is_file():
        raise SourceError(f"{path} : fichier introuvable")
    try:
        with _open_text(path) as handle:
            return json.load(handle)
    except UnicodeDecodeError:
        raise SourceError(f"{path} : le fichier n'est pas en UTF-8") from None
    except (OSError, EOFError) as exc:  # e.g. a truncated gzip
        raise SourceError(f"{path} : lecture impossible ({exc})") from None
    except json.JSONDecodeError as exc:
        raise SourceError(
            f"{path} : JSON invalide ou fichier tronqué (ligne {exc.lineno}, colonne {exc.colno} : {exc.msg})"
        ) from None


def require_properties(path: Path, features: list[dict], names: list[str]) -> None:
    """Every feature has every named property (a missing column aborts the import)."""
    for index, feature in enumerate(features):
        missing = [name for name in names if name not in feature["properties"]]
        if missing:
            raise SourceError(
                f"{path}, entité n° {index + 1} : propriété manquante {', '.join(repr(m) for m in missing)}"
            )


def read_csv(path: Path, required: list[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV file whose header holds the required columns."""
    if not path.is_file():
        raise SourceError(f"{path} : fichier introuvable")
    with _open_text(path) as handle:
        sample = handle.read(4096)
        handle.seek(0)
        # Only the delimiter is sniffed; quoting stays the standard one (the sniffer
        # misreads quotes in files whose first lines hold multi-line fields).
        try:
            delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
        except csv.Error:
            delimiter = ","
        reader = csv.DictReader(handle, delimiter=delimiter)
        header = reader.fieldnames or []
        missing = [name for name in required if name not in header]
        if missing:
            raise SourceError(
                f"{path} : colonne manquante {', '.join(repr(m) for m in missing)} "
                f"(colonnes trouvées : {', '.join(header) or 'aucune'})"
            )
        for row in reader:
            if None in row or any(value is None for value in row.values()):
                raise SourceError(
                    f"{path}, ligne {reader.line_num} : nombre de colonnes différent de l'en-tête"
                )
            yield reader.line_num, row


def polygonal_geometry(geometry: dict | None, where: str) -> shapely.MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon in lon/lat, as a shapely MultiPolygon (maybe invalid:
    the database repairs what can be repaired). Raises SourceError for what cannot be read."""
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        kind = geometry.get("type") if isinstance(geometry, dict) else geometry
        raise SourceError(f"{where} : géométrie {kind!r}, Polygon ou MultiPolygon attendu")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException) as exc:
        raise SourceError(f"{where} : géométrie illisible et irréparable ({exc})") from None
    if geom.is_empty:
        raise SourceError(f"{where} : géométrie vide")
    coords = shapely.get_coordinates(geom)
    if not all(math.isfinite(value) for value in coords.flat):
        raise SourceError(f"{where} : coordonnée non finie (NaN ou infinie)")
    minx, miny, maxx, maxy = geom.bounds
    if minx < -180 or maxx > 180 or miny < -90 or maxy > 90:
        raise SourceError(
            f"{where} : coordonnées hors des bornes lon/lat ({minx:.0f}, {miny:.0f}, {maxx:.0f}, {maxy:.0f}) : "
            "le fichier est-il en projection (Lambert-93) plutôt qu'en WGS84 ?"
        )
    if geom.geom_type == "Polygon":
        geom = shapely.MultiPolygon([geom])
    return geom


def optional_int(value, where: str, name: str) -> int | None:
    """An optional non-negative integer field ('' and None mean unknown)."""
    if value is None or value == "":
        return None
    try:
        number = int(float(value)) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise SourceError(f"{where} : « {name} » = {value!r} n'est pas un nombre entier") from None
    if number < 0:
        raise SourceError(f"{where} : « {name} » = {value!r} est négatif")
    return number


def optional_point(lon, lat, where: str) -> tuple[float, float] | None:
    if lon in (None, "") or lat in (None, ""):
        return None
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        raise SourceError(f"{where} : point ({lon!r}, {lat!r}) illisible") from None
    if not (-180 <= x <= 180 and -90 <= y <= 90):
        raise SourceError(f"{where} : point ({x}, {y}) hors des bornes lon/lat")
    return x, y
