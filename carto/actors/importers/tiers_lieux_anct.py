"""Tiers-lieux of the State's programmes (ANCT): Fabriques de territoire and Manufactures
de proximité.

Design choices:
- the files hold one Point per commune, at the commune's centroid (ANCT's build step),
  with the tiers-lieux of that commune joined by « ; » in `lib_territoire` and
  `id_territoire`: one actor per named tiers-lieu, the two lists split pairwise; a
  feature whose lists differ in length is rejected, naming both, rather than guessed;
- every actor stands at the file's point with precision « commune » and is flagged
  « à localiser »: the street address is not in the file;
- the names are read after HTML entities are decoded (« Ressources &amp; Compétences »
  holds a « ; » that is not a separator): the first line is the name, the following
  ones (a second project, the carrier) go to the description, except a line naming a
  representative person, which is personal data and is dropped;
- the commune is the feature's `id_geo`; a feature without a point is rejected.
"""

from __future__ import annotations

import html
import re
from datetime import date

from carto.sources import read_geojson, require_properties

from ..models import Precision
from .base import ActorImporter, ActorRecord, OutOfScope, RowError, departement_of

# A name longer than this is a presentation, not a name: cut before its first clause.
LONG_NAME = 150
# « représenté par Joseph Petit, trésorier… »: a person, not the place.
PERSON_LINE = re.compile(r"^\s*représentée?s?\s+par\b", re.IGNORECASE)


def split_names(text: str) -> list[str]:
    """The « ; »-joined names of a feature, HTML entities decoded first."""
    return [part.strip() for part in html.unescape(text).split("; ")]


def name_and_details(text: str) -> tuple[str, list[str]]:
    """The tiers-lieu's name (first line, or its first clause when the line is a whole
    paragraph) and the lines worth keeping as description."""
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    if not lines:
        return "", []
    name, details = lines[0], [line for line in lines[1:] if not PERSON_LINE.match(line)]
    if len(name) > LONG_NAME:
        details.insert(0, name)
        name = re.split(r",|\s:|\.\s|\s\(", name, maxsplit=1)[0].strip()[:LONG_NAME]
    return name, details


class AnctTiersLieuxImporter(ActorImporter):
    """Base of the two ANCT tiers-lieux files (same layout, another label)."""

    label = ""
    published: date | None = None

    def last_verified(self):
        return self.published

    def rows(self):
        features = read_geojson(self.path)
        require_properties(self.path, features, ["id_geo", "lib_geo", "id_territoire", "lib_territoire"])  # fmt: skip
        for index, feature in enumerate(features):
            props = feature["properties"]
            ids = split_names(str(props["id_territoire"] or ""))
            names = split_names(str(props["lib_territoire"] or ""))
            where = f"entité n° {index + 1}"
            if len(ids) != len(names):
                raw = {**props, "_id": props["id_territoire"], "_error": (
                    f"{len(ids)} identifiant(s) ({', '.join(ids)}) pour {len(names)} nom(s) "
                    f"({' | '.join(names)}) : impossible de les apparier"
                ), "geometry": feature.get("geometry")}  # fmt: skip
                yield where, raw
                continue
            for position, (source_id, name) in enumerate(zip(ids, names, strict=True)):
                raw = {
                    **props,
                    "_id": source_id,
                    "_name": name,
                    "geometry": feature.get("geometry"),
                }
                yield (f"{where} ({position + 1}/{len(ids)})" if len(ids) > 1 else where), raw

    def convert(self, raw: dict) -> ActorRecord:
        commune = str(raw["id_geo"] or "").strip()
        if self.departements and departement_of(commune) not in self.departements:
            raise OutOfScope
        if "_error" in raw:
            raise RowError(raw["_error"])
        geometry = raw["geometry"] or {}
        coordinates = geometry.get("coordinates") if geometry.get("type") == "Point" else None
        if not coordinates:
            raise RowError(
                f"géométrie vide ou non ponctuelle ({geometry.get('type') or 'absente'}) pour "
                f"« {raw['_name']} » ({raw['lib_geo']}, {commune}) : impossible de le placer"
            )
        name, details = name_and_details(raw["_name"])
        if not raw["_id"]:
            raise RowError(f"identifiant vide pour « {name} »")
        description = [
            f"{self.label} (programme de l’ANCT). Position : centre de la commune, adresse à préciser.",
            *details,
        ]
        return ActorRecord(
            source_id=raw["_id"],
            name=name,
            kind="tiers-lieu",
            lon=float(coordinates[0]),
            lat=float(coordinates[1]),
            precision=Precision.COMMUNE,
            to_locate=True,
            publics=["tous-publics"],
            labels=[self.label],
            network=f"{self.label} (ANCT)",
            description="\n".join(description),
            city=str(raw["lib_geo"] or "").strip(),
            commune_code=commune,
            source_url="https://agence-cohesion-territoires.gouv.fr/",
        )


class FabriquesDeTerritoireImporter(AnctTiersLieuxImporter):
    """« Fabriques de territoire »: tiers-lieux labelled and funded by the State (January 2024)."""

    source = "fabriques_de_territoire"
    title = "Fabriques de territoire (ANCT, janvier 2024)"
    default_file = "acteurs/anct_fabriques_de_territoire.geojson"
    label = "Fabrique de territoire"
    published = date(2024, 1, 1)


class ManufacturesDeProximiteImporter(AnctTiersLieuxImporter):
    """« Manufactures de proximité »: productive tiers-lieux, ANCT laureates (January 2022)."""

    source = "manufactures_de_proximite"
    title = "Manufactures de proximité (ANCT, janvier 2022)"
    default_file = "acteurs/anct_manufactures_de_proximite.geojson"
    label = "Manufacture de proximité"
    published = date(2022, 1, 1)
