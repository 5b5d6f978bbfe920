"""Property-based tests (hypothesis) of the field-document parsers: the centres sociaux action
sheets (`carto.actors.fiches`) and the fabrique d'initiatives citoyennes form
(`carto.actors.fabrique`).

For arbitrary text and for mutations of the real documents (lines dropped, duplicated,
shuffled, truncated, junk or near-miss labels inserted, encoding oddities), parsing returns
records of the documented shape or raises `ParseError` naming the line at fault; never another
exception. Line endings, a byte-order mark and the spacing around lines change nothing.
Examples are derandomized and no example database is written. No database, except for the
importer's reading of raw bytes.
"""

import json
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from carto.actors.fabrique import FORM_FIELDS, FORM_LABELS, parse_fabrique, remove_repeats
from carto.actors.fiches import (
    FIELDS,
    LABELS,
    LIST_FIELDS,
    SECTIONS,
    ParseError,
    parse_fiches,
    to_json,
)
from carto.actors.importers.base import ImportAborted
from carto.actors.importers.fiches import FabriqueImporter, SheetImporter, looks_like_fabrique
from tests.helpers import properties

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures"


def fixture_text(name: str) -> str:
    path = FIXTURES / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: the tests read ../shared/fixtures beside the project")
    return path.read_text(encoding="utf-8")


FICHES = fixture_text("fiches_actions_centres_sociaux.txt")
FABRIQUE = fixture_text("fiche_fabrique_initiatives_citoyennes.txt")
FICHES_LINES = FICHES.split("\n")
# Where each sheet starts, to mutate a few sheets at a time (a whole export takes 65 ms to parse).
SHEET_STARTS = [i for i, line in enumerate(FICHES_LINES) if line.startswith('Actions "')]


# ------------------------------------------------------------------------------- strategies

ANY_TEXT = st.text(st.characters(exclude_categories=()), max_size=60)
# Lines that look like the document's own: labels with and without the dash, section headings,
# sheet headings and near misses, lone dashes, labels glued to text.
LOOKALIKE_LINES = [
    *(f"- {label}" for label, _key, _kind in LABELS),
    *(label for label, _key, _kind in LABELS),
    *(f"{label}:" for label, _key, _kind in FORM_LABELS),
    *(f"{label}: valeur" for label, _key, _kind in FORM_LABELS),
    *SECTIONS,
    'Actions "Titre"', "Actions « Titre »", 'Actions "', 'Actions ""', "Actions", 'Actions "a" b',
    "actions “x”", "-", "–", "—", "- ", "-\t", "Partenaires d'action:", "- A - B - C",
    "texte- Résumé", "texte - Public", "- Structure organisatrice- Dimension", "oui", "non",
    "FABRIQUE D'INITIATIVES CITOYENNES", ":", "::", "labels: non, aucun ; néant",
]  # fmt: skip
# Long runs of spaces inside a line: regular expressions that backtrack choke on them.
SPACED_LINE = st.tuples(
    st.sampled_from(['Actions "', "Actions « ", "- A", "texte", "Fin.", "- Public"]),
    st.sampled_from([" ", "\t", "\u00a0", " - "]),
    st.integers(50, 3000),
    st.sampled_from(["x", "", '"', "- Public", "• suite", "\nsuite"]),
).map(lambda drawn: drawn[0] + drawn[1] * drawn[2] + drawn[3])
JUNK_LINE = st.one_of(st.sampled_from(LOOKALIKE_LINES), ANY_TEXT, SPACED_LINE)


def mojibake(text: str) -> str:
    return text.encode("utf-8", errors="surrogatepass").decode("cp1252", errors="replace")


def latin1_read_as_utf8(text: str) -> str:
    return text.encode("latin-1", errors="replace").decode("utf-8", errors="replace")


# Whole-text transformations a file goes through between two tools.
ODDITIES = {
    "mojibake": mojibake,
    "latin1": latin1_read_as_utf8,
    "nfd": lambda text: unicodedata.normalize("NFD", text),
    "nfkc": lambda text: unicodedata.normalize("NFKC", text),
    "nbsp": lambda text: text.replace(" ", "\u00a0"),
    "narrow_nbsp": lambda text: text.replace(" ", "\u202f"),
    "zero_width": lambda text: text.replace("e", "e\u200b"),
    "soft_hyphen": lambda text: text.replace("a", "a\u00ad"),
    "nul": lambda text: text.replace("\n", "\x00\n"),
    "bom_inside": lambda text: text.replace("\n", "\n\ufeff"),
    "replacement": lambda text: text.replace("é", "\ufffd"),
    "surrogates": lambda text: text.replace("é", "\udce9"),
    "line_separator": lambda text: text.replace("\n", "\u2028"),
    "nel": lambda text: text.replace("\n", "\x85"),
    "vertical_tab": lambda text: text.replace("\n", "\x0b"),
    "curly_quotes": lambda text: text.replace('"', "“").replace("'", "’"),
    "upper": str.upper,
    "lower": str.lower,
    "tabs": lambda text: text.replace(" ", "\t"),
}


