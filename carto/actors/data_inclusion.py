"""Our directory in the data·inclusion « structures » schema (v1), both ways.

Design choices:
- the schema is never copied here: every structure we publish is built and checked
  by the official package's model (`data_inclusion.schema.v1.Structure`), every
  structure we read is validated by it first, and the tables below are keyed by the
  package's enums, so a value the package drops fails loudly at start-up;
- v1 describes where a structure is and who carries it, not what it offers: it has
  no typology (superseded by `reseaux_porteurs`), no thematiques or publics (they
  belong to v1 *services*), no national labels, no RNA. So our kind and labels go out
  as réseaux porteurs when one names them (KIND_NETWORKS, LABEL_NETWORKS, and any
  label spelled like a réseau of the package); themes, publics and the RNA number
  do not go out at all;
- identifiers follow the schema's « producer--id » convention: `source` is
  PRODUCER ("carto") and `id` is "carto--<actor id>", stable for as long as the
  actor lives (imports upsert in place and keep the row id);
- reading is lenient with the fields of the pre-v1 schema that many published
  files still carry (`typologie`, `thematiques`, `presentation_*`,
  `horaires_ouverture`, `rna`): the package ignores them, so they are read from
  the raw item and only through our tables and the package's enums and types;
- an actor whose optional value the package refuses (a malformed website …) is
  still published without that value (logged); one whose name the package refuses
  is left out (logged): one bad row never breaks the whole export.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from typing import Any

import pydantic
from data_inclusion.schema.common import CodeRna
from data_inclusion.schema.v1 import Categorie, ReseauPorteur, Structure, Thematique
from django.db.models import FloatField, Func
from django.utils import timezone

from carto.territories.codes import search_key

from .models import Actor
from .opening_hours import OpeningHoursError, parse
from .records import ActorRecord, RowError
from .taxonomy import KIND_BY_TYPOLOGY

logger = logging.getLogger(__name__)

PRODUCER = "carto"
REQUIRED = {name for name, info in Structure.model_fields.items() if info.is_required()}


def _max_length(field: str) -> int | None:
    """A length limit the package puts on a Structure field."""
    for constraint in Structure.model_fields[field].metadata:
        if getattr(constraint, "max_length", None) is not None:
            return constraint.max_length
    return None


def _min_length(field: str) -> int:
    for constraint in Structure.model_fields[field].metadata:
        if getattr(constraint, "min_length", None) is not None:
            return constraint.min_length
    return 0


# -- tables -------------------------------------------------------------------------

# Our kind -> the réseau porteur every actor of that kind belongs to (export).
# Not mapped: a centre social is not necessarily a member of the FCSF, a « lieu de
# médiation numérique » not necessarily an EPN (its label says more, see below).
KIND_NETWORKS: dict[str, ReseauPorteur] = {
    "france-services": ReseauPorteur.FRANCE_SERVICE,
    "pimms": ReseauPorteur.PIMMS_MEDIATION,
    "mjc": ReseauPorteur.MJC,
    "collectivite": ReseauPorteur.COMMUNES,
}

# Labels our importers write -> réseau porteur (both ways). Any other label spelled
# like a réseau's label or value in the package maps too (« Mission Locale »).
# The places' labels (tiers-lieux, médiathèques, lieux de médiation numérique) go out the
# same way: v1 has no typology, so a kind's typology (taxonomy.KINDS) travels in the LMN
# export's `typologie`, and here only the réseau a label names (a médiathèque has none).
LABEL_NETWORKS: dict[str, ReseauPorteur] = {
    "France services": ReseauPorteur.FRANCE_SERVICE,
    "Conseiller numérique France services": ReseauPorteur.CONSEILLERS_NUMERIQUES,
    "Fabrique de territoire": ReseauPorteur.FABRIQUE_DE_TERRITOIRE,
    "Aidants Connect": ReseauPorteur.AIDANTS_CONNECT,
}

# Réseau porteur -> our kind (import), by priority when a structure has several.
NETWORK_KINDS: dict[ReseauPorteur, str] = {
    ReseauPorteur.FRANCE_SERVICE: "france-services",
    ReseauPorteur.MSAP: "france-services",
    ReseauPorteur.PIMMS_MEDIATION: "pimms",
    ReseauPorteur.MJC: "mjc",
    ReseauPorteur.FCSF: "centre-social",
    ReseauPorteur.FABRIQUE_DE_TERRITOIRE: "tiers-lieu",
    ReseauPorteur.CONSEILLERS_NUMERIQUES: "mediation-numerique",
    ReseauPorteur.ESPACES_PUBLICS_NUMERIQUES: "mediation-numerique",
    ReseauPorteur.COMMUNES: "collectivite",
    ReseauPorteur.CCAS_CIAS: "collectivite",
    ReseauPorteur.DEPARTEMENTS: "collectivite",
    ReseauPorteur.REGIONS: "collectivite",
}
DEFAULT_KIND = "autre"

# Thematique category -> our theme (import of a `thematiques` list; v1 structures
# carry none, v1 services and pre-v1 structures do). Categories without a clear
# equivalent (lecture-ecriture-calcul, remobilisation, souvrir-a-linternational) map
# to nothing unless one of their thematiques does (THEMATIQUE_THEMES).
CATEGORY_THEMES: dict[Categorie, str] = {
    Categorie.NUMERIQUE: "numerique",
    Categorie.FAMILLE: "parentalite",
    Categorie.SANTE: "sante",
    Categorie.LOGEMENT_HEBERGEMENT: "logement",
    Categorie.MOBILITE: "mobilite",
    Categorie.CHOISIR_UN_METIER: "insertion-emploi",
    Categorie.CREER_UNE_ENTREPRISE: "insertion-emploi",
    Categorie.PREPARER_SA_CANDIDATURE: "insertion-emploi",
    Categorie.SE_FORMER: "insertion-emploi",
    Categorie.TROUVER_UN_EMPLOI: "insertion-emploi",
    Categorie.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES: "acces-aux-droits",
    Categorie.DIFFICULTES_FINANCIERES: "solidarite-precarite",
    Categorie.EQUIPEMENT_ET_ALIMENTATION: "solidarite-precarite",
}
# Thematiques whose theme is not their category's.
THEMATIQUE_THEMES: dict[Thematique, str] = {
    Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__ACCOMPAGNEMENT_POUR_LACCES_A_LA_CITOYENNETE: "citoyennete",
    Thematique.DIFFICULTES_ADMINISTRATIVES_OU_JURIDIQUES__CONNAITRE_SES_DROITS_FACE_A_UNE_DISCRIMINATION: "discriminations",
    Thematique.REMOBILISATION__BENEVOLAT_ACTION_CITOYENNE: "citoyennete",
    Thematique.REMOBILISATION__ACTIVITES_SPORTIVES_ET_CULTURELLES: "culture",
    Thematique.REMOBILISATION__BIEN_ETRE_CONFIANCE_EN_SOI: "sante",
}

_NETWORK_BY_WORDS: dict[str, ReseauPorteur] = {}
for _network in ReseauPorteur:
    _NETWORK_BY_WORDS.setdefault(search_key(_network.label), _network)
    _NETWORK_BY_WORDS.setdefault(search_key(_network.value), _network)
for _label, _network in LABEL_NETWORKS.items():
    _NETWORK_BY_WORDS[search_key(_label)] = _network
_LABEL_BY_NETWORK = {network: label for label, network in LABEL_NETWORKS.items()}


# -- export -------------------------------------------------------------------------

# What the export reads of an actor (never the private contact fields).
EXPORT_FIELDS = [
    "id", "name", "kind_id", "labels", "network", "description", "siret", "address",
    "address_extra", "postcode", "city", "commune_code", "opening_hours", "email", "phone",
    "website", "source_url", "last_verified", "updated_at",
]  # fmt: skip


def export_queryset(departement: str | None = None):
    """The listed actors, by id, optionally in one département."""
    queryset = Actor.objects.listed().in_directory()
    if departement:
        queryset = queryset.in_territory("departement", departement)
    # Coordinates read by PostgreSQL: no GEOS geometry built per actor.
    return (
        queryset.only(*EXPORT_FIELDS)
        .annotate(
            lon=Func("location", function="ST_X", output_field=FloatField()),
            lat=Func("location", function="ST_Y", output_field=FloatField()),
        )
        .order_by("id")
    )


@lru_cache(maxsize=4096)
def _network_named(text: str) -> ReseauPorteur | None:
    """The réseau porteur a label or network name spells (labels repeat: cached)."""
    return _NETWORK_BY_WORDS.get(search_key(text))


def networks_of(actor: Actor) -> list[ReseauPorteur]:
    """The réseaux porteurs named by an actor’s kind, labels and network name."""
    found = []
    if actor.kind_id in KIND_NETWORKS:
        found.append(KIND_NETWORKS[actor.kind_id])
    for text in [*actor.labels, actor.network]:
        network = _network_named(text) if text else None
        if network and network not in found:
            found.append(network)
    return found


def e164(phone: str, commune_code: str) -> str:
    """A metropolitan French number in E.164 (the schema's preference), others unchanged."""
    digits = re.sub(r"\D", "", phone)
    if re.fullmatch(r"0[1-9]\d{8}", digits) and not commune_code.startswith(("97", "98")):
        return "+33" + digits[1:]
    return phone.strip()


def first_email(text: str) -> str | None:
    """The first address of a field that sometimes holds several (« a@x.fr / b@x.fr »)."""
    return next((part for part in re.split(r"[\s,;/]+", text) if "@" in part), None)


def _fit(text: str, field: str) -> str | None:
    """Text within the schema's length limits for `field`: None below, cut with « … » above."""
    text = text.strip()
    if len(text) < _min_length(field):
        return None
    limit = _max_length(field)
    if limit and len(text) > limit:
        return text[: limit - 1].rstrip() + "…"
    return text


def date_maj(actor: Actor) -> date:
    """The date we vouch for: the last verification, else the last change (never in the future)."""
    day = actor.last_verified or timezone.localdate(actor.updated_at)
    return min(day, date.today())


def structure_data(actor: Actor) -> dict[str, Any]:
    """The raw Structure fields of an actor, before the package checks them."""
    if hasattr(actor, "lon"):  # annotated by export_queryset
        lon, lat = actor.lon, actor.lat
    else:
        lon, lat = (actor.location.x, actor.location.y) if actor.location else (None, None)
    return {
        "source": PRODUCER,
        "id": f"{PRODUCER}--{actor.pk}",
        "nom": _fit(actor.name, "nom"),
        "date_maj": date_maj(actor),
        "description": _fit(actor.description, "description"),
        "lien_source": actor.source_url or None,
        "siret": actor.siret or None,
        "commune": actor.city or None,
        "code_postal": actor.postcode or None,
        "code_insee": actor.commune_code or None,
        "adresse": actor.address or None,
        "complement_adresse": actor.address_extra or None,
        "longitude": lon,
        "latitude": lat,
        "telephone": e164(actor.phone, actor.commune_code) if actor.phone else None,
        "courriel": first_email(actor.email),
        "site_web": actor.website or None,
        "horaires_accueil": actor.opening_hours or None,
        "accessibilite_lieu": None,  # an Acceslibre page: we do not hold one
        "reseaux_porteurs": networks_of(actor) or None,
    }


def _dump(structure: Structure) -> dict[str, Any]:
    item = structure.model_dump(mode="json")
    if item["reseaux_porteurs"] is not None:  # a set in the model: a stable order on the wire
        item["reseaux_porteurs"] = sorted(item["reseaux_porteurs"])
    return item


def to_structure(actor: Actor) -> dict[str, Any] | None:
    """An actor as a JSON-ready v1 structure, validated by the package; None if it cannot be one.

    An optional value the package refuses is dropped (and logged); a refused
    required value (a name under three characters) leaves the actor out."""
    data = structure_data(actor)
    for _attempt in range(2):
        try:
            return _dump(Structure.model_validate(data))
        except pydantic.ValidationError as exc:
            refused = {str(error["loc"][0]) for error in exc.errors()}
            if refused & REQUIRED or data["nom"] is None:
                logger.warning("Acteur %s non exporté vers data·inclusion : %s", actor.pk, exc)
                return None
            logger.warning(
                "Acteur %s exporté sans %s : %s", actor.pk, ", ".join(sorted(refused)), exc
            )
            data.update(dict.fromkeys(refused))
    return None


def iter_structures(queryset) -> Iterator[dict[str, Any]]:
    """The structures of a queryset of actors, read from the database in chunks."""
    for actor in queryset.iterator(chunk_size=2000):
        item = to_structure(actor)
        if item is not None:
            yield item


def structures(queryset) -> list[dict[str, Any]]:
    """The structures of a queryset of actors (see `export_queryset`), as a list."""
    return list(iter_structures(queryset))


# -- import -------------------------------------------------------------------------

_FORMATS = {
    "siret": "14 chiffres",
    "code_postal": "5 chiffres",
    "code_insee": "code INSEE à 5 caractères",
}


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _reason(error: dict) -> str:
    """One pydantic error in French, naming the field."""
    loc = error["loc"]
    field = str(loc[0]) if loc else "structure"
    where = f"champ « {field} »"
    if len(loc) > 1 and isinstance(loc[1], int):
        where += f" (élément n° {loc[1] + 1})"
    kind, ctx, received = error["type"], error.get("ctx", {}), error.get("input")
    if kind == "missing":
        return f"{where} : obligatoire, absent"
    if field in _FORMATS and kind.startswith("string_"):
        what = f"format invalide, {_FORMATS[field]} attendus"
    elif kind == "string_too_short":
        what = f"trop court (au moins {ctx.get('min_length')} caractères)"
    elif kind == "string_too_long":
        what = f"trop long (au plus {ctx.get('max_length')} caractères)"
    elif kind == "string_pattern_mismatch":
        what = f"format invalide (motif {ctx.get('pattern')})"
    elif kind == "string_type":
        what = "texte attendu"
    elif kind.startswith(("float_", "int_")):
        what = "nombre attendu"
    elif kind.startswith("date"):
        what = "date invalide (AAAA-MM-JJ attendu)"
    elif kind.startswith("url"):
        what = "URL invalide (http:// ou https:// attendu)"
    elif kind == "enum":
        what = "valeur inconnue du référentiel data·inclusion"
    elif kind in ("set_type", "list_type"):
        what = "liste attendue"
    elif kind == "value_error" and field == "courriel":
        what = "adresse électronique invalide"
    elif kind == "value_error":
        what = error["msg"].removeprefix("Value error, ").rstrip(".")
    else:
        what = f"invalide ({error['msg']})"
    return f"{where} : {what} (reçu « {_shown(received)} »)"


def validate_structure(raw: dict) -> Structure:
    """The item validated by the package's model, or a RowError naming each refused field."""
    try:
        return Structure.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise RowError(" ; ".join(_reason(error) for error in exc.errors())) from None


_RNA = pydantic.TypeAdapter(CodeRna)


def kind_of(structure: Structure, raw: dict) -> str:
    """Our kind: from a pre-v1 `typologie` we know, else the first réseau porteur that names one."""
    typology = raw.get("typologie")
    if isinstance(typology, str) and typology in KIND_BY_TYPOLOGY:
        return KIND_BY_TYPOLOGY[typology]
    networks = structure.reseaux_porteurs or set()
    for network, kind in NETWORK_KINDS.items():
        if network in networks:
            return kind
    return DEFAULT_KIND


def themes_of(values: Iterable) -> tuple[list[str], list[str]]:
    """Our themes for thematique values (v1 enum), and the values left without one."""
    themes, unmapped = [], []
    for value in values:
        value = str(value)
        try:
            theme = THEMATIQUE_THEMES.get(Thematique(value))
        except ValueError:
            theme = None
        if theme is None:
            try:
                theme = CATEGORY_THEMES.get(Categorie(value.split("--")[0]))
            except ValueError:
                theme = None
        if theme is None:
            unmapped.append(value)
        elif theme not in themes:
            themes.append(theme)
    return themes, unmapped


def _labels(structure: Structure) -> list[str]:
    networks = sorted(structure.reseaux_porteurs or (), key=lambda n: n.value)
    return [_LABEL_BY_NETWORK.get(network, network.label) for network in networks]


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def to_record(structure: Structure, raw: dict) -> ActorRecord:
    """A validated structure as an actor record (the raw item for the pre-v1 fields)."""
    notes = []
    legacy_themes = raw.get("thematiques")
    themes, unmapped = themes_of(legacy_themes if isinstance(legacy_themes, list) else [])
    if unmapped:
        notes.append(f"thématique(s) sans équivalent : {', '.join(unmapped)}")
    hours = structure.horaires_accueil or _text(raw.get("horaires_ouverture"))
    if hours:
        try:
            parse(hours)
        except OpeningHoursError as exc:
            notes.append(f"horaires « {_shown(hours)} » non reprises : {exc}")
            hours = ""
    rna = _text(raw.get("rna"))
    try:
        rna = _RNA.validate_python(rna) if rna else ""
    except pydantic.ValidationError:
        notes.append(f"numéro RNA « {_shown(rna)} » ignoré (W et 9 chiffres attendus)")
        rna = ""
    has_point = structure.longitude is not None and structure.latitude is not None
    record = ActorRecord(
        source_id=structure.id,
        name=structure.nom.strip(),
        kind=kind_of(structure, raw),
        lon=structure.longitude if has_point else None,
        lat=structure.latitude if has_point else None,
        themes=themes,
        labels=_labels(structure),
        description=(
            structure.description
            or _text(raw.get("presentation_detail"))
            or _text(raw.get("presentation_resume"))
        ).strip(),
        siret=structure.siret or "",
        rna=rna,
        address=(structure.adresse or "").strip(),
        address_extra=(structure.complement_adresse or "").strip(),
        postcode=structure.code_postal or "",
        city=(structure.commune or "").strip(),
        commune_code=structure.code_insee or "",
        opening_hours=hours,
        email=structure.courriel or "",
        phone=(structure.telephone or "").strip(),
        website=str(structure.site_web) if structure.site_web else "",
        source_url=str(structure.lien_source) if structure.lien_source else "",
        notes=notes,
    )
    check_lengths(record, _LIMITED)
    return record


# ActorRecord field -> (schema field named in messages, Actor column whose limit applies).
_LIMITED = {
    "source_id": "id", "name": "nom", "address": "adresse", "address_extra": "complement_adresse",
    "city": "commune", "phone": "telephone", "email": "courriel", "website": "site_web",
    "source_url": "lien_source", "opening_hours": "horaires_accueil",
}  # fmt: skip


def check_lengths(record: ActorRecord, limited: dict[str, str]) -> None:
    """Refuse values longer than our columns hold (the schemas have no limit on most);
    `limited` maps each record field to the schema field its message names."""
    for name, schema_field in limited.items():
        limit = Actor._meta.get_field(name).max_length
        value = getattr(record, name)
        if limit and len(value) > limit:
            raise RowError(
                f"champ « {schema_field} » : trop long pour l'annuaire ({len(value)} caractères, {limit} au plus)"
            )
