"""Our directory in the national « lieux de médiation numérique » (LMN) standard, both ways.

Design choices:
- the standard is the one its official package implements
  (`@gouvfr-anct/lieux-de-mediation-numerique`, npm, 2.3.0): flat places whose
  multi-valued fields are joined with « | », the v1 vocabularies below. The vocabularies
  are written here because the export must speak them, and a test compares each of
  them with the package's own (tests/actors/test_lmn.py); the export is validated by
  the package itself (scripts/validate-lmn.mjs), never by a copy of its rules;
- reading is lenient with the standard's earlier forms, still published (the
  Cartographie nationale's 2022 files): `conditions_access`, `labels_nationaux`,
  `labels_autres`, `courriel`, `presentation_resumee`, `publics_accueillis`, lists
  joined with « , » or « ; », and the pre-v1 services, which LEGACY_SERVICES maps onto
  v1. A value outside a closed vocabulary rejects the place, naming the field and the
  value; hours that the OSM syntax refuses, and contacts that are not an address,
  a URL or a number, become a note and are left out, never a reject;
- the services and access conditions are stored in the v1 vocabulary (Actor.services,
  Actor.access_conditions), so that they go out as they came in; labels are stored in
  the directory's spelling (« Conseiller numérique France services », « France
  services »…, the importers' own) so that a place listed by several sources holds
  each label once: LABEL_ALIASES reads, LABEL_DISPOSITIFS writes;
- the export holds the listed, in-directory actors that offer LMN services, whatever
  their kind: the standard describes places where the public finds digital mediation,
  and its package reads a place without services as one that receives no public
  (« Ce lieu n'accueille pas de public »), so a centre social without such services
  would misinform the national map. `id` is « carto--<actor id> », as in the
  data·inclusion export; `pivot` is the actor's SIRET, else its parent's (the site of a
  multi-site structure: the standard's pivot identifies the organisation and may
  repeat), else its RNA number, else the standard's « 00000000000000 »;
- an actor whose required fields cannot be written in the standard's formats (no
  postcode, no street address) is left out of the export and logged, as the
  data·inclusion export does: one bad row never breaks the file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db.models import Case, F, FloatField, Func, OuterRef, Subquery, Value, When

from carto.territories.codes import Kind, search_key
from carto.territories.models import Territory

from .data_inclusion import PRODUCER, check_lengths, date_maj, e164, first_email
from .models import Actor, Precision
from .opening_hours import OpeningHoursError, parse
from .records import ActorRecord, RowError
from .taxonomy import KIND_BY_TYPOLOGY, KINDS

logger = logging.getLogger(__name__)

# -- the standard's vocabularies (v1) ----------------------------------------------------

SERVICES = (
    "Acquisition de matériel informatique à prix solidaire",
    "Aide aux démarches administratives",
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
)
FRAIS = ("Gratuit", "Gratuit sous condition", "Payant")
DISPOSITIFS = (
    "Aidants Connect",
    "Bibliothèques numérique de référence",
    "Certification PIX",
    "Conseillers numériques",
    "Emmaüs Connect",
    "France Services",
    "Grande école du numérique",
    "La Croix Rouge",
    "Point d'accès numérique CAF",
    "Promeneurs du net",
    "Relais numérique (Emmaüs Connect)",
)
FORMATIONS_LABELS = (
    "Formé à « Mon Espace Santé »",
    "Formé à « DUPLEX » (illettrisme)",
    "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
    "Collectif ressources et acteurs réemploi (Normandie)",
    "Étapes numériques (La Poste)",
    "Fabriques de Territoire",
    "Les Éclaireurs du numérique (Drôme)",
    "Mes Papiers (Métropole de Lyon)",
    "ORDI 3.0",
    "SUD LABS (PACA)",
)
ITINERANT, FIXED = "Itinérant", "Fixe"
# Publics the standard names -> ours. Back, each of ours names one value (« Étudiants »
# is read as « jeunes », « jeunes » written as « Jeunes »), so that a round trip is exact.
PUBLICS = {
    "Jeunes": "jeunes",
    "Étudiants": "jeunes",
    "Familles et/ou enfants": "familles",
    "Seniors": "seniors",
    "Femmes": "femmes",
}
PUBLICS_OUT = {"jeunes": "Jeunes", "familles": "Familles et/ou enfants", "seniors": "Seniors",
               "femmes": "Femmes"}  # fmt: skip
PIVOT_UNKNOWN = "00000000000000"  # the standard's pivot for a place with neither SIRET nor RNA

# The earlier forms' services -> v1 (the Cartographie nationale's 2022-2023 vocabulary).
LEGACY_SERVICES = {
    "Prendre en main un smartphone ou une tablette": "Maîtrise des outils numériques du quotidien",
    "Prendre en main un ordinateur": "Maîtrise des outils numériques du quotidien",
    "Utiliser le numérique au quotidien": "Maîtrise des outils numériques du quotidien",
    "Échanger avec ses proches": "Maîtrise des outils numériques du quotidien",
    "Approfondir ma culture numérique": "Compréhension du monde numérique",
    "Promouvoir la citoyenneté numérique": "Compréhension du monde numérique",
    "Favoriser mon insertion professionnelle": "Insertion professionnelle via le numérique",
    "Créer et développer mon entreprise": "Insertion professionnelle via le numérique",
    "Accéder à une connexion internet": "Accès internet et matériel informatique",
    "Accéder à du matériel": "Accès internet et matériel informatique",
    "S’équiper en matériel informatique": "Acquisition de matériel informatique à prix solidaire",
    "Équiper en matériel informatique": "Acquisition de matériel informatique à prix solidaire",
    "Gagner en autonomie dans les démarches administratives": "Aide aux démarches administratives",
    "Devenir autonome dans les démarches administratives": "Aide aux démarches administratives",
    "Etre accompagné dans les démarches administratives": "Aide aux démarches administratives",
    "Réaliser des démarches administratives avec un accompagnement": "Aide aux démarches administratives",
    "Accompagner les démarches de santé": "Aide aux démarches administratives",
    "Soutenir la parentalité et l’éducation avec le numérique": "Parentalité et éducation avec le numérique",
    "Créer avec le numérique": "Loisirs et créations numériques",
}  # fmt: skip
# The earlier `conditions_access` -> v1 « frais à charge » (the standard's 0.2 text lists
# adhésion and pass numériques among the conditions of « Gratuit sous condition »).
LEGACY_FRAIS = {
    "Accepte le pass numérique": "Gratuit sous condition",
    "Pass numérique": "Gratuit sous condition",
    "Adhésion": "Gratuit sous condition",
}

# Labels as the standard's files write them -> the directory's spelling (import).
LABEL_ALIASES = {
    "CNFS": "Conseiller numérique France services",
    "Conseillers numériques": "Conseiller numérique France services",
    "Conseiller numérique": "Conseiller numérique France services",
    "France Services": "France services",
    "Points numériques CAF": "Point d'accès numérique CAF",
    "Point numérique CAF": "Point d'accès numérique CAF",
    "Fabriques de Territoire": "Fabrique de territoire",
}
# The directory's labels -> the standard's dispositifs and formations (export). Any
# label spelled like a dispositif or a formation of the standard is one too.
LABEL_DISPOSITIFS = {
    "Conseiller numérique France services": "Conseillers numériques",
    "France services": "France Services",
}
LABEL_FORMATIONS = {"Fabrique de territoire": "Fabriques de Territoire"}

# Every field of the standard, in the order of its schema (the CSV header).
FIELDS = [
    "id", "pivot", "nom", "commune", "code_postal", "code_insee", "adresse", "complement_adresse",
    "latitude", "longitude", "typologie", "telephone", "courriels", "site_web", "horaires",
    "presentation_resume", "presentation_detail", "source", "itinerance", "structure_parente",
    "date_maj", "services", "publics_specifiquement_adresses", "prise_en_charge_specifique",
    "frais_a_charge", "dispositif_programmes_nationaux", "formations_labels",
    "autres_formations_labels", "modalites_acces", "modalites_accompagnement",
    "fiche_acces_libre", "prise_rdv",
]  # fmt: skip
REQUIRED = ["id", "pivot", "nom", "commune", "code_postal", "adresse", "date_maj"]
RESUME_MAX = 280  # the standard's limit on presentation_resume

# The standard's formats (its schema and package): what the export must write.
POSTCODE_RE = re.compile(r"\d{5}")
INSEE_RE = re.compile(r"(?:[013-9]\d|2[AB1-9])\d{3}")
SIRET_RE = re.compile(r"\d{14}")
RNA_RE = re.compile(r"W[A-Za-z0-9]{9}")
COMMUNE_RE = re.compile(r"[A-Za-z0-9À-ÖØ-öø-ÿŒ-Ÿ'’\s-]+")
VOIE_FORBIDDEN_RE = re.compile(r"[^0-9A-Za-zÀ-ÖØ-öø-ÿŒ-Ÿ,()°.&:+–|;'’/\s-]")
PHONE_RE = re.compile(r"\+33[1-9]\d{8}|0[1-9]\d{8}")
EMAIL_RE = re.compile(
    r"[A-Za-z0-9_][A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])+"
)
EMPTY_RANGE_RE = re.compile(r"(?<![\d:])(\d{1,2}:\d{2})-\1(?![\d:])")
URL_RE = re.compile(r"https?://[A-Za-z0-9.-]+(?:/[\w~,%@/.+-]*)?(?:\?[\w=&;%@.+-]*)?(?:#[\w./!]*)?")


def _index(values, aliases: dict[str, str] | None = None) -> dict[str, str]:
    """Words (compared by search_key) -> the vocabulary's value."""
    index = {search_key(value): value for value in values}
    for word, value in (aliases or {}).items():
        index.setdefault(search_key(word), value)
    return index


