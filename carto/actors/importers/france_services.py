"""France services sites (ANCT)."""

from datetime import date

from carto.sources import read_csv

from ..models import Precision
from ..opening_hours import from_france_services
from .base import (
    ActorImporter,
    ActorRecord,
    RowError,
    _point,
)


class FranceServicesImporter(ActorImporter):
    """France services sites (ANCT, 2024-08-01): fixed sites, antennas, multi-site
    structures, buses and itinerant services (`format_fs`)."""

    source = "france_services"
    title = "France services (ANCT, 1er août 2024)"
    default_file = "acteurs/france_services_20240801.csv"
    columns = ["id_fs", "lib_fs", "adresse", "insee_com", "code_postal", "lib_com", "latitude", "longitude",
               "h_lundi", "h_mardi", "h_mercredi", "h_jeudi", "h_vendredi", "h_samedi", "type_fs", "format_fs"]  # fmt: skip
    ITINERANT = {
        "Bus_équivalent": "bus France services",
        "Itinérante": "France services itinérante",
    }
    FORMATS = {
        "Fixe": "site fixe",
        "Multisites": "site d’une France services multisite",
        "Fixe_antenne(s)": "site avec antenne(s)",
        **ITINERANT,
    }

    def last_verified(self):
        return date(2024, 8, 1)

    def rows(self):
        rows = list(read_csv(self.path, self.columns))
        # An antenna hangs on the principal site of its group (groupe_fs) when there is exactly one.
        principals: dict[str, list[str]] = {}
        for _line, raw in rows:
            if raw.get("groupe_fs") and raw["type_fs"] == "Principal":
                principals.setdefault(raw["groupe_fs"], []).append(raw["id_fs"])
        self.principal_of = {group: ids[0] for group, ids in principals.items() if len(ids) == 1}
        for line, raw in rows:
            raw["_id"] = raw["id_fs"]
            yield f"ligne {line}", raw

    def convert(self, raw: dict) -> ActorRecord:
        if not raw["id_fs"].strip():
            raise RowError("identifiant id_fs vide")
        point = _point(raw["longitude"], raw["latitude"])
        hours = from_france_services({day: raw.get(day, "") for day in self.columns[8:14]})
        fmt = raw.get("format_fs", "")
        itinerant = fmt in self.ITINERANT
        description = [f"France services : {self.FORMATS.get(fmt, fmt or 'format non précisé')}."]
        if itinerant:
            description.append(
                "Service itinérant : l’adresse est celle de son point de rattachement."
            )
        if raw["type_fs"] == "Antenne":
            description.append("Antenne d’une France services.")
        if raw.get("commentaire", "").strip():
            description.append(raw["commentaire"].strip())
        group = raw.get("groupe_fs", "").strip()
        parent = self.principal_of.get(group, "") if raw["type_fs"] == "Antenne" else ""
        return ActorRecord(
            source_id=raw["id_fs"].strip(),
            name=raw["lib_fs"].strip(),
            kind="france-services",
            lon=point[0] if point else None,
            lat=point[1] if point else None,
            precision=Precision.ADDRESS,
            themes=["acces-aux-droits", "numerique"],
            publics=["tous-publics"],
            labels=[
                "France services",
                *(
                    [raw["labellisation_fs"].strip()]
                    if raw.get("labellisation_fs", "").strip()
                    else []
                ),
            ],
            description="\n".join(description),
            network=group,
            address=raw["adresse"].strip(),
            address_extra=raw.get("complement_adresse", "").strip(),
            postcode=raw["code_postal"].strip().zfill(5) if raw["code_postal"].strip() else "",
            city=raw["lib_com"].strip(),
            commune_code=raw["insee_com"].strip(),
            opening_hours=hours.value,
            appointment=raw.get("prise_rdv", "").strip().lower() == "oui",
            itinerant=itinerant,
            email=raw.get("mail", "").strip(),
            phone=raw.get("telephone", "").strip(),
            source_url="https://www.france-services.gouv.fr/",
            parent_source_id=parent if parent != raw["id_fs"] else "",
            notes=[f"horaires : {problem}" for problem in hours.problems],
        )
