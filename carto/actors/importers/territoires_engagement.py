"""ANCT territoires d'engagement, as initiatives."""

import time
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Point

from carto.sources import SourceError, polygonal_geometry, read_csv, read_geojson
from carto.srid import WGS84
from carto.territories.codes import Kind, is_valid_code
from carto.territories.models import Territory

from ..models import Initiative, Status
from ..services import analyze_directory
from .base import (
    ActorImportSummary,
    ImportAborted,
    Rejected,
    RowError,
    _point,
    departement_of,
)
from .initiatives import upsert_initiatives


class TerritoiresEngagementImporter:
    """ANCT « Territoires d'engagement » (2026) as initiatives: the footprint is the
    grouping's polygon, or the commune for a point; enriched from the older list
    (programme, period, link) when the identifiers match."""

    source = "territoires_engagement"
    title = "Territoires d’engagement (ANCT, 2026)"
    default_file = "acteurs/territoires_engagement_citoyen_2026.geojson"
    list_file = "acteurs/territoires_engagement_citoyen_liste.csv"
    PROGRAMMES = {"ai": "AI", "cco": "CCO", "patde": "PATDE", "pptde": "PPTDE"}

    def __init__(
        self, path: Path | None = None, departements=None, progress=lambda iterable, **kw: iterable
    ):
        base = Path(settings.CARTO_DATA_DIR)
        self.path = Path(path) if path else base / self.default_file
        self.list_path = self.path.parent / Path(self.list_file).name
        self.departements = set(departements or [])
        self.progress = progress

    def details(self) -> dict[str, dict]:
        if not self.list_path.is_file():
            return {}
        return {
            raw["id_engcit"]: raw
            for _line, raw in read_csv(self.list_path, ["id_engcit", "dispositif"])
        }

    def run(self, partial: bool = False, dry_run: bool = False) -> ActorImportSummary:
        started = time.monotonic()
        summary = ActorImportSummary(source=self.source, dry_run=dry_run)
        try:
            features = read_geojson(self.path)
            details = self.details()
        except SourceError as exc:
            raise ImportAborted(str(exc)) from None
        communes = {
            t.code: t
            for t in Territory.objects.filter(kind=Kind.COMMUNE).only(
                "code", "name", "geom", "departement_code"
            )
        }
        groupings = {
            t.code: t
            for t in Territory.objects.filter(kind=Kind.EPCI).only("code", "departement_codes")
        }
        initiatives = []
        for index, feature in enumerate(
            self.progress(features, desc=self.path.name, unit=" entités")
        ):
            line = f"entité n° {index + 1}"
            properties = feature["properties"]
            identifier = str(properties.get("id_tec") or "").strip()
            try:
                if not identifier:
                    raise RowError("identifiant id_tec vide")
                name = str(properties.get("lib_groupement") or "").strip()
                code = str(properties.get("siren_groupement") or "").strip()
                if not name:
                    raise RowError("nom du territoire vide")
                geometry = feature.get("geometry") or {}
                footprint = location = None
                if geometry.get("type") == "Point":
                    if not is_valid_code(Kind.COMMUNE, code):
                        raise RowError(f"code commune « {code} » invalide pour un point")
                    lon, lat = _point(*geometry.get("coordinates", [None, None])[:2]) or (
                        None,
                        None,
                    )
                    location = Point(lon, lat, srid=WGS84)
                    footprint_codes = [f"commune:{code}"]
                    commune = communes.get(code)
                    footprint = commune.geom if commune else None
                    departement = departement_of(code)
                else:
                    shape = polygonal_geometry(geometry, f"{self.path}, {line}")
                    footprint = GEOSGeometry(memoryview(shape.wkb), srid=WGS84)
                    location = footprint.point_on_surface
                    footprint_codes = [f"epci:{code}"] if is_valid_code(Kind.EPCI, code) else []
                    grouping = groupings.get(code)
                    departement = (
                        grouping.departement_codes[0]
                        if grouping and grouping.departement_codes
                        else ""
                    )
                if self.departements and departement and departement not in self.departements:
                    summary.out_of_scope += 1
                    continue
                if self.departements and not departement:
                    summary.out_of_scope += 1
                    continue
            except (RowError, SourceError) as exc:
                summary.rejected.append(Rejected(line, identifier, str(exc)))
                continue
            prefix = identifier.split("-", 1)[0]
            programme = self.PROGRAMMES.get(prefix, prefix.upper())
            extra = details.get(identifier, {})
            description = [f"Territoire d’engagement (dispositif {programme}) de l’ANCT."]
            if extra.get("ingredients"):
                description.append(f"Ingrédients : {extra['ingredients']}")
            initiatives.append(
                Initiative(
                    source=self.source,
                    source_id=identifier,
                    title=f"Territoire d’engagement — {name}",
                    dimension="Territoire d’engagement",
                    keywords=["territoire d’engagement", programme],
                    themes=["citoyennete"],
                    publics=["tous-publics"],
                    summary=f"{name} est un territoire d’engagement citoyen (dispositif {programme}).",
                    description="\n".join(description),
                    territory_scope=extra.get("echelon", "")
                    or (
                        "commune"
                        if footprint_codes[:1] and footprint_codes[0].startswith("commune")
                        else "groupement"
                    ),
                    footprint_codes=footprint_codes,
                    footprint=footprint,
                    location=location,
                    period=extra.get("periode", ""),
                    url=extra.get("url", ""),
                    source_url="https://agence-cohesion-territoires.gouv.fr/",
                    status=Status.PUBLISHED,
                )
            )
        if summary.rejected and not partial:
            first = summary.rejected[0]
            raise ImportAborted(f"{self.path}, {first.line} : {first.reason}. Rien n'a été écrit.")
        fields = ["title", "dimension", "keywords", "themes", "publics", "summary", "description",
                  "territory_scope", "footprint_codes", "footprint", "location", "period", "url",
                  "source_url", "status"]  # fmt: skip
        upsert_initiatives(self.source, initiatives, fields, summary, dry_run)
        if not dry_run:
            analyze_directory()
        summary.seconds = time.monotonic() - started
        return summary
