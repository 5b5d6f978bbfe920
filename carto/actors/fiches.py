"""Parser for the action sheets of the national directory of centres sociaux.

The text export « Les actions des centres sociaux » holds one sheet per action: a heading line
`Actions "TITLE"`, section headings in capitals (DESCRIPTION DE L'ACTION, RAISON D'ETRE DE L'
ACTION, …) and fields written as a line `- Label` followed by value lines.

Design choice: the parser is driven by one table of known labels (`LABELS`), not by position.
Each line is classified (sheet heading, section heading, field label, label glued to the end of
a text line, or value) and value lines go to the field that the last label opened. Labels are
compared after folding case, accents, apostrophes, spacing and punctuation, so that fields in
another order, missing or empty fields and small spelling variants do not matter. A label seen
twice in a sheet (« Territoire concerné » is) keeps its first non-empty value. In free text, a
line holding a lone `-` (the export splits some bullets from their text) is joined to the line
after it as `- text`; other lines are kept as written.

A line `Actions "…"` is a sheet heading only if the whole line is the word, a quoted title and
nothing after it, and if the next non-blank line opens a sheet (« DESCRIPTION DE L'ACTION » or
« Statut de l'action »): free text such as `Actions menées : …`, `Actions "xyz" réalisées`, or
`Actions "xyz"` followed by more text stays text.

The module is pure Python (no Django), so that it can be tested and reused without a database.
"""

import json
import re
import unicodedata
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["FIELDS", "LABELS", "LIST_FIELDS", "ParseError", "fold_label", "parse_fiches", "to_json"]


class ParseError(Exception):
    """The input is not an export of action sheets at all."""


class Kind(Enum):
    TEXT = "text"  # free text: lines joined with "\n"
    LIST = "list"  # `- item` lines: a list of items
    VALUE = "value"  # a single `- value` line (several are joined with "\n")


# Keys of a record, in order.
FIELDS = (
    "title",
    "status",
    "end_reason",
    "dimension",
    "keywords",
    "summary",
    "organizer",
    "organizer_department",
    "initiators",
    "initiative_precision",
    "context",
    "territory_scope",
    "publics",
    "partners",
    "description",
    "resources",
    "people",
    "results_territory",
    "results_centre",
    "results_inhabitants",
    "limits",
    "perspectives",
)

# The label → key table. Labels as they appear in the export, then a few variants (plural,
# feminine agreement) accepted for sheets not yet seen. Key None: the field is read and dropped.
# « Structure organisatrice » fills organizer and organizer_department (split on the last " - ").
# « Partenaires d'action: » is the only label written without a leading dash.
LABELS: tuple[tuple[str, str | None, Kind], ...] = (
    ("Statut de l'action", "status", Kind.VALUE),
    ("Raisons pour lesquelles l'action est terminée", "end_reason", Kind.TEXT),
    ("Dimension", "dimension", Kind.VALUE),
    ("Mots clés associés à l'action", "keywords", Kind.LIST),
    ("Résumé", "summary", Kind.TEXT),
    ("Structure organisatrice", "organizer", Kind.VALUE),
    ("Qui est à l'initiative de l'action ?", "initiators", Kind.LIST),
    ("Précision ( si autre )", "initiative_precision", Kind.TEXT),
    (
        "Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.",
        "context",
        Kind.TEXT,
    ),
    ("Territoire concerné", "territory_scope", Kind.VALUE),
    ("Public", "publics", Kind.LIST),
    ("Avec qui cette action a-t-elle été menée ?", "partners", Kind.LIST),
    ("Partenaires d'action:", "partners", Kind.LIST),
    ("Description générale", "description", Kind.TEXT),
    ("Ressources financières mobilisées pour cette action", "resources", Kind.TEXT),
    ("Nombre de personnes mobilisés pour cette action", "people", Kind.TEXT),
    ("Résultat sur le territoire", "results_territory", Kind.TEXT),
    ("Résultat pour le centre social", "results_centre", Kind.TEXT),
    ("Résultat pour les habitants", "results_inhabitants", Kind.TEXT),
    ("Suite de l'action : Limites", "limits", Kind.TEXT),
    ("Suite de l'action : Perspectives", "perspectives", Kind.TEXT),
    ("Fichier(s) associé(s)", None, Kind.TEXT),
    # Variants.
    ("Raison pour laquelle l'action est terminée", "end_reason", Kind.TEXT),
    ("Mots clés", "keywords", Kind.LIST),
    ("Publics", "publics", Kind.LIST),
    ("Partenaires", "partners", Kind.LIST),
    ("Nombre de personnes mobilisées pour cette action", "people", Kind.TEXT),
    ("Résultats sur le territoire", "results_territory", Kind.TEXT),
    ("Résultats pour le centre social", "results_centre", Kind.TEXT),
    ("Résultats pour les habitants", "results_inhabitants", Kind.TEXT),
)