_SERVICES = _index(SERVICES, LEGACY_SERVICES)
_FRAIS = _index(FRAIS, LEGACY_FRAIS)
_PUBLICS = _index(PUBLICS)
_DISPOSITIFS = _index(DISPOSITIFS)
_FORMATIONS = _index(FORMATIONS_LABELS)
_LABELS = {
    **{search_key(value): value for value in DISPOSITIFS},
    **{search_key(word): label for word, label in LABEL_ALIASES.items()},
}
_TYPOLOGIES = {kind.slug: kind.typology for kind in KINDS if kind.typology not in ("", "Autre")}


# -- export ------------------------------------------------------------------------------

EXPORT_FIELDS = [
    "id", "name", "kind_id", "labels", "network", "description", "siret", "rna", "address",
    "address_extra", "postcode", "city", "commune_code", "opening_hours", "email", "phone",
    "website", "itinerant", "publics", "services", "access_conditions", "last_verified",
    "updated_at",
]  # fmt: skip


def export_queryset(departement: str | None = None):
    """The listed, in-directory actors that offer LMN services, by id, optionally in one
    département; with their coordinates, their commune's name and their listed parent's SIRET."""
    queryset = Actor.objects.listed().in_directory().filter(services__len__gt=0)
    if departement:
        queryset = queryset.in_territory("departement", departement)
    listed_parent = {"parent__listed": True}
    communes = Territory.objects.filter(kind=Kind.COMMUNE)
    return (
        queryset.only(*EXPORT_FIELDS)
        .annotate(
            lon=Func("location", function="ST_X", output_field=FloatField()),
            lat=Func("location", function="ST_Y", output_field=FloatField()),
            commune_name=Subquery(
                communes.filter(code=OuterRef("commune_code")).values("name")[:1]
            ),
            parent_siret=Case(When(**listed_parent, then=F("parent__siret")), default=Value("")),
        )
        .order_by("id")
    )


