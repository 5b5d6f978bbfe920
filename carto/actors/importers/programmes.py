"""ANCT programmes by commune (Cités éducatives, Cités de l'emploi, Petites villes de
demain, Action cœur de ville, Villages d'avenir) as initiatives with `programme` set.

Design choices:
- a programme site is an initiative whose footprint is the union of the polygons of
  the communes its `liste_geo` names (« Commune (INSEE) » entries joined with « ; »),
  read from the Territory table: the files' points are commune centroids, which say
  nothing of the area a site covers;
- only loaded communes count (and, with `departements`, only theirs): the others are
  left out of the footprint, and a site with none of its communes loaded is skipped
  (counted out of scope); an entry that does not read as « Commune (INSEE) » rejects
  its site, with the entry in the reason;
- `footprint_codes` are the communes kept, so the territories of the site (the
  communes, their EPCI, bassins de vie, départements, régions) are attached at write
  time like any footprint (services.attach_initiatives);
- idempotent on (source, source id): a second import changes nothing; atomic unless
  `partial`.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.gis.geos import MultiPolygon

from carto.sources import SourceError, read_geojson, require_properties
from carto.territories.codes import Kind
from carto.territories.models import Territory

from .. import taxonomy
from ..models import Initiative, Status
from ..services import analyze_directory
from .base import ActorImportSummary, ImportAborted, Rejected, RowError, departement_of
from .initiatives import upsert_initiatives

# « Château-Chinon (Ville) (58062) »: the name, then the INSEE code in the last brackets.
ENTRY = re.compile(r"^(?P<name>.*\S)\s*\((?P<code>\d[\dAB]\d{3})\)$")


@dataclass(frozen=True)
class Programme:
    slug: str
    file: str  # under CARTO_DATA_DIR/programmes/
    themes: tuple[str, ...] = ()
    publics: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return taxonomy.label_of(taxonomy.PROGRAMMES, self.slug)


# One file a programme (shared/data/programmes/, ANCT superposeur, 2024-09). Themes and
# publics only where the programme names them: education alliances, access to jobs.
PROGRAMMES = [
    Programme("cites-educatives", "anct_cites_educatives.geojson", ("education", "jeunesse"),
              ("enfants", "jeunes", "familles")),
    Programme("cites-de-l-emploi", "anct_cites_de_l_emploi.geojson", ("insertion-emploi",),
              ("demandeurs-emploi",)),
    Programme("petites-villes-de-demain", "anct_petites_villes_de_demain.geojson"),
    Programme("action-coeur-de-ville", "anct_action_coeur_de_ville.geojson"),
    Programme("villages-d-avenir", "anct_villages_d_avenir.geojson"),
]  # fmt: skip
assert {p.slug for p in PROGRAMMES} == set(taxonomy.slugs(taxonomy.PROGRAMMES))

FIELDS = ["title", "dimension", "keywords", "themes", "publics", "summary", "territory_scope",
          "programme", "footprint_codes", "footprint", "location", "period", "source_url",
          "status"]  # fmt: skip


def parse_liste_geo(text: str) -> list[tuple[str, str]]:
    """(name, INSEE code) of each « Commune (INSEE) » entry; RowError naming a bad entry."""
    entries = []
    for entry in str(text or "").split(";"):
        entry = entry.strip()
        if not entry:
            continue
        match = ENTRY.match(entry)
        if match is None:
            raise RowError(
                f"entrée « {entry} » de liste_geo illisible (attendu « Commune (INSEE) »)"
            )
        entries.append((match["name"], match["code"]))
    if not entries:
        raise RowError("liste_geo vide : aucune commune")
    return entries


def union(geometries) -> MultiPolygon:
    """The communes' polygons dissolved into one MultiPolygon."""
    parts = [polygon for geometry in geometries for polygon in geometry]
    merged = MultiPolygon(parts, srid=geometries[0].srid).unary_union
    return merged if merged.geom_type == "MultiPolygon" else MultiPolygon(merged, srid=merged.srid)


def _first_ones(identifiers: list[str], shown: int = 5) -> str:
    return ", ".join(identifiers[:shown]) + ("…" if len(identifiers) > shown else "")


