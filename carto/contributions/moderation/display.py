"""How moderation pages name things: territories by their names, fields by their labels,
values as plain text (the templates escape them)."""

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Q

from carto.actors.models import Actor, Public, Theme
from carto.territories.codes import Kind, is_valid_code
from carto.territories.models import Territory


def parse_code(value: str) -> tuple[str, str] | None:
    """("departement", "62") from "departement:62", None when it is not a territory code."""
    kind, _, code = value.strip().partition(":")
    code = code.strip().upper()
    if kind in Kind.values and code and is_valid_code(kind, code):
        return kind, code
    return None


def territory_names(codes) -> dict[str, str]:
    """{"departement:62": "Pas-de-Calais", …} for those of `codes` that exist."""
    wanted = [parsed for parsed in map(parse_code, set(codes)) if parsed]
    if not wanted:
        return {}
    condition = Q()
    for kind, code in wanted:
        condition |= Q(kind=kind, code=code)
    rows = Territory.objects.filter(condition).values_list("kind", "code", "name")
    return {f"{kind}:{code}": name for kind, code, name in rows}


def territory_label(code: str, names: dict[str, str]) -> str:
    """« Pas-de-Calais (département 62) », or the code itself when unknown."""
    parsed = parse_code(code)
    if not parsed or code not in names:
        return code
    return f"{names[code]} ({Kind(parsed[0]).label.lower()} {parsed[1]})"


def _codes_of(entry, kind: str) -> list[str]:
    return [code for code in entry.territory_codes if code.startswith(f"{kind}:")]


def where(entry, names: dict[str, str]) -> str:
    """« Lens, Pas-de-Calais » (or « 3 communes, Nord ») from the entry's territory codes."""
    communes, departements = _codes_of(entry, "commune"), _codes_of(entry, "departement")
    if len(communes) == 1:
        first = names.get(communes[0], "")
    else:
        first = f"{len(communes)} communes" if communes else ""
    if not first and isinstance(entry, Actor):
        first = entry.city
    parts = [first, *(names.get(code, "") for code in departements)]
    return ", ".join(part for part in parts if part) or "—"


def where_codes(entries) -> list[str]:
    """The commune and département codes `where` names for these entries."""
    codes = []
    for entry in entries:
        communes = _codes_of(entry, "commune")
        codes += [*(communes if len(communes) == 1 else []), *_codes_of(entry, "departement")]
    return codes


def shown(value) -> str:
    """A field's value as text: lists joined, empty as a dash, booleans in French."""
    if value in (None, "", [], {}):
        return "—"
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value)
    if hasattr(value, "coords") and hasattr(value, "x"):
        return f"{value.y:.5f}, {value.x:.5f} (lat, lon)"
    return str(value)


# Labels of the fields whose verbose name is left to Django's default (English-like).
LABELS = {
    "location": "Position", "precision": "Précision", "themes": "Thèmes", "publics": "Publics",
    "labels": "Labels et réseaux", "description": "Description", "siret": "SIRET",
    "source_url": "Page d’origine", "kind": "Type", "footprint_codes": "Territoires couverts",
    "dimension": "Dimension", "keywords": "Mots clés", "partners": "Partenaires",
    "url": "Site web", "perspectives": "Perspectives", "status": "Statut",
    "links": "Liens proposés",
}  # fmt: skip


def label_of(model, name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name
    return label[:1].upper() + label[1:]


# The fields a moderator reads on a new entry, in this order (those that hold a value).
ACTOR_FIELDS = [
    "name", "kind", "description", "address", "address_extra", "postcode", "city",
    "location", "precision", "to_locate", "themes", "publics", "labels", "siret", "rna",
    "network", "phone", "email", "website", "opening_hours", "appointment", "itinerant",
    "contact_name", "contact_email", "contact_phone", "contact_consent", "source_url",
]  # fmt: skip
INITIATIVE_FIELDS = [
    "title", "organizer", "summary", "description", "context", "territory_scope",
    "footprint_codes", "period", "action_status", "dimension", "keywords", "themes",
    "publics", "partners", "resources", "people", "url",
]  # fmt: skip


def entry_rows(entry) -> list[tuple[str, str]]:
    """(label, value) of the entry's main fields that hold a value (a « no » is none)."""
    from ..entries import kind_of

    names = kind_of(entry).fields
    taxonomy = taxonomy_labels()
    rows = []
    for name in names:
        value = getattr(entry, name)
        if value in (None, "", [], {}) or value is False:
            continue
        if name in taxonomy:
            value = [taxonomy[name].get(slug, slug) for slug in value]
        display = getattr(entry, f"get_{name}_display", None)
        rows.append((label_of(type(entry), name), display() if display else shown(value)))
    return rows


def taxonomy_labels() -> dict[str, dict[str, str]]:
    """{"themes": {slug: label}, "publics": {slug: label}}."""
    return {
        "themes": dict(Theme.objects.values_list("slug", "label")),
        "publics": dict(Public.objects.values_list("slug", "label")),
    }


def change_rows(entry, changes: dict) -> list[tuple[str, str, str]]:
    """(label, current value, proposed value) of each field a correction names."""
    rows = []
    for name, proposed in changes.items():
        current = getattr(entry, name, None) if hasattr(entry, name) else None
        rows.append((label_of(type(entry), name), shown(current), shown(proposed)))
    return rows