@st.composite
def mutated(draw, lines: list[str], window: bool):
    """The document's lines, mutated a few times, joined back into one text."""
    if window:  # a few consecutive sheets, with the document title
        first = draw(st.integers(0, len(SHEET_STARTS) - 1))
        last = draw(st.integers(first + 1, min(first + 3, len(SHEET_STARTS))))
        end = SHEET_STARTS[last] if last < len(SHEET_STARTS) else len(lines)
        lines = [lines[0], *lines[SHEET_STARTS[first] : end]]
    lines = list(lines)
    for _ in range(draw(st.integers(1, 5))):
        operation = draw(
            st.sampled_from(
                ["drop", "duplicate", "shuffle", "truncate", "junk", "oddity", "swap", "blank"]
            )
        )
        size = len(lines)
        at = draw(st.integers(0, size))
        span = draw(st.integers(1, 30))
        if operation == "drop":
            del lines[at : at + span]
        elif operation == "duplicate":
            lines[at:at] = lines[at : at + span] * draw(st.integers(1, 3))
        elif operation == "shuffle":
            lines[at : at + span] = draw(st.permutations(lines[at : at + span]))
        elif operation == "truncate":
            text = "\n".join(lines)
            cut = draw(st.integers(0, len(text)))
            lines = text[:cut].split("\n")
        elif operation == "junk":
            lines[at:at] = draw(st.lists(JUNK_LINE, min_size=1, max_size=4))
        elif operation == "oddity":
            oddity = ODDITIES[draw(st.sampled_from(sorted(ODDITIES)))]
            lines[at : at + span] = oddity("\n".join(lines[at : at + span])).split("\n")
        elif operation == "swap" and size >= 2:
            other = draw(st.integers(0, size - 1))
            at = min(at, size - 1)
            lines[at], lines[other] = lines[other], lines[at]
        elif operation == "blank":
            lines[at:at] = [""] * span
    return "\n".join(lines)


def whole_text_oddity(text_strategy):
    """A text, maybe passed whole through one of the oddities."""
    return st.tuples(text_strategy, st.sampled_from([None, *sorted(ODDITIES)])).map(
        lambda drawn: drawn[0] if drawn[1] is None else ODDITIES[drawn[1]](drawn[0])
    )


ARBITRARY = st.one_of(
    ANY_TEXT,
    st.lists(st.one_of(JUNK_LINE, st.sampled_from(FICHES_LINES[:40])), max_size=30).map("\n".join),
)
FICHES_INPUTS = st.one_of(
    ARBITRARY,
    whole_text_oddity(mutated(FICHES_LINES, window=True)),
    mutated(FICHES_LINES, window=False),
)
FABRIQUE_INPUTS = st.one_of(
    ARBITRARY, whole_text_oddity(mutated(FABRIQUE.split("\n"), window=False))
)


# ------------------------------------------------------------------------------- contracts


def normalised(text: str) -> str:
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def check_parse_error(exc: ParseError, text: str, prefix: str):
    """The error says where: « Fiche n°1, ligne N : » or « Formulaire, ligne N : », N a line."""
    message = str(exc)
    assert message.startswith(prefix), message
    number = int(message[len(prefix) :].split(" ", 1)[0])
    assert 1 <= number <= normalised(text).count("\n") + 1, message


def parse_sheets(text: str) -> list[dict] | ParseError:
    """The records, checked against the documented shape, or the ParseError."""
    try:
        records = parse_fiches(text)
    except ParseError as exc:
        check_parse_error(exc, text, "Fiche n°1, ligne ")
        return exc
    assert records
    for record in records:
        assert list(record) == list(FIELDS)
        for key, value in record.items():
            if key in LIST_FIELDS:
                assert isinstance(value, list)
                assert all(
                    isinstance(item, str) and item and item == item.strip() for item in value
                )
            else:
                assert isinstance(value, str) and value == value.strip(), (key, value)
        assert record["title"] in normalised(text)
    assert json.loads(to_json(records)) == records
    return records


def parse_form(text: str) -> dict | ParseError:
    try:
        record = parse_fabrique(text)
    except ParseError as exc:
        check_parse_error(exc, text, "Formulaire, ligne ")
        return exc
    assert list(record) == [*FIELDS, *FORM_FIELDS]
    for key, value in record.items():
        if key == "multi_site":
            assert value in (True, False, None)
        elif key in LIST_FIELDS or key == "labels":
            assert isinstance(value, list) and all(isinstance(item, str) and item for item in value)
        else:
            assert isinstance(value, str) and value == value.strip(), (key, value)
    return record