def _joined(values) -> str | None:
    """A list as the standard writes it (« a|b »), None when empty."""
    items = list(dict.fromkeys(value.replace("|", "/").strip() for value in values))
    items = [item for item in items if item]
    return "|".join(items) or None


def labels_out(labels: list[str]) -> tuple[list[str], list[str], list[str]]:
    """An actor's labels as the standard's dispositifs, formations and other labels."""
    dispositifs, formations, others = [], [], []
    for label in labels:
        key = search_key(label)
        if label in LABEL_DISPOSITIFS or key in _DISPOSITIFS:
            dispositifs.append(LABEL_DISPOSITIFS.get(label) or _DISPOSITIFS[key])
        elif label in LABEL_FORMATIONS or key in _FORMATIONS:
            formations.append(LABEL_FORMATIONS.get(label) or _FORMATIONS[key])
        else:
            others.append(label)
    return dispositifs, formations, others


def _pivot(actor: Actor) -> str:
    for value in (actor.siret, getattr(actor, "parent_siret", "")):
        if value and SIRET_RE.fullmatch(value):
            return value
    return actor.rna if actor.rna and RNA_RE.fullmatch(actor.rna) else PIVOT_UNKNOWN


def _commune(actor: Actor) -> str | None:
    for name in (actor.city, getattr(actor, "commune_name", None) or ""):
        name = " ".join(name.split())
        if name and COMMUNE_RE.fullmatch(name):
            return name
    return None


