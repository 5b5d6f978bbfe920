"""The directory's vocabularies: kinds of actors, themes, publics (slug, French label).

They are loaded into the database by a data migration (so the API and admin
read them as data) from the lists below, the single place to change them.
Kinds carry their crosswalk to the data·inclusion structure typology
(../shared/data/reference/data_inclusion_typologies_structures.csv); themes and
publics carry the words of the field (the « mots clés » of the centres sociaux
action sheets, the « Public » answers) that map onto them.
"""

from dataclasses import dataclass, field

from carto.territories.codes import search_key


@dataclass(frozen=True)
class Term:
    slug: str
    label: str
    words: tuple[str, ...] = ()  # field words (any case, accents) that mean this term
    typology: str = ""  # data·inclusion typology value (kinds only)
    typology_aliases: tuple[str, ...] = field(default=())  # other typologies imported as this kind


KINDS = [
    Term(
        "centre-social",
        "Centre social",
        ("centre social", "centre socioculturel", "csc"),
        "CS",
        ("CSC",),
    ),
    Term("espace-de-vie-sociale", "Espace de vie sociale", ("evs",), "EVS"),
    Term("association", "Association", ("asso",), "ASSO", ("ASSO_CHOMEUR",)),
    Term(
        "tiers-lieu",
        "Tiers-lieu",
        ("tiers lieu", "coworking", "fablab"),
        "TIERS_LIEUX",
        ("FABLAB",),
    ),
    Term("conseil-citoyen", "Conseil citoyen", ("conseil citoyen",), "Autre"),
    Term("fabrique-initiatives-citoyennes", "Fabrique d’initiatives citoyennes", ("fic",), "Autre"),
    Term("france-services", "France services", ("maison france services",), "RFS", ("MSAP",)),
    Term(
        "mediation-numerique",
        "Lieu de médiation numérique",
        ("epn", "conseiller numerique"),
        "EPN",
        ("EPI", "ENM"),
    ),
    Term("maison-de-quartier", "Maison de quartier", (), "MQ"),
    Term("mjc", "Maison des jeunes et de la culture", (), "MJC"),
    Term("mediatheque", "Médiathèque", ("bibliotheque",), "BIB"),
    Term("pimms", "Point information médiation multi-services", (), "PIMMS"),
    Term(
        "collectivite",
        "Collectivité",
        ("commune", "mairie", "intercommunalite"),
        "MUNI",
        ("CC", "EPCI", "CD", "REG", "CCAS", "CIAS"),
    ),
    Term("autre", "Autre structure", (), "Autre"),
]

THEMES = [
    Term(
        "citoyennete",
        "Citoyenneté et démocratie",
        (
            "democratie & citoyennete",
            "citoyennete",
            "participation",
            "democratie",
            "pouvoir d agir",
        ),
    ),
    Term(
        "numerique",
        "Numérique",
        ("numerique", "inclusion numerique", "acces au numerique", "mediation numerique"),
    ),
    Term("jeunesse", "Jeunesse", ("jeunesse", "jeunes")),
    Term("parentalite", "Parentalité et familles", ("parentalite", "familles", "famille")),
    Term("sante", "Santé et bien-être", ("sante", "mieux etre", "bien etre")),
    Term(
        "insertion-emploi",
        "Insertion et emploi",
        ("emploi economie", "emploi", "insertion", "entrepreneuriat social", "formation"),
    ),
    Term(
        "solidarite-precarite",
        "Solidarité et précarité",
        ("solidarite", "precarite", "pauvrete", "aide alimentaire"),
    ),
    Term("culture", "Culture", ("culture", "pratiques artistiques")),
    Term(
        "education",
        "Éducation et scolarité",
        ("education scolarite", "education", "scolarite", "accompagnement scolaire"),
    ),
    Term("logement", "Logement et habitat", ("logement", "habitat", "cadre de vie")),
    Term("mobilite", "Mobilité", ("mobilite transport", "mobilite", "transport")),
    Term(
        "intergenerationnel",
        "Intergénérationnel et vieillissement",
        ("intergenerationnel", "vieillissement", "viellissement", "seniors"),
    ),
    Term(
        "vacances-loisirs",
        "Vacances et loisirs",
        ("vacances loisirs", "vacances", "loisirs", "sport"),
    ),
    Term(
        "discriminations",
        "Égalité et lutte contre les discriminations",
        ("discriminations", "mixite sociale", "integration", "egalite femmes hommes", "laicite"),
    ),
    Term(
        "acces-aux-droits",
        "Accès aux droits et services publics",
        ("acces aux droits", "services publics", "demarches administratives"),
    ),
    Term(
        "environnement",
        "Transition écologique",
        ("environnement", "transition ecologique", "developpement durable"),
    ),
]

