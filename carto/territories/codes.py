"""Official code formats of French territories, and the normalisation used for search.

One table, used by the importer (a code that is not a code aborts the import),
by the API (a malformed code in a URL is a 404, in a parameter a 400) and by the
database check constraint.
"""

import re
import unicodedata

from django.db import models


class Kind(models.TextChoices):
    REGION = "region", "Région"
    DEPARTEMENT = "departement", "Département"
    EPCI = "epci", "EPCI"
    COMMUNE = "commune", "Commune"
    BV = "bv", "Bassin de vie"
    QPV = "qpv", "Quartier prioritaire (QPV)"


# Plural labels for counts (« 169 bassins de vie », « 100 EPCI »).
KIND_PLURALS = {
    Kind.REGION: ("région", "régions"),
    Kind.DEPARTEMENT: ("département", "départements"),
    Kind.EPCI: ("EPCI", "EPCI"),
    Kind.COMMUNE: ("commune", "communes"),
    Kind.BV: ("bassin de vie", "bassins de vie"),
    Kind.QPV: ("quartier prioritaire (QPV)", "quartiers prioritaires (QPV)"),
}


def count_label(kind: str, count: int) -> str:
    singular, plural = KIND_PLURALS[kind]
    return singular if count == 1 else plural


# Coarse to fine: the order of `locate` answers and of summaries.
KIND_ORDER = [Kind.REGION, Kind.DEPARTEMENT, Kind.EPCI, Kind.BV, Kind.COMMUNE, Kind.QPV]
# Search ties (same name): what a person typing a name most often means first.
SEARCH_KIND_ORDER = [Kind.REGION, Kind.DEPARTEMENT, Kind.COMMUNE, Kind.EPCI, Kind.BV, Kind.QPV]

_DEPARTEMENT = r"(?:0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])"
_COMMUNE = r"(?:\d{5}|2[AB]\d{3})"
CODE_PATTERNS: dict[str, str] = {
    Kind.REGION: r"^\d{2}$",
    Kind.DEPARTEMENT: rf"^{_DEPARTEMENT}$",
    Kind.EPCI: r"^\d{9}$",  # SIREN
    Kind.COMMUNE: rf"^{_COMMUNE}$",  # INSEE COG
    Kind.BV: rf"^{_COMMUNE}$",  # a bassin de vie is coded by its central commune
    # QPV 2024 (QN + département on 3 + number on 2 + letter) and 2015 (QP + 3 + 3).
    Kind.QPV: r"^Q(?:N(?:0\d{2}|02[AB]|97\d)\d{2}[A-Z]|P(?:0\d{2}|02[AB]|97\d)\d{3})$",
}
_COMPILED = {kind: re.compile(pattern) for kind, pattern in CODE_PATTERNS.items()}

CODE_DESCRIPTIONS: dict[str, str] = {
    Kind.REGION: "deux chiffres (ex. 32)",
    Kind.DEPARTEMENT: "code INSEE du département (ex. 62, 2A, 974)",
    Kind.EPCI: "SIREN à neuf chiffres (ex. 200033579)",
    Kind.COMMUNE: "code INSEE à cinq caractères (ex. 62498, 2A004)",
    Kind.BV: "code INSEE de la commune-centre (ex. 62498)",
    Kind.QPV: "code QPV (ex. QN06224M, QP009002)",
}


def is_valid_code(kind: str, code: str) -> bool:
    return bool(_COMPILED[kind].match(code))


def normalize_code(kind: str, code: str) -> str:
    """Canonical form of a code typed by a person: trimmed, upper case (2a004 -> 2A004)."""
    return code.strip().upper()


def search_key(text: str) -> str:
    """Lower case, accents and punctuation removed: « Liévin » and « lievin » meet, so do
    « Saint-Étienne-au-Mont » and « saint etienne au mont »."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "OE"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", bare).split())