def _voie(address: str) -> str | None:
    """The street address in the standard's characters (others become spaces)."""
    return " ".join(VOIE_FORBIDDEN_RE.sub(" ", address).split()) or None


def _telephone(actor: Actor) -> str | None:
    number = e164(actor.phone, actor.commune_code) if actor.phone else ""
    return number if PHONE_RE.fullmatch(number) else None


def _presentation(description: str) -> tuple[str | None, str | None]:
    text = description.strip()
    if len(text) <= RESUME_MAX:
        return text or None, None
    return text[: RESUME_MAX - 1].rstrip() + "…", text


def place_data(actor: Actor) -> dict[str, Any]:
    """The standard's fields of an actor (None where it has no value)."""
    if hasattr(actor, "lon"):  # annotated by export_queryset
        lon, lat = actor.lon, actor.lat
    else:
        lon, lat = (actor.location.x, actor.location.y) if actor.location else (None, None)
    email = first_email(actor.email) or ""
    website = actor.website.strip()
    dispositifs, formations, others = labels_out(actor.labels)
    resume, detail = _presentation(actor.description)
    publics = [] if "tous-publics" in actor.publics else actor.publics
    return {
        "id": f"{PRODUCER}--{actor.pk}",
        "pivot": _pivot(actor),
        "nom": " ".join(actor.name.split()) or None,
        "commune": _commune(actor),
        "code_postal": actor.postcode if POSTCODE_RE.fullmatch(actor.postcode) else None,
        "code_insee": actor.commune_code if INSEE_RE.fullmatch(actor.commune_code) else None,
        "adresse": _voie(actor.address),
        "complement_adresse": actor.address_extra.strip() or None,
        "latitude": lat,
        "longitude": lon,
        "typologie": _TYPOLOGIES.get(actor.kind_id),
        "telephone": _telephone(actor),
        "courriels": email if EMAIL_RE.fullmatch(email) else None,
        "site_web": website if URL_RE.fullmatch(website) else None,
        "horaires": actor.opening_hours or None,
        "presentation_resume": resume,
        "presentation_detail": detail,
        "source": PRODUCER,
        "itinerance": ITINERANT if actor.itinerant else FIXED,
        "structure_parente": actor.network.strip() or None,
        "date_maj": date_maj(actor).isoformat(),
        "services": _joined(s for s in actor.services if s in SERVICES),
        "publics_specifiquement_adresses": _joined(PUBLICS_OUT[p] for p in publics if p in PUBLICS_OUT),
        "prise_en_charge_specifique": None,
        "frais_a_charge": _joined(value for value in actor.access_conditions if value in FRAIS),
        "dispositif_programmes_nationaux": _joined(dispositifs),
        "formations_labels": _joined(formations),
        "autres_formations_labels": _joined(others),
        "modalites_acces": None,
        "modalites_accompagnement": None,
        "fiche_acces_libre": None,
        "prise_rdv": None,
    }  # fmt: skip


def to_place(actor: Actor) -> dict[str, Any] | None:
    """An actor as a place of the standard (fields in the schema's order, empty ones left
    out); None, logged, when a required field cannot be written in its format."""
    data = place_data(actor)
    missing = [name for name in REQUIRED if data[name] is None] + (
        [] if data["services"] else ["services"]
    )
    if missing:
        logger.warning("Acteur %s non exporté au format LMN : %s", actor.pk, ", ".join(missing))
        return None
    return {name: data[name] for name in FIELDS if data[name] is not None}


def iter_places(queryset) -> Iterator[dict[str, Any]]:
    """The places of a queryset of actors (see `export_queryset`), read in chunks."""
    for actor in queryset.iterator(chunk_size=2000):
        place = to_place(actor)
        if place is not None:
            yield place


def csv_rows(places) -> Iterator[list]:
    """The places as CSV rows (FIELDS order). A number goes out in national notation: a
    cell beginning with « + » would be written as text, protected from spreadsheets."""
    for place in places:
        phone = place.get("telephone", "")
        if phone.startswith("+33"):
            place = {**place, "telephone": "0" + phone[3:]}
        yield [place.get(name) for name in FIELDS]


# -- import ------------------------------------------------------------------------------


@dataclass
class PlaceRecord(ActorRecord):
    """A place of the standard, with the date its source vouches for (`date_maj`)."""

    last_verified: date | None = None