def same_outcome(first, second):
    if isinstance(first, ParseError):
        assert isinstance(second, ParseError) and str(second) == str(first)
    else:
        assert first == second


# ------------------------------------------------------------------------------- action sheets


def test_the_real_export_parses():
    assert len(parse_sheets(FICHES)) == len(SHEET_STARTS) == 15


@properties(120)
@given(text=FICHES_INPUTS)
@example(text="")
@example(text='Actions "x"\nDESCRIPTION DE L\'ACTION')
@example(text='Actions "x"\n\n\n- Statut de l\'action')
@example(text='Actions ""\nStatut de l\'action\n- Structure organisatrice\n- A - ')
@example(text="- Statut de l'action")
@example(text="\ufeff\r\r\n")
# Found by the properties: the heading pattern took minutes on a line of spaces (cubic
# backtracking), the organiser's département separator seconds (quadratic).
@example(text='Actions "' + " " * 3000 + "x\nDESCRIPTION DE L'ACTION")
@example(
    text='Actions "x"\nStatut de l\'action\n- Structure organisatrice\n- A' + " " * 20000 + "B"
)
def test_sheets_parse_to_records_or_a_parse_error_naming_the_line(text):
    parse_sheets(text)


@properties(30)
@given(
    text=FICHES_INPUTS,
    before=st.sampled_from(["", " ", "\t", "  "]),
    after=st.sampled_from([" ", "\t", " \t"]),
)
def test_spacing_around_lines_changes_no_sheet(text, before, after):
    spaced = "\n".join(f"{before}{line}{after}" for line in normalised(text).split("\n"))
    same_outcome(parse_sheets(text), parse_sheets(spaced))


# ------------------------------------------------------------------------------- fabrique form


def test_the_real_form_parses():
    assert parse_form(FABRIQUE)["contact_name"] == "ALAIN TOMEO"


@properties(120)
@given(text=FABRIQUE_INPUTS)
@example(text="")
@example(text="labels:")
@example(text="Le projet est-il multi-sites ?: peut-être")
@example(text="Description du projet:" + ":" * 300)
# Found by the properties: cutting a text into units was quadratic on a run of spaces.
@example(text="Description du projet:\na" + " " * 40000 + "b")
def test_the_form_parses_to_a_record_or_a_parse_error(text):
    parse_form(text)


@pytest.mark.parametrize(
    ("parse", "inputs"), [(parse_sheets, FICHES_INPUTS), (parse_form, FABRIQUE_INPUTS)]
)
@properties(40)
@given(data=st.data(), ending=st.sampled_from(["\r\n", "\r"]), bom=st.booleans())
def test_line_endings_and_a_byte_order_mark_change_nothing(parse, inputs, data, ending, bom):
    text = data.draw(inputs)
    converted = ("\ufeff" if bom else "") + normalised(text).replace("\n", ending)
    same_outcome(parse(text), parse(converted))


@properties(150)
@given(
    text=st.one_of(
        ANY_TEXT,
        st.lists(
            st.sampled_from(["Un.", "Deux ! ", "• trois", "\n", "\n\n", " ", "…", "« a. »"])
            | ANY_TEXT
            | SPACED_LINE,
            max_size=40,
        ).map("".join),
        mutated(FABRIQUE.split("\n"), window=False),
    ),
    min_chars=st.integers(0, 200),
)
@example(text="a. a. a. ", min_chars=0)
def test_remove_repeats_never_adds_text(text, min_chars):
    kept = remove_repeats(text, min_chars)
    assert isinstance(kept, str) and len(kept) <= len(text)


# ------------------------------------------------------------------------------- raw bytes


ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16", "utf-8-nul"])


def encoded(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-nul":
        return text.encode("utf-8", "surrogatepass").replace(b"\n", b"\n\x00")
    return text.encode(encoding, errors="surrogatepass" if "utf-8" in encoding else "replace")


@pytest.mark.django_db
@properties(30)
@given(
    text=st.one_of(FICHES_INPUTS, FABRIQUE_INPUTS),
    encoding=ENCODINGS,
    tail=st.binary(max_size=8),
)
def test_the_importer_reads_any_bytes_as_records_or_an_import_error(text, encoding, tail):
    """As `import_fiches` does: guess the form from the text, then read the file."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fiches.txt"
        path.write_bytes(encoded(text, encoding) + tail)
        guessed = path.read_text(encoding="utf-8-sig", errors="replace")
        importer = (FabriqueImporter if looks_like_fabrique(guessed) else SheetImporter)(path)
        try:
            records = importer.read()
        except ImportAborted as exc:
            assert str(path) in str(exc)
            return
    assert records and all(isinstance(record, dict) for record in records)