# Labels that may stand on their own line without the leading dash.
BARE_LABELS = ("Partenaires d'action:",)

# Section headings (and the document title): they close the current field.
SECTIONS = (
    "Les actions des centres sociaux",
    "DESCRIPTION DE L'ACTION",
    "RAISON D'ETRE DE L' ACTION",
    "METHODOLOGIE DE L' ACTION",
    "AUTO-EVALUATION DE L’ACTION",
    "FICHIERS ASSOCIES",
)

# The next non-blank line after a real sheet heading is one of these.
OPENERS = ("DESCRIPTION DE L'ACTION", "Statut de l'action")

# The title is stripped in Python: `\s*(.*?)\s*` around it backtracks in cubic time on a
# line of spaces that does not end with a quote (1 000 spaces took 20 s).
_HEADING = re.compile(r"^actions\s*[\"“”«](?P<title>.*)[\"“”»]$", re.IGNORECASE)
_DASH = re.compile(r"^[-–—]\s*")
# Tried at the start of a run of spaces only: from inside the run it cannot match, and trying
# every position made a long run quadratic.
_DEPARTMENT_SEPARATOR = re.compile(r"(?<!\s)\s+[-–]\s+")
_GLUED = re.compile(r"[-–—]\s+")  # `text- Label`: a dash then a space, unlike « tout-public »
_GLUE_WINDOW = 160  # a glued label is looked for in the last characters of a line only