# ActorRecord field -> (the standard's field named in messages).
_LIMITED = {
    "source_id": "id", "name": "nom", "address": "adresse", "address_extra": "complement_adresse",
    "city": "commune", "phone": "telephone", "email": "courriels", "website": "site_web",
    "opening_hours": "horaires", "network": "structure_parente",
}  # fmt: skip
_EMAIL = EmailValidator()
_URL = URLValidator(schemes=["http", "https"])
_FORMULA_GUARD = re.compile(r"^'(?=[=+\-@\t\r])")  # a cell our CSV export protected


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _text(raw: dict, name: str) -> str:
    value = raw.get(name)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise RowError(f"champ « {name} » : texte attendu (reçu « {_shown(value)} »)")
    return _FORMULA_GUARD.sub("", str(value).strip())


def _items(text: str) -> list[str]:
    """A multi-valued field: « | » (v1), else « ; » (the CSV form), else « , » (2022 files)."""
    separator = next((sep for sep in ("|", ";", ",") if sep in text), None)
    parts = text.split(separator) if separator else [text]
    return [part.strip() for part in parts if part.strip()]


def _closed(raw: dict, name: str, index: dict[str, str]) -> list[str]:
    """The values of a closed-vocabulary field, in the v1 spelling; an unknown one rejects."""
    values = []
    for item in _items(_text(raw, name)):
        word = item.split(" : ")[0]  # the 0.2 schema's « Gratuit : Je peux accéder … »
        value = index.get(search_key(word))
        if value is None:
            raise RowError(f"champ « {name} » : valeur inconnue du standard « {_shown(item)} »")
        if value not in values:
            values.append(value)
    return values


def _required(raw: dict, name: str) -> str:
    value = _text(raw, name)
    if not value:
        raise RowError(f"champ « {name} » : obligatoire, absent")
    return value


def _coordinate(raw: dict, name: str) -> float | None:
    value = raw.get(name)
    if value in (None, ""):
        return None
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        raise RowError(f"champ « {name} » : nombre attendu (reçu « {_shown(value)} »)") from None
    limit = 90 if name == "latitude" else 180
    if not -limit <= number <= limit:
        raise RowError(f"champ « {name} » : hors des bornes ±{limit} (reçu « {number} »)")
    return number


def _day(raw: dict) -> date:
    text = _required(raw, "date_maj")
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        raise RowError(
            f"champ « date_maj » : date invalide, AAAA-MM-JJ attendu (reçu « {_shown(text)} »)"
        ) from None
    return min(day, date.today())


def _identifiers(raw: dict, notes: list[str]) -> tuple[str, str]:
    """(SIRET, RNA) from `pivot`: 14 digits (not the standard's zeros), or W and 9 characters;
    a SIREN (9 digits: the legal unit, not the place) is noted and left out."""
    pivot = re.sub(r"\s", "", _text(raw, "pivot"))
    if not pivot or pivot == PIVOT_UNKNOWN:
        return "", ""
    if re.fullmatch(r"\d{9}", pivot):
        notes.append(f"pivot « {pivot} » : un SIREN, pas un SIRET ; non repris")
        return "", ""
    if SIRET_RE.fullmatch(pivot):
        return pivot, ""
    if RNA_RE.fullmatch(pivot):
        return "", pivot.upper() if re.fullmatch(r"W\d{9}", pivot.upper()) else ""
    raise RowError(
        f"champ « pivot » : SIRET (14 chiffres) ou RNA (W et 9 caractères) attendu (reçu « {_shown(pivot)} »)"
    )


def _first_valid(raw: dict, names: tuple[str, ...], check, notes: list[str]) -> str:
    """The first value of these fields (« | » or « ; » between values) that `check`
    accepts; the others are noted."""
    for name in names:
        for item in re.split(r"[|;]", _text(raw, name)):
            item = item.strip()
            if not item:
                continue
            try:
                check(item)
            except ValidationError:
                notes.append(f"{name} « {_shown(item)} » non repris (format invalide)")
                continue
            return item
    return ""


def _phone(raw: dict, notes: list[str]) -> str:
    phone = _text(raw, "telephone")
    if phone and len(re.sub(r"\D", "", phone)) < 6:
        notes.append(f"telephone « {_shown(phone)} » non repris (numéro incomplet)")
        return ""
    return phone


def _hours(raw: dict, notes: list[str]) -> str:
    hours = _text(raw, "horaires")
    if not hours:
        return ""
    try:
        value = parse(hours).value
    except OpeningHoursError as exc:
        notes.append(f"horaires « {_shown(hours)} » non reprises : {exc}")
        return ""
    empty = EMPTY_RANGE_RE.search(value)
    if empty:  # valid OSM, but read as 24 hours (« Th 00:00-00:00 »): the source meant none
        notes.append(
            f"horaires « {_shown(hours)} » non reprises : plage vide « {empty.group()} » (début = fin)"
        )
        return ""
    return value


