"""Parser for a filled form of a « Fabrique d'initiatives citoyennes » (FIC).

The text export holds a heading (« FABRIQUE D'INITIATIVES CITOYENNES »), then fields written
as a line `Label:` (often followed by a non-breaking space) and the value on the next lines.

Design choice: as for the action sheets (`carto.actors.fiches`), one table of known labels
drives the parser, matched after folding case, accents and punctuation; a line that is not a
known label is a value line of the field being read, so colons inside free text (« Gouvernance :
… ») do not cut it. The record has the keys of an action sheet (`fiches.FIELDS`, empty when the
form has no such field) followed by the form's own keys (`FORM_FIELDS`), so that both sources
feed the same Initiative import.

Applicants paste their text several times: every free-text field is cut into units (lines and
sentences) and any run of units that repeats an earlier run of at least `MIN_REPEAT_CHARS`
characters is dropped, so the first copy of each block is kept, in order. Short repeats (a
bullet, a one-line heading) stay: repeating them can be deliberate.
"""

import re
from enum import Enum

from carto.actors.fiches import FIELDS, LIST_FIELDS, ParseError, fold_label

__all__ = ["FORM_FIELDS", "FORM_LABELS", "MIN_REPEAT_CHARS", "parse_fabrique", "remove_repeats"]


class Kind(Enum):
    TEXT = "text"  # free text, repeated blocks removed
    VALUE = "value"  # a short value: its lines joined with a space
    LIST = "list"  # a list: items split on lines, commas and semicolons; « non » → []
    YES_NO = "yes_no"  # « oui » → True, « non » → False, anything else → None


# Keys the form adds to those of an action sheet, in order.
FORM_FIELDS = (
    "program",  # the form's heading: the scheme the project applies to
    "contact_name",
    "phone",
    "email",
    "website",
    "resource_document",
    "labels",
    "multi_site",
)

# The label → key table (labels as they appear in the form).
FORM_LABELS: tuple[tuple[str, str, Kind], ...] = (
    ("Personne référente", "contact_name", Kind.VALUE),
    ("Adresse site web", "website", Kind.VALUE),
    ("Adresse Email", "email", Kind.VALUE),
    ("Téléphone du référent", "phone", Kind.VALUE),
    ("document_ressource", "resource_document", Kind.VALUE),
    ("labels", "labels", Kind.LIST),
    ("Le projet est-il multi-sites ?", "multi_site", Kind.YES_NO),
    (
        "Les finalités du projet et ses grands objectifs. Les besoins auxquels il répond",
        "context",
        Kind.TEXT,
    ),
    ("Description du projet", "description", Kind.TEXT),
)

MIN_REPEAT_CHARS = 100
_LABEL_MAX = 160  # a label's colon stands within the first characters of its line

_LABEL_INDEX = {fold_label(label): (key, kind) for label, key, kind in FORM_LABELS}
_KINDS = {key: kind for _, key, kind in FORM_LABELS}
_NONE = {"non", "aucun", "aucune", "neant"}
_YES = {"oui", "yes"}
_NO = {"non", "no"}
_ITEM_SEPARATOR = re.compile(r"[\n,;]+")
# End of a unit: a sentence end followed by space, a line break, or the space before a bullet.
# A run of spaces is tried from its start only (the lookbehind): trying every position of a
# long run that ends in neither made the search quadratic (40 000 spaces took a minute).
_UNIT_END = re.compile(r"[.!?…]+[\"»”)]*[^\S\n]+|(?<![^\S\n])[^\S\n]+(?:\n\s*|(?=•))|\n\s*")


