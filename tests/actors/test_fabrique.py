"""parse_fabrique on the real « Fabrique d'initiatives citoyennes » form (whose description is
pasted three times) and on a synthetic variant; remove_repeats on its own. No database."""

from pathlib import Path

import pytest

from carto.actors.fabrique import FORM_FIELDS, parse_fabrique, remove_repeats
from carto.actors.fiches import FIELDS, ParseError

FIXTURE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "fixtures"
    / "fiche_fabrique_initiatives_citoyennes.txt"
)
# The opening of the pasted block, and a sentence from its end.
BLOCK_START = "• EXPRIMER Cet axe poursuit le travail mené à travers la Pépinière"
BLOCK_CONCLUSION = "En guise de conclusion..."


@pytest.fixture(scope="module")
def source() -> str:
    if not FIXTURE.is_file():
        pytest.fail(f"{FIXTURE} is missing: the tests read ../shared/fixtures beside the project")
    return FIXTURE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def record(source) -> dict:
    return parse_fabrique(source)


def test_the_fixture_really_repeats_its_description(source):
    # Line 18 of the file: one line holding the same block three times.
    description = source.split("\n")[17]
    assert description.count(BLOCK_START) == 3
    assert description.count(BLOCK_CONCLUSION) == 3


def test_keys_are_those_of_a_sheet_then_those_of_the_form(record):
    assert list(record) == [*FIELDS, *FORM_FIELDS]


def test_form_fields(record):
    assert record["program"] == "FABRIQUE D'INITIATIVES CITOYENNES"
    assert record["contact_name"] == "ALAIN TOMEO"
    assert record["website"] == "http://eisemirepoix.wixsite.com/pepiniere"
    assert record["email"] == ""  # « Adresse Email: » is left empty in the form
    assert record["phone"] == "0672907386"
    assert record["resource_document"] == ""
    assert record["labels"] == []  # « labels: non »
    assert record["multi_site"] is False  # « Le projet est-il multi-sites ?: non »


def test_objectives_go_to_context(record):
    context = record["context"]
    assert context.startswith("L'AXE 3 de son projet social : Adapter les réponses")
    assert context.endswith("Ces 5 axes sont complémentaires et sont inter dépendants.")
    assert "\n" not in context
    assert "\xa0" not in context


def test_the_repeated_description_is_kept_once(record, source):
    description = record["description"]
    assert description.count(BLOCK_START) == 1
    assert description.count(BLOCK_CONCLUSION) == 1
    assert description.count("• MUTUALISER Cet Axe comprend la création") == 1
    assert description.startswith(BLOCK_START)
    assert description.endswith(
        "de poursuivre son développement au service de nos valeurs républicaines et "
        "d'enrichir le Vivre Ensemble sur le Territoire du Pays de Mirepoix."
    )
    # Exactly the first copy, as written in the file.
    raw = source.split("\n")[17]
    first_copy = raw[: raw.index(BLOCK_START, 1)].strip()
    assert description == first_copy


def test_fields_the_form_does_not_have_are_empty(record):
    for key in FIELDS:
        if key not in ("context", "description"):
            assert record[key] in ("", []), key
    for key in ("keywords", "initiators", "publics", "partners", "labels"):
        assert record[key] == []


VARIANT = (
    "\ufeffFABRIQUE D'INITIATIVES CITOYENNES\r\n"
    "\r\n"
    "Description du projet:\xa0\r\n"
    "Objectifs :\r\n"
    "Créer un café associatif ouvert à tous les habitants du quartier, avec des ateliers "
    "de réparation et une épicerie solidaire. Gouvernance : un collège d'habitants.\r\n"
    "Objectifs :\r\n"
    "Former des bénévoles à l'animation de débats publics et à la médiation entre voisins, "
    "dans les quartiers prioritaires de la ville.\r\n"
    "Créer un café associatif ouvert à tous les habitants du quartier, avec des ateliers "
    "de réparation et une épicerie solidaire. Gouvernance : un collège d'habitants.\r\n"
    "Personne référente: Jeanne Martin\r\n"
    "Adresse Email:\xa0\r\n"
    "jeanne.martin@example.org\r\n"
    "labels:\xa0\r\n"
    "Politique de la ville ; France services\r\n"
    "Le projet est-il multi-sites ?:\xa0\r\n"
    "Oui\r\n"
    "Personne référente:\xa0\r\n"
    "Quelqu'un d'autre"
)


def test_synthetic_variant():
    record = parse_fabrique(VARIANT)
    assert list(record) == [*FIELDS, *FORM_FIELDS]
    assert record["program"] == "FABRIQUE D'INITIATIVES CITOYENNES"
    # Inline value, and a repeated label keeps its first value.
    assert record["contact_name"] == "Jeanne Martin"
    assert record["email"] == "jeanne.martin@example.org"
    assert record["labels"] == ["Politique de la ville", "France services"]
    assert record["multi_site"] is True
    assert record["website"] == record["phone"] == ""
    # The pasted paragraph is kept once; the short heading « Objectifs : » stays twice, and
    # « Gouvernance : » inside the text is no label.
    assert record["description"] == (
        "Objectifs :\n"
        "Créer un café associatif ouvert à tous les habitants du quartier, avec des ateliers "
        "de réparation et une épicerie solidaire. Gouvernance : un collège d'habitants.\n"
        "Objectifs :\n"
        "Former des bénévoles à l'animation de débats publics et à la médiation entre voisins, "
        "dans les quartiers prioritaires de la ville."
    )


def test_text_without_any_known_label_is_a_parse_error():
    with pytest.raises(ParseError, match=r"Formulaire, ligne 1 : aucun champ connu"):
        parse_fabrique("Bonjour,\nNom : Martin\nceci n'est pas un formulaire.\n")


PARAGRAPH = (
    "Le collectif d'habitants récupère du matériel pour le transformer. "
    "Des temps de formation sont prévus pour les bénévoles."
)


def test_remove_repeats_within_one_line():
    assert remove_repeats(f"{PARAGRAPH} {PARAGRAPH} {PARAGRAPH}") == PARAGRAPH


def test_remove_repeats_keeps_the_first_occurrence_in_order():
    other = "Un second paragraphe, distinct du premier, qui décrit les ateliers de couture."
    text = f"{PARAGRAPH}\n{other}\n{PARAGRAPH}\nFin."
    assert remove_repeats(text) == f"{PARAGRAPH}\n{other}\nFin."


def test_remove_repeats_keeps_the_paragraph_break_after_a_dropped_block():
    text = f"{PARAGRAPH}\n\nIntroduction.\n{PARAGRAPH}\n\nConclusion."
    assert remove_repeats(text) == f"{PARAGRAPH}\n\nIntroduction.\n\nConclusion."


def test_remove_repeats_leaves_short_repeats_and_plain_text_alone():
    text = "Oui.\nNon.\nOui.\n\n- Atelier\n- Atelier\nUne phrase.  Deux espaces."
    assert remove_repeats(text) == text
    assert (
        remove_repeats(text, min_chars=4) == "Oui.\nNon.\n\n- Atelier\nUne phrase.  Deux espaces."
    )
    assert remove_repeats(PARAGRAPH) == PARAGRAPH
    assert remove_repeats("") == ""
