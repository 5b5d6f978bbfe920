"""A CSV or GeoJSON file of any directory, imported through a column-mapping file.

The mapping (TOML, see data/mappings/exemple-centres-sociaux.toml) names the
source, the columns that feed each actor field, the separators of multi-valued
columns, value tables (a column's words to our kinds, themes, publics) and
defaults. Rows without coordinates are geocoded from their address (Base Adresse
Nationale when CARTO_GEOCODER_URL is set; else the town hall of their commune,
precision « commune », flagged to locate).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from carto.sources import read_csv, read_geojson
from carto.territories.codes import search_key

from ..geocoding import geocode
from ..models import Precision, Status
from ..taxonomy import kind_for, publics_for, themes_for
from .base import ActorImporter, ActorRecord, RowError, _point

# Actor fields a mapping may fill from a column.
TEXT_FIELDS = {
    "source_id", "name", "address", "address_extra", "postcode", "city", "commune_code", "siret", "rna",
    "description", "network", "opening_hours", "email", "phone", "website", "source_url",
    "contact_name", "contact_email", "contact_phone",
}  # fmt: skip
LIST_FIELDS = {"themes", "publics", "labels"}
COORDINATE_FIELDS = {"lon", "lat"}
MAPPABLE = TEXT_FIELDS | LIST_FIELDS | COORDINATE_FIELDS | {"kind", "itinerant"}
TRUE_WORDS = {"1", "oui", "true", "vrai", "yes", "x"}


class MappingError(Exception):
    pass


def load_mapping(path: Path) -> dict:
    """The mapping file, checked: unknown fields and missing essentials are named."""
    try:
        mapping = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MappingError(f"{path} : fichier de correspondance introuvable") from None
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{path} : TOML invalide ({exc})") from None
    columns = mapping.get("columns")
    if not mapping.get("source") or not isinstance(columns, dict):
        raise MappingError(f"{path} : « source » et une table [columns] sont obligatoires")
    unknown = sorted(set(columns) - MAPPABLE)
    if unknown:
        raise MappingError(
            f"{path} : champ(s) inconnu(s) dans [columns] : {', '.join(unknown)} (connus : {', '.join(sorted(MAPPABLE))})"
        )
    for essential in ("source_id", "name"):
        if essential not in columns:
            raise MappingError(f"{path} : [columns] doit indiquer la colonne de « {essential} »")
    if "kind" not in columns and "kind" not in mapping.get("defaults", {}):
        raise MappingError(
            f"{path} : indiquez une colonne « kind » ou une valeur par défaut dans [defaults]"
        )
    return mapping


class MappedImporter(ActorImporter):
    def __init__(self, path: Path, mapping_path: Path, **kwargs):
        self.mapping = load_mapping(mapping_path)
        self.source = self.mapping["source"]
        self.title = self.mapping.get("title", self.source)
        super().__init__(path=path, **kwargs)
        self.columns: dict[str, str] = self.mapping["columns"]
        self.defaults: dict = self.mapping.get("defaults", {})
        self.separators: dict[str, str] = self.mapping.get("separators", {})
        self.values: dict[str, dict[str, str]] = {
            field: {search_key(word): value for word, value in table.items()}
            for field, table in self.mapping.get("values", {}).items()
        }

    def rows(self):
        suffix = self.path.suffix.lower()
        if suffix in (".geojson", ".json"):
            features = read_geojson(self.path)
            for index, feature in enumerate(features):
                raw = dict(feature["properties"])
                geometry = feature.get("geometry") or {}
                if geometry.get("type") == "Point":
                    raw["__lon"], raw["__lat"] = geometry["coordinates"][:2]
                raw["_id"] = str(raw.get(self.columns["source_id"], ""))
                yield f"entité n° {index + 1}", raw
        else:
            required = [column for column in self.columns.values() if column]
            for line, raw in read_csv(self.path, required):
                raw["_id"] = raw.get(self.columns["source_id"], "")
                yield f"ligne {line}", raw

    def value(self, raw: dict, field: str) -> str:
        column = self.columns.get(field)
        value = raw.get(column, "") if column else ""
        return "" if value is None else str(value).strip()

    def translate(self, field: str, words: list[str]) -> list[str]:
        table = self.values.get(field, {})
        mapped = [table[search_key(word)] for word in words if search_key(word) in table]
        guessed = {"themes": themes_for, "publics": publics_for}.get(field, lambda w: w)(
            [word for word in words if search_key(word) not in table]
        )
        return list(dict.fromkeys([*mapped, *guessed]))

    def convert(self, raw: dict) -> ActorRecord:
        source_id = self.value(raw, "source_id")
        if not source_id:
            raise RowError(f"identifiant vide (colonne « {self.columns['source_id']} »)")
        record = ActorRecord(source_id=source_id, name=self.value(raw, "name"), kind="")
        for field in TEXT_FIELDS - {"source_id", "name"}:
            if field in self.columns:
                setattr(record, field, self.value(raw, field))
            elif field in self.defaults:
                setattr(record, field, str(self.defaults[field]))
        for field in LIST_FIELDS:
            words = self.defaults.get(field, []) if field not in self.columns else []
            text = self.value(raw, field)
            if text:
                words = [
                    w.strip() for w in text.split(self.separators.get(field, ";")) if w.strip()
                ]
            setattr(record, field, self.translate(field, words) if field != "labels" else words)
        kind_word = self.value(raw, "kind") or self.defaults.get("kind", "")
        record.kind = self.values.get("kind", {}).get(search_key(kind_word)) or (
            kind_word if kind_word in self.kinds else kind_for(kind_word) or ""
        )
        if not record.kind:
            raise RowError(f"type « {kind_word} » non reconnu (ajoutez-le à [values.kind])")
        record.itinerant = self.value(raw, "itinerant").lower() in TRUE_WORDS or bool(
            self.defaults.get("itinerant")
        )
        record.status = self.defaults.get("status", Status.PUBLISHED)
        if record.postcode and len(record.postcode) == 4 and record.postcode.isdigit():
            record.postcode = "0" + record.postcode
        self.place(raw, record)
        return record

    def place(self, raw: dict, record: ActorRecord) -> None:
        """Coordinates from the columns (or the GeoJSON point), else geocode the address."""
        lon = (
            raw.get("__lon")
            if "lon" not in self.columns
            else self.value(raw, "lon").replace(",", ".")
        )
        lat = (
            raw.get("__lat")
            if "lat" not in self.columns
            else self.value(raw, "lat").replace(",", ".")
        )
        point = _point(lon, lat) if lon not in (None, "") and lat not in (None, "") else None
        if point:
            record.lon, record.lat = point
            record.precision = self.defaults.get("precision", Precision.ADDRESS)
            return
        address = ", ".join(
            part for part in (record.address, f"{record.postcode} {record.city}".strip()) if part
        )
        result = (
            geocode(address, citycode=record.commune_code or None, postcode=record.postcode or None)
            if address
            else None
        )
        if result is None:
            if not record.commune_code:
                raise RowError(
                    "ni coordonnées, ni adresse géocodable, ni code commune pour le placer"
                )
            return  # the framework places it at the town hall, to locate
        record.lon, record.lat, record.precision = result.lon, result.lat, result.precision
        record.to_locate = result.precision in (Precision.COMMUNE, Precision.DEPARTEMENT)
        if result.citycode and not record.commune_code:
            record.commune_code = result.citycode