def parse_fabrique(text: str) -> dict:
    """Parse one filled FIC form.

    Args:
        text: the form's text export (any line endings).

    Returns:
        A dict with the keys of `fiches.FIELDS` then `FORM_FIELDS`: strings stripped ("" when
        absent), lists for keywords, initiators, publics, partners and labels, multi_site a
        bool or None. Free text keeps its line breaks, without repeated blocks.

    Raises:
        ParseError: no known label in the text: it is not such a form.
    """
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    values: dict[str, list[str]] = {}
    target: list[str] | None = None
    heading = ""
    for raw in lines:
        line = raw.strip()
        found = _label_of(line)
        if found is None:
            if target is not None:
                target.append(line)
            elif line and not heading:
                heading = line
            continue
        key, inline = found
        # A label seen twice keeps its first non-empty value.
        target = [] if _is_blank(values.get(key)) else None
        if target is not None:
            values[key] = target
            if inline:
                target.append(inline)
    if not values:
        raise ParseError(
            f"Formulaire, ligne 1 : aucun champ connu (« {FORM_LABELS[0][0]} », "
            f"« {FORM_LABELS[-1][0]} », …) dans le texte ({len(lines)} lignes) : ce n'est pas "
            f"un formulaire de Fabrique d'initiatives citoyennes."
        )

    record: dict = {key: [] if key in LIST_FIELDS else "" for key in FIELDS}
    record.update({key: [] if _KINDS.get(key) is Kind.LIST else "" for key in FORM_FIELDS})
    record.update(program=heading, multi_site=None)
    for key, kind in _KINDS.items():
        if key in values:
            record[key] = _finish(kind, values[key])
    return record


def remove_repeats(text: str, min_chars: int = MIN_REPEAT_CHARS) -> str:
    """Drop every run of lines or sentences that repeats an earlier run of `min_chars` or more.

    Units are compared with their spacing normalised; the text that is kept is left as written,
    except that a paragraph break that followed a dropped run is kept.
    """
    units = _units(text)
    keys = [" ".join(body.split()) for body, _ in units]
    seen: dict[str, list[int]] = {}
    kept: list[list[str]] = []  # [body, separator]
    index = 0
    while index < len(units):
        length = _repeat_length(keys, seen.get(keys[index], []), index)
        if length and sum(len(key) for key in keys[index : index + length]) >= min_chars:
            index += length
            separator = units[index - 1][1]
            if kept and separator.count("\n") > kept[-1][1].count("\n"):
                kept[-1][1] = separator
            continue
        if keys[index]:
            seen.setdefault(keys[index], []).append(index)
        kept.append(list(units[index]))
        index += 1
    joined = "".join(body + separator for body, separator in kept)
    return "\n".join(line.rstrip() for line in joined.split("\n")).strip()


def _label_of(line: str) -> tuple[str, str] | None:
    """(key, value written on the same line) if the line starts with a known label."""
    for match in re.finditer(":", line[:_LABEL_MAX]):
        found = _LABEL_INDEX.get(fold_label(line[: match.start()]))
        if found is not None:
            return found[0], line[match.end() :].strip()
    found = _LABEL_INDEX.get(fold_label(line)) if line else None
    return (found[0], "") if found is not None else None


def _is_blank(lines: list[str] | None) -> bool:
    return lines is None or not any(line.strip() for line in lines)


def _finish(kind: Kind, lines: list[str]) -> str | list[str] | bool | None:
    if kind is Kind.TEXT:
        return remove_repeats("\n".join(lines))
    value = " ".join(line for line in lines if line)
    if kind is Kind.VALUE:
        return value
    if kind is Kind.YES_NO:
        folded = fold_label(value)
        if folded in _YES or folded in _NO:
            return folded in _YES
        return None
    items = [item.strip() for item in _ITEM_SEPARATOR.split("\n".join(lines))]
    return [item for item in items if item and fold_label(item) not in _NONE]


def _units(text: str) -> list[tuple[str, str]]:
    """The text's lines and sentences, each as (body, the separator that follows it)."""
    units = []
    start = 0
    for match in _UNIT_END.finditer(text):
        if match.end() > start:
            body_end = match.start() + len(match.group().rstrip())
            units.append((text[start:body_end], text[body_end : match.end()]))
            start = match.end()
    if start < len(text):
        units.append((text[start:], ""))
    return units


def _repeat_length(keys: list[str], earlier: list[int], index: int) -> int:
    """Length of the longest run starting at `index` that repeats a run ending before it."""
    best = 0
    for start in earlier:
        length = 0
        while (
            index + length < len(keys)
            and start + length < index
            and keys[start + length] == keys[index + length]
        ):
            length += 1
        best = max(best, length)
    return best