def fold_label(text: str) -> str:
    """Comparison key of a label: lower case, no accents, letters and digits only."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum())


_LABEL_INDEX = {fold_label(label): (key, kind) for label, key, kind in LABELS}
_BARE_INDEX = {fold_label(label) for label in BARE_LABELS}
_SECTION_INDEX = {fold_label(section) for section in SECTIONS}
_OPENER_INDEX = {fold_label(opener) for opener in OPENERS}
_DOCUMENT_TITLE = fold_label(SECTIONS[0])
_KINDS = {key: kind for _, key, kind in LABELS if key}

# Keys whose value is a list.
LIST_FIELDS = tuple(key for key in FIELDS if _KINDS.get(key) is Kind.LIST)


@dataclass
class _Sheet:
    title: str
    # key → the value lines of each occurrence of its label, in order
    occurrences: dict[str, list[list[str]]] = field(default_factory=dict)

    def open(self, key: str | None) -> list[str] | None:
        """Start a new occurrence of a field; None for a field that is dropped."""
        if key is None:
            return None
        lines: list[str] = []
        self.occurrences.setdefault(key, []).append(lines)
        return lines


def parse_fiches(text: str) -> list[dict]:
    """Parse an export of action sheets.

    Args:
        text: the whole export (any line endings, with or without a final newline).

    Returns:
        One dict per sheet, in order, with exactly the keys of `FIELDS`: strings stripped
        ("" when missing), lists for keywords, initiators, publics and partners ([] when missing).

    Raises:
        ParseError: the text holds no sheet heading, or fields stand before the first heading.
    """
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    sheets: list[_Sheet] = []
    sheet: _Sheet | None = None
    target: list[str] | None = None  # value lines of the field being read; None: dropped

    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            if target is not None:
                target.append("")
            continue
        title = _heading_title(line, lines, number)
        if title is not None:
            sheet = _Sheet(title)
            sheets.append(sheet)
            target = None
            continue
        label = _label_of(line)
        section = label is None and fold_label(line) in _SECTION_INDEX
        if sheet is None:
            if label is not None or (section and fold_label(line) != _DOCUMENT_TITLE):
                raise ParseError(
                    f"Fiche n°1, ligne {number} : « {line} » précède tout titre "
                    f'« Actions "…" » suivi de « DESCRIPTION DE L\'ACTION ».'
                )
            continue  # preamble: the document title, export notes
        if section:
            target = None
            continue
        if label is None:
            before, label = _glued_label(line)
            if target is not None:
                target.append(before)  # the whole line when no label is glued to it
            if label is None:
                continue
        target = sheet.open(label[0])

    if not sheets:
        raise ParseError(
            f'Fiche n°1, ligne 1 : aucun titre « Actions "…" » suivi de « DESCRIPTION DE '
            f"L'ACTION » dans le texte ({len(lines)} lignes) : ce n'est pas un export de "
            f"fiches actions de centres sociaux."
        )
    return [_record(sheet) for sheet in sheets]


def to_json(records: list[dict]) -> str:
    """The records as indented JSON, accents kept (for `--dry-run --json`)."""
    return json.dumps(records, ensure_ascii=False, indent=2)


def _heading_title(line: str, lines: list[str], number: int) -> str | None:
    """The title if `line` (1-based `number`) is a real sheet heading, else None."""
    match = _HEADING.match(line)
    if match is None:
        return None
    for following in lines[number:]:
        if following.strip():
            return match["title"].strip() if fold_label(following) in _OPENER_INDEX else None
    return None


def _label_of(line: str) -> tuple[str | None, Kind] | None:
    """(key, kind) if the whole line is a known label, else None."""
    dashed = _DASH.match(line)
    folded = fold_label(line)
    if folded in _LABEL_INDEX and (dashed or folded in _BARE_INDEX):
        return _LABEL_INDEX[folded]
    return None


def _glued_label(line: str) -> tuple[str, tuple[str | None, Kind] | None]:
    """Split `text- Label` into the text and the label glued to the end of the line."""
    start = max(1, len(line) - _GLUE_WINDOW)
    for match in _GLUED.finditer(line, start):
        text = line[: match.start()].strip()
        label = _LABEL_INDEX.get(fold_label(line[match.end() :]))
        if label is not None and text:
            return text, label
    return line, None


def _record(sheet: _Sheet) -> dict:
    values = {key: _value(sheet, key) for key in _KINDS}
    organizer, department = _split_department(values["organizer"])
    values.update(title=sheet.title, organizer=organizer, organizer_department=department)
    return {key: values[key] for key in FIELDS}


def _value(sheet: _Sheet, key: str) -> str | list[str]:
    """The first non-empty value among the occurrences of the key's labels."""
    kind = _KINDS[key]
    for lines in sheet.occurrences.get(key, []):
        value = _finish(kind, lines)
        if value:
            return value
    return [] if kind is Kind.LIST else ""


def _finish(kind: Kind, lines: list[str]) -> str | list[str]:
    if kind is Kind.TEXT:
        return _text(lines)
    items = [_DASH.sub("", line, count=1).strip() for line in lines]
    items = [item for item in items if item]
    return items if kind is Kind.LIST else "\n".join(items)


def _text(lines: list[str]) -> str:
    """Free text; a lone `-` (an export artefact) becomes the bullet of the next line."""
    out: list[str] = []
    bullet = False
    for line in lines:
        if line in ("-", "–", "—"):
            bullet = True
            continue
        if bullet and line and not _DASH.match(line):
            line = f"- {line}"
        bullet = False
        out.append(line)
    return "\n".join(out).strip()


def _split_department(organizer: str) -> tuple[str, str]:
    """« NAME - Département » → (NAME, Département), on the last separator."""
    separators = list(_DEPARTMENT_SEPARATOR.finditer(organizer))
    if not separators:
        return organizer, ""
    last = separators[-1]
    return organizer[: last.start()].strip(), organizer[last.end() :].strip()