def labels_in(raw: dict) -> list[str]:
    """The directory's labels of a place: its dispositifs, formations and other labels."""
    labels = []
    for name in ("dispositif_programmes_nationaux", "formations_labels"):
        for value in _closed(
            raw, name, _DISPOSITIFS if name.startswith("dispositif") else _FORMATIONS
        ):
            labels.append(_LABELS.get(search_key(value), value))
    for name in ("labels_nationaux", "labels_autres", "autres_formations_labels"):
        labels.extend(_LABELS.get(search_key(item), item) for item in _items(_text(raw, name)))
    return list(dict.fromkeys(label[:120] for label in labels))


def _kind(raw: dict) -> str:
    for value in _items(_text(raw, "typologie")):
        if value in KIND_BY_TYPOLOGY:
            return KIND_BY_TYPOLOGY[value]
    return "mediation-numerique"


def _publics(raw: dict) -> list[str]:
    publics = []
    for value in _closed(raw, "publics_specifiquement_adresses", _PUBLICS):
        if PUBLICS[value] not in publics:
            publics.append(PUBLICS[value])
    return publics or ["tous-publics"]


def _description(resume: str, detail: str) -> str:
    """The detail when it begins with the summary (as the export writes them), else both."""
    if resume and detail.startswith(resume.rstrip("…")):
        return detail
    return "\n\n".join(part for part in (resume, detail) if part)


def to_record(raw: dict) -> PlaceRecord:
    """A place of the standard (any of its forms) as a record, or a RowError naming the field."""
    notes: list[str] = []
    source_id = _required(raw, "id")
    siret, rna = _identifiers(raw, notes)
    postcode = _required(raw, "code_postal")
    if not POSTCODE_RE.fullmatch(postcode):
        raise RowError(f"champ « code_postal » : 5 chiffres attendus (reçu « {_shown(postcode)} »)")
    commune_code = _text(raw, "code_insee").upper()
    if commune_code and not INSEE_RE.fullmatch(commune_code):
        raise RowError(
            f"champ « code_insee » : code INSEE à 5 caractères attendu (reçu « {_shown(commune_code)} »)"
        )
    lat, lon = _coordinate(raw, "latitude"), _coordinate(raw, "longitude")
    if (lat is None) != (lon is None):
        raise RowError("champs « latitude » et « longitude » : l'un sans l'autre")
    services = _closed(raw, "services", _SERVICES)
    frais = _closed(raw, "frais_a_charge", _FRAIS) or _closed(raw, "conditions_access", _FRAIS)
    itinerance = _closed(raw, "itinerance", _index((ITINERANT, FIXED)))
    resume = _text(raw, "presentation_resume") or _text(raw, "presentation_resumee")
    detail = _text(raw, "presentation_detail")
    record = PlaceRecord(
        source_id=source_id,
        name=" ".join(_required(raw, "nom").split()),
        kind=_kind(raw),
        lon=lon,
        lat=lat,
        precision=Precision.ADDRESS,
        themes=["numerique"],
        publics=_publics(raw),
        labels=labels_in(raw),
        description=_description(resume, detail),
        siret=siret,
        rna=rna,
        network=_text(raw, "structure_parente"),
        address=" ".join(_required(raw, "adresse").split()),
        address_extra=_text(raw, "complement_adresse"),
        postcode=postcode,
        city=" ".join(_required(raw, "commune").split()),
        commune_code=commune_code,
        opening_hours=_hours(raw, notes),
        services=services,
        access_conditions=frais,
        itinerant=itinerance == [ITINERANT],
        email=_first_valid(raw, ("courriels", "courriel"), _EMAIL, notes),
        phone=_phone(raw, notes),
        website=_first_valid(raw, ("site_web",), _URL, notes),
        last_verified=_day(raw),
        notes=notes,
    )
    check_lengths(record, _LIMITED)
    return record


def departement_of_postcode(postcode: str) -> str:
    """The département a postcode belongs to (Corsica's 200–201 2A, 202–206 2B; 97x overseas)."""
    if postcode.startswith("20"):
        return "2A" if postcode[:3] in ("200", "201") else "2B"
    return postcode[:3] if postcode.startswith("97") else postcode[:2]
