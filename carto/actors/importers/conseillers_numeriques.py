"""Host structures of the conseillers numériques France services (ANCT)."""

import re
from datetime import date

from carto.sources import SourceError, read_json

from ..models import Precision
from .base import (
    ActorImporter,
    ActorRecord,
    RowError,
    _point,
)


class ConseillersNumeriquesImporter(ActorImporter):
    """Host structures of the « conseillers numériques France services » (ANCT, 2022)."""

    source = "conseillers_numeriques"
    title = "Structures d’accueil des conseillers numériques (ANCT, 2022)"
    default_file = "acteurs/conseillers_numeriques_structures_2022.json"

    def last_verified(self):
        return date(2022, 6, 1)

    def rows(self):
        data = read_json(self.path)
        if not isinstance(data, list):
            raise SourceError(f"{self.path} : une liste d'objets est attendue")
        for index, raw in enumerate(data):
            if not isinstance(raw, dict):
                raise SourceError(f"{self.path}, objet n° {index + 1} : objet JSON attendu")
            raw["_id"] = str(raw.get("id", ""))
            yield f"objet n° {index + 1}", raw

    def convert(self, raw: dict) -> ActorRecord:
        for key in ("id", "raison_sociale"):
            if key not in raw:
                raise RowError(f"champ « {key} » manquant")
        lines = [
            line.strip() for line in str(raw.get("adresse") or "").splitlines() if line.strip()
        ]
        point = _point(raw.get("longitude"), raw.get("latitude"))
        score = raw.get("result_score")
        precision = Precision.ADDRESS
        if isinstance(score, int | float) and score < 0.5:
            precision = Precision.STREET
        count = raw.get("nb_cnfs")
        postcode = str(raw.get("code_postal_bis") or "").strip()
        return ActorRecord(
            source_id=str(raw["id"]),
            name=str(raw["raison_sociale"]).strip(),
            kind="mediation-numerique",
            lon=point[0] if point else None,
            lat=point[1] if point else None,
            precision=precision,
            themes=["numerique"],
            publics=["tous-publics"],
            labels=["Conseiller numérique France services"],
            description=(
                f"Accueille {count} conseiller(s) numérique(s) France services." if count else ""
            ),
            siret=str(raw.get("siret") or ""),
            address=lines[0] if lines else "",
            postcode=postcode if re.fullmatch(r"\d{5}", postcode) else "",
            city=str(raw.get("commune_insee") or "").strip(),
            commune_code=str(raw.get("insee_com") or raw.get("result_citycode") or "").strip(),
            source_url="https://www.conseiller-numerique.gouv.fr/",
        )