PUBLICS = [
    Term("tous-publics", "Tous publics", ("tous publics", "tout public", "habitants")),
    Term("enfants", "Enfants", ("enfants", "enfance")),
    Term("jeunes", "Jeunes", ("jeunesse", "jeunes", "adolescents", "ados")),
    Term("familles", "Familles", ("familles", "parents")),
    Term("adultes", "Adultes", ("adultes",)),
    Term("seniors", "Seniors", ("seniors", "personnes agees", "retraites")),
    Term("femmes", "Femmes", ("femmes",)),
    Term("personnes-handicapees", "Personnes en situation de handicap", ("handicap",)),
    Term(
        "personnes-precaires",
        "Personnes en situation de précarité",
        ("precarite", "beneficiaires du rsa", "personnes fragiles"),
    ),
    Term("demandeurs-emploi", "Demandeurs d’emploi", ("demandeurs d emploi", "chomeurs")),
    Term("personnes-migrantes", "Personnes migrantes", ("migrants", "refugies", "primo arrivants")),
]


# The State's programmes whose sites are initiatives (Initiative.programme), ANCT's lists.
PROGRAMMES = [
    Term("cites-educatives", "Cités éducatives"),
    Term("cites-de-l-emploi", "Cités de l’emploi"),
    Term("petites-villes-de-demain", "Petites villes de demain"),
    Term("action-coeur-de-ville", "Action cœur de ville"),
    Term("villages-d-avenir", "Villages d’avenir"),
]

# What a place offers a visitor beyond its services (Actor.amenities).
AMENITIES = [
    Term("wifi", "Wi-Fi"),
    Term("ouvert-le-dimanche", "Ouvert le dimanche"),
    Term("gratuit", "Services gratuits"),
    Term("actions-culturelles", "Actions culturelles"),
]

# Posts funded by the politique de la ville that an actor hosts (Actor.funded_posts).
FUNDED_POSTS = [
    Term("adultes-relais", "poste d’adulte-relais"),
    Term("fonjep", "poste FONJEP"),
]


def label_of(terms: list[Term], slug: str) -> str:
    return next((term.label for term in terms if term.slug == slug), slug)


def _index(terms: list[Term]) -> dict[str, str]:
    index = {}
    for term in terms:
        for word in (term.slug, term.label, *term.words):
            index.setdefault(search_key(word), term.slug)
    return index


_THEME_WORDS = _index(THEMES)
_PUBLIC_WORDS = _index(PUBLICS)
_KIND_WORDS = _index(KINDS)
KIND_BY_TYPOLOGY = {}
for _kind in KINDS:
    for _value in (_kind.typology, *_kind.typology_aliases):
        if _value and _value != "Autre":
            KIND_BY_TYPOLOGY.setdefault(_value, _kind.slug)


def slugs(terms: list[Term]) -> list[str]:
    return [term.slug for term in terms]


def themes_for(words) -> list[str]:
    """Theme slugs for field words (« Emploi, économie », « éducation / scolarité » …), in order."""
    return _match(words, _THEME_WORDS)


def publics_for(words) -> list[str]:
    return _match(words, _PUBLIC_WORDS)


def kind_for(word: str) -> str | None:
    return _KIND_WORDS.get(search_key(word))


def _match(words, index: dict[str, str]) -> list[str]:
    found = []
    for word in words:
        slug = index.get(search_key(word))
        if slug and slug not in found:
            found.append(slug)
    return found