class ProgrammesImporter:
    """The five programme files, or one of them (`path`: a file named like those above,
    or a folder holding them), for the communes loaded in `departements` (all when
    empty)."""

    source = "programmes"
    title = "Programmes de l’ANCT par commune (2024)"
    default_file = "programmes"

    def __init__(
        self, path: Path | None = None, departements=None, progress=lambda iterable, **kw: iterable
    ):
        self.path = Path(path) if path else Path(settings.CARTO_DATA_DIR) / self.default_file
        self.departements = set(departements or [])
        self.progress = progress

    def files(self) -> list[tuple[Programme, Path]]:
        if self.path.is_dir():
            return [(programme, self.path / programme.file) for programme in PROGRAMMES]
        programme = next((p for p in PROGRAMMES if p.file == self.path.name), None)
        if programme is None:
            names = ", ".join(p.file for p in PROGRAMMES)
            raise ImportAborted(f"{self.path} : fichier de programme inconnu (attendus : {names})")
        return [(programme, self.path)]

    def communes(self) -> dict[str, Territory]:
        """The loaded communes with an outline (of the requested départements)."""
        queryset = Territory.objects.filter(kind=Kind.COMMUNE, geom__isnull=False)
        if self.departements:
            queryset = queryset.filter(departement_code__in=sorted(self.departements))
        return {t.code: t for t in queryset.only("code", "geom", "departement_code")}

    def run(self, partial: bool = False, dry_run: bool = False) -> ActorImportSummary:
        started = time.monotonic()
        summary = ActorImportSummary(source=self.source, dry_run=dry_run)
        sources = []
        for programme, path in self.files():
            try:
                features = read_geojson(path)
                require_properties(path, features, ["id_territoire", "lib_territoire", "liste_geo"])
            except SourceError as exc:
                raise ImportAborted(str(exc)) from None
            sources.append((programme, path, features))
        communes = self.communes()
        initiatives: dict[str, Initiative] = {}
        trimmed, unloaded = [], []
        for programme, path, features in sources:
            for index, feature in enumerate(self.progress(features, desc=path.name, unit=" sites")):
                line = f"{path.name}, entité n° {index + 1}"
                properties = feature["properties"]
                identifier = str(properties.get("id_territoire") or "").strip()
                try:
                    site, codes = self.site(programme, properties, identifier, communes)
                except RowError as exc:
                    summary.rejected.append(Rejected(line, identifier, str(exc)))
                    continue
                if identifier in initiatives:
                    summary.rejected.append(Rejected(line, identifier, "identifiant en double"))
                    continue
                if site is None:
                    # Skipped: out of the requested départements, or not loaded at all.
                    summary.out_of_scope += 1
                    if not self.departements or any(
                        departement_of(code) in self.departements for code in codes
                    ):
                        unloaded.append(identifier)
                    continue
                if len(site.footprint_codes) < len(codes):
                    trimmed.append(identifier)
                initiatives[identifier] = site
        if unloaded:
            summary.notes.append(
                f"{len(unloaded)} site(s) ignoré(s) : aucune de leurs communes n'est chargée "
                f"({_first_ones(unloaded)})"
            )
        if trimmed:
            summary.notes.append(
                f"{len(trimmed)} site(s) limité(s) à leurs communes chargées ({_first_ones(trimmed)})"
            )
        if summary.rejected and not partial:
            first = summary.rejected[0]
            raise ImportAborted(f"{first.line} : {first.reason}. Rien n'a été écrit.")
        upsert_initiatives(self.source, list(initiatives.values()), FIELDS, summary, dry_run)
        if not dry_run:
            analyze_directory()
        summary.seconds = time.monotonic() - started
        return summary

    def site(self, programme: Programme, properties: dict, identifier: str, communes):
        """(the site's initiative, every INSEE code it names); the initiative is None when
        none of its communes is loaded. RowError when the site cannot be read."""
        if not identifier:
            raise RowError("identifiant id_territoire vide")
        name = str(properties.get("lib_territoire") or "").strip()
        if not name:
            raise RowError("nom du site (lib_territoire) vide")
        entries = parse_liste_geo(properties.get("liste_geo"))
        codes = sorted({code for _name, code in entries})
        kept = [communes[code] for code in codes if code in communes]
        if not kept:
            return None, codes
        footprint = union([commune.geom for commune in kept])
        centroid = footprint.centroid
        signed = str(properties.get("date_signature") or "").strip()
        several = len(entries) > 1
        initiative = Initiative(
            source=self.source,
            source_id=identifier,
            title=name[:300],
            dimension=programme.label,
            keywords=[programme.label],
            themes=list(programme.themes),
            publics=list(programme.publics),
            summary=(
                f"{name} est un site du programme « {programme.label} » de l’ANCT"
                + (f" ({len(entries)} communes)." if several else ".")
            ),
            territory_scope="groupement de communes" if several else "commune",
            programme=programme.slug,
            footprint_codes=[f"commune:{commune.code}" for commune in kept],
            footprint=footprint,
            location=centroid if footprint.contains(centroid) else footprint.point_on_surface,
            period=f"convention signée le {signed}"[:60] if signed else "",
            source_url="https://agence-cohesion-territoires.gouv.fr/",
            status=Status.PUBLISHED,
        )
        return initiative, codes


__all__ = ["PROGRAMMES", "ProgrammesImporter", "parse_liste_geo"]
