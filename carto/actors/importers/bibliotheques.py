"""Public libraries and médiathèques (Ministère de la Culture, « Adresses des
bibliothèques publiques »).

Design choices:
- the file has no INSEE code, only `CP` + `Ville` and coordinates: the commune is the
  loaded commune whose outline holds the point, found in SQL for the whole file in one
  statement (sql/places.sql, through the subdivided outlines' GiST index); `CP` +
  `Ville` only cross-check it, and each disagreement is a note of the summary (a
  commune déléguée, a neighbouring commune's name), never a reject;
- `type_adresse` says what a row is: an open building is a médiathèque; a « Bibliobus »
  (or an open building whose name says it is a bibliobus, a médiabus, a mobile or
  itinerant library) is itinerant, placed at its base; a bibliothèque départementale
  serves the libraries of its whole département (lending, bibliobus): itinerant, with
  the département as service area; the file gives it no coordinates, so it stands at
  the town hall of its `Ville` (precision « commune », « à localiser »). Administrative
  offices, closed stores and rows whose type is the unknown value « 0 » are not places
  a visitor can go to: skipped, counted by reason;
- an open building or a bibliobus without coordinates is rejected (its street address
  would need a geocoder); a point outside every loaded commune is rejected too, with
  the file's commune in the reason;
- what a visitor cares about is kept as amenities: Wi-Fi, open on Sunday, free
  services, cultural actions (`nombre_actions_culturelles` > 0). The string « 0 » means
  « unknown » in several text columns and is read as empty;
- `--departements` filters on the file's `code_departement`.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection

from carto.sources import read_csv
from carto.srid import WGS84
from carto.territories.codes import search_key

from ..models import Precision
from ..sql import load_queries
from .base import ActorImporter, ActorRecord, OutOfScope, RowError, SkipRow, _point, place_key

OPEN = "Bâtiment ouvert"
BIBLIOBUS = "Bibliobus"
DEPARTEMENTALE = "Bibliothèque départementale"
SKIPPED_TYPES = {
    "Lieu uniquement administratif": "lieu uniquement administratif",
    "Réserve de documents non ouverte au public": "réserve de documents non ouverte au public",
    "0": "type d’adresse inconnu (« 0 »)",
}
# An open building whose name says it moves: « Bibliobus », « Médiabus Titang »,
# « Bibliothèque mobile », « Lecture publique itinérante »…
MOBILE_NAME = re.compile(
    r"\b(biblio|m[eé]dia|bouquin)bus\b|\bbiblioth[eè]que\s+(mobile|nomade|itin[ée]rante)\b|\bitin[ée]ran",
    re.IGNORECASE,
)
UNKNOWN = {"0", "nc", "n c", "neant", "aucun"}
URL = re.compile(r"^(?:https?://)?[\w-]+(?:\.[\w-]+)+(?:[/?#]\S*)?$", re.IGNORECASE)
_validate_url = URLValidator(schemes=["http", "https"])


def text(value: str) -> str:
    """A text cell, with the file's « 0 » / « NC » for unknown read as empty."""
    value = " ".join((value or "").split())
    return "" if search_key(value) in UNKNOWN else value


def website(value: str) -> str:
    """The first cell entry that reads as a web address (« oui », « pas de site »… are not)."""
    first = re.split(r"[\s,]+", value.strip(), maxsplit=1)[0] if value.strip() else ""
    if not URL.match(first):
        return ""
    url = first if re.match(r"^https?://", first, re.IGNORECASE) else f"http://{first}"
    url = re.sub(r"^https?://", lambda m: m.group(0).lower(), url, flags=re.IGNORECASE)
    try:
        _validate_url(url)
    except ValidationError:
        return ""
    return url if len(url) <= 500 else ""


def yes(value: str) -> bool:
    return (value or "").strip().lower() == "oui"


def positive(value: str) -> bool:
    try:
        return float(value) > 0
    except (TypeError, ValueError):
        return False


class BibliothequesImporter(ActorImporter):
    """Public libraries of France (Ministère de la Culture), a médiathèque per open building."""

    source = "bibliotheques"
    title = "Bibliothèques publiques (Ministère de la Culture)"
    default_file = "acteurs/bibliotheques_publiques_culture.csv"
    columns = ["Code_bib", "nom_de_l_etablissement", "Adresse", "code_departement", "CP", "Ville", "Longitude",
               "Latitude", "type_adresse", "site_internet", "ouverture_le_dimanche", "connexion_wi_fi",
               "gratuite_des_services", "nombre_actions_culturelles"]  # fmt: skip

    def rows(self):
        rows = list(read_csv(self.path, self.columns))
        self.commune_of_point = self._communes_of_points(
            [raw for _line, raw in rows if self._wanted(raw)]
        )
        for line, raw in rows:
            raw["_id"] = raw["Code_bib"].strip()
            yield f"ligne {line}", raw

    def _wanted(self, raw: dict) -> bool:
        departement = raw["code_departement"].strip().upper()
        return not self.departements or departement in self.departements

    def _communes_of_points(self, rows: list[dict]) -> dict[str, tuple[str, str, str]]:
        """Code, name and département of the loaded commune holding each row's point."""
        keys, lons, lats = [], [], []
        for raw in rows:
            try:
                lon, lat = float(raw["Longitude"]), float(raw["Latitude"])
            except ValueError:
                continue
            keys.append(raw["Code_bib"].strip())
            lons.append(lon)
            lats.append(lat)
        with connection.cursor() as cursor:
            cursor.execute(
                load_queries("places.sql")["communes_of_points"],
                {"keys": keys, "lons": lons, "lats": lats, "srid": WGS84},
            )
            return {key: (code, name, dep) for key, code, name, dep in cursor.fetchall()}

    def in_scope(self, record: ActorRecord) -> bool:
        # Decided on the file's code_departement before conversion (convert raises OutOfScope).
        return True

    def convert(self, raw: dict) -> ActorRecord:
        if not self._wanted(raw):
            raise OutOfScope
        kind_of_row = raw["type_adresse"].strip()
        if kind_of_row in SKIPPED_TYPES:
            raise SkipRow(SKIPPED_TYPES[kind_of_row])
        if kind_of_row not in (OPEN, BIBLIOBUS, DEPARTEMENTALE):
            raise RowError(f"type d’adresse « {kind_of_row} » inconnu")
        source_id = raw["Code_bib"].strip()
        if not source_id:
            raise RowError("identifiant Code_bib vide")
        name = " ".join(raw["nom_de_l_etablissement"].split())
        departement = raw["code_departement"].strip().upper()
        postcode = raw["CP"].strip() if re.fullmatch(r"\d{5}", raw["CP"].strip()) else ""
        city = text(raw["Ville"])
        point = _point(raw["Longitude"].strip(), raw["Latitude"].strip())
        notes: list[str] = []
        description = ["Bibliothèque publique (annuaire du ministère de la Culture)."]
        service_area: list[str] = []
        itinerant = kind_of_row == BIBLIOBUS or bool(MOBILE_NAME.search(name))

        if kind_of_row == DEPARTEMENTALE:
            itinerant = True
            service_area = [f"departement:{departement}"]
            description = [
                "Bibliothèque départementale : elle dessert les bibliothèques et les communes "
                "du département (prêt, bibliobus) ; l’adresse est celle de son siège."
            ]
        elif itinerant:
            description.append("Bibliobus : l’adresse est celle de son point de rattachement.")

        if point is not None and kind_of_row != DEPARTEMENTALE:
            commune = self.commune_of_point.get(source_id)
            if commune is None:
                raise RowError(
                    f"point ({point[0]}, {point[1]}) hors de toute commune chargée "
                    f"(le fichier dit {postcode} {city or 'commune inconnue'}, département {departement})"
                )
            commune_code, commune_name, _ = commune
            named = self.commune_named(departement, city) if city else None
            if (
                city
                and place_key(city) != place_key(commune_name)
                and (named is None or named[0] != commune_code)
            ):
                notes.append(
                    f"{source_id} « {name} » : commune d’après les coordonnées {commune_name} "
                    f"({commune_code}), le fichier dit {postcode} {city}"
                )
            lon, lat, precision = point[0], point[1], Precision.ADDRESS
        elif kind_of_row == DEPARTEMENTALE:
            named = self.commune_named(departement, city) if city else None
            if named is None:
                raise RowError(
                    f"bibliothèque départementale sans coordonnées, et commune « {city} » "
                    f"introuvable parmi les communes chargées du département {departement}"
                )
            commune_code, lon, lat, precision = named[0], None, None, Precision.COMMUNE
        else:
            raise RowError(
                f"pas de coordonnées (Longitude, Latitude vides) pour « {name} » "
                f"({postcode} {city}) : impossible de le placer"
            )

        amenities = [
            slug
            for slug, present in (
                ("wifi", yes(raw["connexion_wi_fi"])),
                ("ouvert-le-dimanche", yes(raw["ouverture_le_dimanche"])),
                ("gratuit", yes(raw["gratuite_des_services"])),
                ("actions-culturelles", positive(raw["nombre_actions_culturelles"])),
            )
            if present
        ]
        return ActorRecord(
            source_id=source_id,
            name=name,
            kind="mediatheque",
            lon=lon,
            lat=lat,
            precision=precision,
            themes=["culture"],
            publics=["tous-publics"],
            description="\n".join(description),
            address=text(raw["Adresse"]),
            postcode=postcode,
            city=city,
            commune_code=commune_code,
            itinerant=itinerant,
            amenities=amenities,
            service_area_codes=service_area,
            website=website(raw["site_internet"]),
            notes=notes,
        )
