"""parse_fiches on the real export of centres sociaux action sheets, field by field for the
fifteen sheets (expected values read from the text of the fixture), and on synthetic sheets for
each case the parser must survive. No database."""

import json
from pathlib import Path
from typing import NamedTuple

import pytest

from carto.actors.fiches import FIELDS, ParseError, parse_fiches, to_json

FIXTURE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "fixtures"
    / "fiches_actions_centres_sociaux.txt"
)


class Text(NamedTuple):
    """A long free text, checked by its first and last words and its number of lines."""

    start: str
    end: str
    lines: int


@pytest.fixture(scope="module")
def records() -> list[dict]:
    if not FIXTURE.is_file():
        pytest.fail(f"{FIXTURE} is missing: the tests read ../shared/fixtures beside the project")
    return parse_fiches(FIXTURE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------- the real export, field by field

TITLES = [
    "ALLEZ LES FILLES",
    "ACTION INNOVATION SOCIALE ET SOLIDAIRE Pour un autre modèle sociétal et/ou économique",
    "Relais info-service",
    "AUTODEFENSE FEMINISTE - STAGES",
    "Bourse Actions Familles",
    "Mise en place séjour au ski interquartier",
    "Halte répit",
    '"LIENS à la MAISON"',
    "Accès au numérique",
    "Espace Ressources jeunes (ERJ)",
    "UN ÉTÉ EN FAMILLES",
    "Table Ronde Inter Religions",
    "Séjour Parisien du Conseil Citoyen",
    "le défi de l'insertion sociale des bénéficiaire RSA",
    "Insertion sociale et professionnelle",
]

EXPECTED = [
    {
        "title": "ALLEZ LES FILLES",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Citoyenneté",
        "keywords": ["éducation / scolarité"],
        "summary": Text(
            "Le centre en collaboration avec différents partenaires",
            "en prenant en considération l'environnement social de chacune",
            1,
        ),
        "organizer": "CENTRE SOCIOCULTUREL AUDREY BARTIER",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social", "Un ou plusieurs partenaire(s)"],
        "initiative_precision": "",
        "context": Text(
            "Le cnetreest implanté dans le nord de wimereux",
            "auprès des jeunes filles et de leur famille",
            6,
        ),
        "territory_scope": "Une commune",
        "publics": ["Jeunesse"],
        "partners": [
            "Éducation Nationale",
            "Association locale",
            "Bailleur social",
            "Commune",
            "Fondations",
        ],
        "description": Text(
            "création d'un comité de pilotage",
            "le projet s'articule autour de deux dimensions : sportive et sociale",
            7,
        ),
        "resources": "cout total : 20 000 €\nsubvention 7000",
        "people": "l'animatrice jeunesse, des prestataires, renfort de l'éducateur et référent "
        "famille pour certaines situations",
        "results_territory": "projet partagé et concerté avec les partenaires : collège, clubs "
        "sportifs\nremobiliser les jeunes filles en risque de décrochage scolaire et ou de "
        "conduites à risques",
        "results_centre": "L'accompagnement d'un nouveau public\n"
        "Etre fédérateur, effet d'assemblier (parents/école/jeunes)",
        "results_inhabitants": Text(
            "S'inscrire dans une dynamique de projet\n",
            "la capacité à se positionner et à faire des chois",
            2,
        ),
        "limits": "Pas de coüt de poste de financer uniquement l'action",
        "perspectives": "essaimer ce pojet auprés d'autres structures jeunesse, centres sociaux",
    },
    {
        "title": TITLES[1],
        "status": "En cours",
        "end_reason": "",
        "dimension": "Accompagnement de projets",
        "keywords": ["Solidarité", "Emploi, économie", "Précarité"],
        "summary": Text("L’association SOLILLERS entend", "la bricothèque, la magasin gratuit…", 9),
        "organizer": "MAISON POUR TOUS - Association SOLILLERS",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Un groupe d'habitants"],
        "initiative_precision": "",
        "context": Text(
            "Créer du lien, favoriser les rencontres", "Valoriser les initiatives.", 14
        ),
        "territory_scope": "Une commune",
        "publics": ["Tous publics"],
        "partners": [
            "Association locale",
            "Caf",
            "Commune",
            "Conseil départemental",
            "Etat",
            "Europe",
        ],
        "description": Text(
            "Le projet et l’espace révèle une dynamique de mobilisation des habitants.",
            "en complémentarité des circuits et dispositifs classiques.",
            25,
        ),
        "resources": "EN CONSTRUCTION\n"
        "Nous projetons un investissement (matériel et structurel) : 100000 €\n"
        "En fonctionnement : 50000 €",
        "people": Text(
            "Les professionnels. Temps de travail sur l’action\nÉmilie : 0,4 ETP",
            "Dany : 3H/semaine (0,1 ETP)",
            21,
        ),
        "results_territory": "Travailler à améliorer les conditions de vie\n"
        "Lutter contre la pauvreté",
        "results_centre": "Développement de l'action innovation sociale\n"
        "Prises d'initiatives et de responsabilités des habitants\n"
        "Générer une économie pour le projet",
        "results_inhabitants": "Responsabilités\nSujets de leur histoire et de leur quotidien",
        "limits": "Les moyens qui seront dégagés ou pas",
        "perspectives": "Création d'emplois",
    },
    {
        "title": "Relais info-service",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Accompagnement de projets",
        "keywords": ["Emploi, économie"],
        "summary": Text(
            "« Le relais info service » est un lieu d’information",
            "les éducateurs, les élus locaux…",
            3,
        ),
        "organizer": "CENTRE SOCIOCULTUREL",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social"],
        "initiative_precision": "",
        "context": Text(
            "Grâce au travail fait au quotidien auprès des habitants",
            "une forte demande de leur part à tous les niveaux.",
            12,
        ),
        "territory_scope": "Une commune",
        "publics": ["Tous publics"],
        "partners": ["Préfecture"],
        "description": Text(
            "L’accompagnement social (médiation vers l’insertion à l’emploi)",
            "personnes en situation d’illettrisme, l’âge, filles, garçons).",
            3,
        ),
        "resources": "52 800 euros",
        "people": "2 ETP",
        "results_territory": Text(
            "Il est important de préciser que le but de nos actions de prévention",
            "en cohérence avec les besoins du territoire.",
            1,
        ),
        "results_centre": Text(
            "Certains habitants ont rencontré auparavant des échecs",
            "leurs besoins et attentes :\n- Avoir un lieu de repère\n- Une aide administrative\n"
            "- Une écoute, un conseil, un échange\n- Un accompagnement dans certaines démarches "
            "(emploi, formation, santé, logement, création d’entreprise)\n"
            "- Informer ou être orienter vers les partenaires\n"
            "- Des activités diverses-Suivi individualisé et renforcé",
            8,
        ),
        "results_inhabitants": "",
        "limits": "",
        "perspectives": "",
    },
    {
        "title": "AUTODEFENSE FEMINISTE - STAGES",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Citoyenneté",
        "keywords": ["Solidarité", "Précarité", "Intégration", "discriminations"],
        "summary": Text(
            "L’autodéfense féministe permet aux participantes",
            "notamment par l'association belge GARANCE.",
            4,
        ),
        "organizer": "LE NAUTILUS - CENTRE SOCIO-CULTUREL",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social"],
        "initiative_precision": "",
        "context": Text(
            "Cette action a été menée dans le cadre d'un plan d'action",
            "l'égalité entre les femmes et les hommes.",
            2,
        ),
        "territory_scope": "Une commune",
        "publics": ["Tous publics"],
        "partners": ["ACSE", "Commune", "Etat"],
        "description": Text(
            "Le Nautilus a fait appel à une association parisienne Loreleï",
            "Des stage de perfectionnement d'une demi journée sont également proposés.",
            2,
        ),
        "resources": "4*2 jours de stage\nPrestation : 6000€ (env.)\nHébergement : 720€ (env.)\n"
        "Alimentation convivialité : 250€ (env.)",
        "people": "164 depuis le début de l'année 2018.",
        "results_territory": Text(
            "Démarche innovante et prise de conscience",
            "entre les femmes et les hommes dans la vie locale.",
            1,
        ),
        "results_centre": Text(
            "Nouvelle offre de service.", "comme un espace ressource pour les femmes.", 1
        ),
        "results_inhabitants": Text(
            "Les retours des participantes font état :\n- de démarches entreprises pour sortir "
            "de situations de violences conjugales.",
            "- d'une prise de conscience liée à la question de l'Egalité entre les femmes et "
            "les hommes",
            5,
        ),
        "limits": Text(
            "Le nombre de personnes formées reste limité.",
            "(confusion qui est parfois alimentée par reflèxe antiféministe).",
            1,
        ),
        "perspectives": "Cette action tend aujourd'hui a être élargie aux adolescente.\n"
        "L'audience de ces stage doit être développée.",
    },
    {
        "title": "Bourse Actions Familles",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Accompagnement de projets",
        "keywords": ["Parentalité"],
        # The label « Structure organisatrice » is glued to the end of the last line.
        "summary": Text(
            "Cette action vise à favoriser la participation active des familles",
            "organise une présentation des projets en comité d’usagers,",
            7,
        ),
        "organizer": "Centre Social Marlborough - CENTRE SOCIAL ECLATE",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social", "Un groupe d'habitants"],
        "initiative_precision": "",
        "context": "Le résultat attendu pour ce projet est la participation active des familles "
        "à la bourse famille,\nFaire d’une idée individuelle un projet collectif,\n"
        "La reproduction des activités collectives intra familiale",
        "territory_scope": "Un quartier",
        "publics": ["familles"],
        "partners": ["Association locale", "Caf", "Commune", "Etat"],
        "description": "Rencontre avec les habitants (3 réunions)\nconstruction du projet\n"
        "Organisation avec les usagers et le jury d'un réglement interieur de fonctionnement\n"
        "Accompagnement des projet des usagers (10 temps de travail)\n"
        "Présentation des projets en jury (2)",
        "resources": "6700€",
        "people": "2 professionnels\n10 bénévoles",
        "results_territory": "",
        "results_centre": "Favoriser la mobilisation des usagers\n"
        "Faciliter les démarches projets pour le secteur famille",
        "results_inhabitants": "Faire d’une idée individuelle un projet collectif,\n"
        "La reproduction des activités collectives intra familiale",
        "limits": "",
        "perspectives": "Continuer cette action",
    },
    {
        "title": "Mise en place séjour au ski interquartier",
        "status": "Terminée",
        "end_reason": "L'action s'est déroulée dans sa mise en place d'octobre 2017 à janvier "
        "2018. Dans sa concrétisation, elle s'est déroulée du 10 au 17/02/2018",
        "dimension": "Accompagnement de projets",
        "keywords": ["mobilité / transport", "vacances / loisirs", "Mixité sociale"],
        "summary": "Mise en place avec les équipes jeunesse des 2 autres centre sociaux du "
        "territoire d'un séjour au ski durant les vacances de février. Ce séjour a été "
        "intégralement préparé par les jeunes, du choix de la destination au financement du "
        "projet.",
        "organizer": "MAISON DE QUARTIER CENTRE- CENTRE SOCIAL ECLATE",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social"],
        "initiative_precision": "",
        "context": Text(
            "Cette action correspond à un enjeux important de notre diagnostic",
            "pour agir sur les représentations sociales des habitants",
            1,
        ),
        "territory_scope": "Plusieurs quartiers",
        "publics": ["Jeunesse"],
        "partners": ["ANCV", "Caf"],
        "description": Text(
            "Les équipes jeunesse des 3 centres sociaux ont souhaité travaillé",
            "le séjour qui s'est déroulé du 10 au 17 février 2018",
            1,
        ),
        "resources": "Coût du séjour : 21 280.00€\nAutofinancement : 4 500€\n"
        "Participation des familles : 6 000€\nCAF : 6 700€\nVille : 4 080€",
        "people": "Pour le centre social centre - 3 animateurs du centre et 24 jeunes\n"
        "Pour le centre social Marlborough - 2 animateurs et 12 jeunes\n"
        "Pour le centre social d'Ostrohove : 2 animateur et 12 jeunes",
        "results_territory": Text(
            "Très positif de voir des jeunes de 3 quartiers différents",
            "qui les voient s'engager dans un projet.",
            2,
        ),
        "results_centre": Text(
            "Le projet répond très favorablement au projet social du centre.\n",
            "au profit d'une politique jeunesse commune",
            2,
        ),
        "results_inhabitants": Text(
            "Les jeunes ont fortement apprécié la démarche.",
            "qu'un seul groupe très soudé.",
            1,
        ),
        "limits": Text(
            "Malgré de très bon retour des jeunes",
            "n'aient pas eu envies de réorganiser des rencontres",
            1,
        ),
        "perspectives": "A ce jour, il n'y a pas de projet interquartier prévu.",
    },
    {
        "title": "Halte répit",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Citoyenneté",
        "keywords": ["Viellissement"],
        # 28 lines in the file, of which 8 lone « - » joined to the line after them, 1 dropped.
        "summary": Text(
            "Le projet consiste en la mise en place d’une halte répit",
            "- Etablir une évaluation annuelle du dispositif local « Halte-Répit ».",
            19,
        ),
        "organizer": "Maison pour Tous",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Un ou plusieurs partenaire(s)"],
        "initiative_precision": "EHPAD de la Commune",
        "context": Text(
            "- La rupture de l’isolement du couple aidé/ aidant",
            "- L’accompagnement de la famille dans les possibilités des dispositifs post halte "
            "répit (accueil de jour, SAVS, Service d’accueil temporaire…)",
            4,
        ),
        "territory_scope": "Plusieurs communes",
        "publics": ["Seniors"],
        "partners": ["Association locale", "Conseil départemental", "Autre"],
        "description": "commencement de l'action en mars 2016.",
        "resources": "14 800 euros\n- 542 euros: participation des usagers\n"
        "- 4 000 euros: Conseil Départemental\n- 10 258 euros: la commune",
        "people": "- 1 salrié de la Mpt\n- 6 bénévoles\n- le partenariat de l'EHPAD-> psychologue",
        "results_territory": "- prise en compte des plus fragile\n- (re)création du lien social",
        "results_centre": "- aller là o personne de va et/ou ne peut aller\n"
        "- trouver des solution en construction avecles forces vives du territoire",
        "results_inhabitants": "- mieux être\n"
        "- sentiement de servire à quelque chose (retour à ldignité humaine)",
        "limits": "toujours en cours",
        "perspectives": "ouverture à la Communauté de Commune pour un accompagnement financier "
        "et plus global de la démarche",
    },
    {
        "title": '"LIENS à la MAISON"',
        "status": "En cours",
        "end_reason": "",
        "dimension": "Services",
        "keywords": ["intergénérationnel", "Solidarité", "Viellissement"],
        "summary": "",
        "organizer": "MJEP Maison de la Jeunesse et de l'Education Populaire",
        "organizer_department": "Pas-de-Calais",
        "initiators": [],
        "initiative_precision": "",
        "context": "",
        "territory_scope": "",
        "publics": [],
        "partners": [],
        "description": "",
        "resources": "",
        "people": "",
        "results_territory": "",
        "results_centre": "",
        "results_inhabitants": "",
        "limits": "",
        "perspectives": "",
    },
    {
        "title": "Accès au numérique",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Services",
        "keywords": ["Démocratie & citoyenneté", "Emploi, économie", "Santé"],
        "summary": "Faciliter l'accès au numérique pour tous",
        "organizer": "CENTRE SOCIOCULTUREL INTERCOMMUNAL",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social", "Un ou plusieurs partenaire(s)"],
        "initiative_precision": "MSA - CCHPM",
        "context": "De plus en plus d'habitants sont inquiets pour effectuer leur démarche "
        "administrative dans le cadre de la dématérialisation\nA l'inverse des parents "
        "s'inquiétent de l'usage à bon escient des outils informatiques par leurs enfants",
        "territory_scope": "Plusieurs communes",
        "publics": ["Tous publics"],
        "partners": ["Caf", "Conseil départemental", "MSA", "Regroupement de communes"],
        "description": Text(
            "4 groupes de travail avec MSA CCHPM-CAF-CD",
            "-la mise en place de nouveaux créneaux hebdomadaires d'ateliers informatiques",
            4,
        ),
        "resources": "Dépenses de matériel informqtique : 8 000 € - salaire animateur : 9 000 €\n"
        "Recettes : participation des usagers : 300 € - Participation MSA et CCHPM 16 700 €",
        "people": "Animatrice CSCI + Chargée d'accueil\nServivce civique\nles partenaires",
        "results_territory": "Prendre conscience des inquiétudes des habitants\n"
        "Rappeler la fracture numérique notamment les zones blanches",
        "results_centre": Text(
            "Développement et renforcement du partenariat",
            "Insertion des plus fragiles avec l'aide des partenaires et des travailleurs sociaux",
            4,
        ),
        "results_inhabitants": Text(
            "Accès facilité au numérique",
            "Sensibiliser les plus jeunes au bon usage du numérique",
            3,
        ),
        "limits": "Manque de moyens humains pour accompagner les demandes des habitants "
        "qu'elles soient individuelles ou collectives\n"
        "Souhait de délocaliser mais difficile sans moyens humains",
        "perspectives": Text(
            "Développer et renforcer le partenariat : associations locales, écoles, collège",
            "Mettre en place des temps avec des intervenants par thématique : impôts...",
            6,
        ),
    },
    {
        "title": "Espace Ressources jeunes (ERJ)",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Citoyenneté",
        "keywords": ["éducation / scolarité", "Démocratie & citoyenneté", "vacances / loisirs"],
        "summary": Text(
            'L\'Espace Ressources Jeunesse est un lieu ouvert chaque jour sous forme de "mode"\n',
            "selon les demandes des jeunes.",
            4,
        ),
        "organizer": "CENTRE SOCIAL MULTI SITES BERCK-SUR-MER",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social"],
        "initiative_precision": "",
        "context": Text(
            "Cette action a été mise en place suite au diagnostic partagé du centre Social.",
            "il n'y a pas de réelle coordination de l'ensemble.",
            2,
        ),
        "territory_scope": "Une commune",
        "publics": ["Jeunesse"],
        "partners": [
            "Éducation Nationale",
            "Association locale",
            "Bailleur social",
            "Caf",
            "Commune",
            "Conseil départemental",
            "CPAM",
            "DDCS",
        ],
        "description": Text(
            "L'action a débuté en janvier 2018", "la création d'un Comité de pilotage", 2
        ),
        "resources": "Le budget de l'action est de 65 000 € annuels en fonctionnement",
        "people": "5 animateurs du centre Social sont mobilisé sur cette action\n"
        "une trentaine de partenaires sont associés",
        "results_territory": Text(
            "Le réseau se structure, les partenaires s'associent",
            "la mobilisation des jeunes progresse bien.",
            2,
        ),
        "results_centre": Text(
            "Le centre Social grâce à cette action a pu s'investir autrement",
            "sur des domaines diféfrents.",
            2,
        ),
        "results_inhabitants": Text(
            "La jeunes et les familles des jeunes peuvent désormais être entendus.",
            "la parole des jeunes était peu ou pas entendue.",
            2,
        ),
        "limits": Text("L'action n'a pas vocation à s'arréter", "qui fera sont avenir.", 2),
        "perspectives": "Un rythme de croisière devrait être pris en 2019 et se poursuivre.\n"
        "Véritable labaratoire à l'écoute des jeunes, cette action se poursuivra à leurs "
        "initiatives.",
    },
    {
        "title": "UN ÉTÉ EN FAMILLES",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Accompagnement de projets",
        "keywords": [
            "intergénérationnel",
            "Parentalité",
            "Solidarité",
            "Culture",
            "Démocratie & citoyenneté",
            "mobilité / transport",
            "vacances / loisirs",
            "discriminations",
            "Mixité sociale",
        ],
        "summary": Text(
            "Chaque été, le centre jacques brel se mobilise",
            "on en profite pour aborder l'équilibre alimentaire...",
            5,
        ),
        "organizer": "CENTRE SOCIAL JACQUES BREL",
        "organizer_department": "Pas-de-Calais",
        "initiators": [],
        "initiative_precision": "",
        "context": Text(
            "Parce que de nombreux parents restent enfermés chez eux l'été",
            "d'accompagner les initiatives des habitants.",
            2,
        ),
        "territory_scope": "Une commune",
        "publics": ["familles"],
        "partners": [
            "ACSE",
            "Association locale",
            "Bailleur social",
            "Caf",
            "Commune",
            "Conseil départemental",
        ],
        "description": Text(
            "par l'équipe du centre et sa référente familles",
            "participe à l'organisation des activités, sorties, rencontres, séjour, etc....",
            1,
        ),
        "resources": "25000€ (prestations de services, transports, alimentation, hébergement, "
        "communication, salaires accompagnants, ...)",
        "people": "Le centre et son équipe (11 personnes) et surtout la référente familles qui "
        "coordonne le projet",
        "results_territory": Text(
            'Les familles sont ravis :"je me suis senti en vacances',
            "ce que le CAJ met en place pour les ados.",
            2,
        ),
        "results_centre": "Le Centre est reconnu comme étant l'acteur principal des actions, "
        "projets et activités qui sont mises en place pour notre public prioritaire à savoir : "
        "LES FAMILLES.",
        "results_inhabitants": Text(
            "Des habitants/des Familles qui restaient cantonnés",
            "dans le domaine de la parentalité",
            1,
        ),
        "limits": Text(
            "Le Centre doit pouvoir trouver des moyens (humains, financiers)",
            "chaque chose en son temps",
            2,
        ),
        "perspectives": Text(
            "Confier à chaque famille l'organisation d'un loisirs",
            "mais également du groupe de familles",
            1,
        ),
    },
    {
        "title": "Table Ronde Inter Religions",
        "status": "Terminée",
        "end_reason": "action ponctuelle",
        "dimension": "",
        "keywords": [
            "éducation / scolarité",
            "Culture",
            "Démocratie & citoyenneté",
            "discriminations",
            "Mixité sociale",
        ],
        "summary": Text(
            "Le Centre met en place depuis 2015 des actions sur le thème de la Laïcité",
            "(juive, catholique, protestante et musulmane).",
            2,
        ),
        "organizer": "CENTRE SOCIAL JACQUES BREL",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social"],
        "initiative_precision": "",
        "context": Text(
            "POur lutter contre les fantasmes et permettre de créer un dialogue.\n",
            "ont souhaité que soit renouvelée cette initiative.",
            2,
        ),
        "territory_scope": "Plusieurs communes",
        "publics": ["Tous publics"],
        "partners": ["ACSE", "Association locale", "Association nationale", "Commune"],
        "description": Text(
            "Nous avons rencontré chaque représentant de chaque religion",
            "et donne sa définition de la Laïcité.",
            1,
        ),
        "resources": "1500€",
        "people": "les bénévoles du conseil citoyen, un animateur multimédia, un metteur en "
        "scène, un journaliste professionnel de la radio, un référent mixité du centre social "
        "et 4 représentants de religion.",
        "results_territory": Text(
            "Le Centre a été salué unanimement pour cette initiative",
            "mais aussi contre la radicalisation.",
            1,
        ),
        "results_centre": Text(
            "Le Centre est reconnu maintenant comme un acteur engagée",
            "animer un débat sur la Laïcité.",
            1,
        ),
        "results_inhabitants": Text(
            "Les Habitants sont venus nombreux à la table ronde (+ de 90 personnes).",
            "le Front National obtient le plus de voix...",
            1,
        ),
        "limits": Text(
            "Il est nécessaire de bien faire comprendre axu défenseurs de la laïcité",
            "pour ne pas stigmatiser.",
            1,
        ),
        # No FICHIERS ASSOCIES section: the next sheet's heading ends this field.
        "perspectives": "Le Centre organisera encore des débats sur le thème de la Laïcité comme "
        "par exemple en 2018 avec la venue de Patrick KESSEL qui est venue défendre la Loi 1905.",
    },
    {
        "title": "Séjour Parisien du Conseil Citoyen",
        "status": "Terminée",
        "end_reason": "action ponctuelle",
        "dimension": "Citoyenneté",
        "keywords": ["Entrepreneuriat social"],
        "summary": "",
        "organizer": "CENTRE SOCIAL JACQUES BREL",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Un groupe d'habitants"],
        "initiative_precision": "le conseil citoyen",
        "context": "souhait du conseil citoyen d'aller voir ailleurs ce qui s'est passé dans le "
        "cadre d'un projet de rénovation urbaine",
        "territory_scope": "Plusieurs communes",
        "publics": [],
        "partners": [],
        "description": Text(
            "c'est d'abord le conseil citoyen qui voulait voir concretement",
            "gère le budget, ...",
            1,
        ),
        "resources": "2500€",
        "people": "6 participants, 20 membres du conseil citoyen concernés",
        "results_territory": Text(
            "reconnaissance du conseil citoyen, création d'une exposition",
            "à d'autres projets dans d'autres lieux.",
            1,
        ),
        "results_centre": "reconnu pour son accompagnement du conseil citoyen, entres autres...",
        "results_inhabitants": "meilleure connaissance d'un projet de rénovation urbaine",
        "limits": Text(
            "il n'est pas simple de mobiliser les habitants", "sans espoir de retour...)", 1
        ),
        "perspectives": "cela a donné envie aux autres conseils citoyens du boulonnais(certains) "
        "de participer à un éventuel prochain séjour citoyen (Roubaix, Marseille?...)",
    },
    {
        "title": "le défi de l'insertion sociale des bénéficiaire RSA",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Accompagnement de projets",
        "keywords": ["Emploi, économie", "Intégration"],
        "summary": "Accompagner des personnes éloignées de l'emploi, bénéficiaires RSA. Les "
        "participants seront amenés à particper à des actions d'insertion sociales comme le "
        "bricolage, jardinage, cuisine, informatique, bien-être pour les remobiliser à l'emploi.",
        "organizer": "CENTRE SOCIOCULTUREL AUDREY BARTIER",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social", "Autre"],
        "initiative_precision": "",
        "context": Text(
            "Malgré les dispositifs existants",
            "voilà les principaux objectifs de cette action.",
            1,
        ),
        "territory_scope": "Plusieurs communes",
        "publics": ["Adultes"],
        "partners": ["Conseil départemental", "Europe", "Autre"],
        "description": Text(
            "Les bénéficiaires de cette action sont orientée par les référents RSA",
            "Des temps d'immersion sont proposés.",
            1,
        ),
        "resources": "20 000€",
        "people": "6 salariés",
        "results_territory": Text(
            "reconnaissance des partenaires sur le savoir-faire",
            "les associations liées à l'emploi",
            1,
        ),
        "results_centre": "meilleur accompagnement des personnes éloignées de l'emploi avec des "
        "moyens humains et financiers",
        "results_inhabitants": Text(
            "Meilleure image de soi",
            "Meilleurses connaissances des instances (accés aux soins)",
            1,
        ),
        "limits": "lier aux financements département et FSE",
        "perspectives": "Péreniser l'action pour une meilleure prise en charge du public : "
        "actions insertion sociale et professionnelle",
    },
    {
        "title": "Insertion sociale et professionnelle",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Citoyenneté",
        "keywords": ["Emploi, économie"],
        "summary": Text(
            "Accompagnement de personnes éloignées de l'emploi ou désinsérées.\n",
            "(diplômes diversjusqu'au niveau BPJEPS)",
            5,
        ),
        "organizer": "CENTRE SOCIAL ESPACE FORT",
        "organizer_department": "Pas-de-Calais",
        "initiators": ["Le centre social"],
        "initiative_precision": "",
        "context": "Pour répondre au problème de l'exclusion sociale et professionnelle.\n"
        "Mise en place de perspectives personnelles pour les personnes suivies et mise en "
        "place d'un \"cercle vertueux\" pour d'autres (vertu de l'exemple) : dynamique "
        "encourageante, permettant des modifications de comportements..",
        "territory_scope": "Un quartier",
        "publics": ["Adultes"],
        "partners": ["Autre"],
        "description": "En lien avec Pôle emploi et Mission Locale.\n"
        "Contacts permanent avec les référents de ces institutions.\n"
        "Ciblage des personnes.\n"
        "Suivi en temps réel, accompagnement, entrée en formation, évaluations",
        "resources": "Le coût des salaires (SMIC, subventionné) + coût de formation "
        "(Uniformation ou parfois fonds propres du centre esocial",
        "people": "Pôle Emploi, Mission Locale, un professionnel du Centre social, (tuteur), le "
        "directeur, l'organisme de formation.",
        "results_territory": Text(
            "Mise en mouvement de plusieurs personnes vers l'insertion sociale et professionnelle",
            "envie de s'impliquer.",
            1,
        ),
        "results_centre": "Légimité du CS. Le CS comme lieu de promotion individuelle et "
        "collective. Dynamique d'implication.",
        "results_inhabitants": "Mieux être te perspectives d'un devenir possiblement positif.",
        "limits": "Le nombre limité des personnes touchées au regard des besoins.",
        "perspectives": "Continuer et élargir l'action dans la mesure de nos moyens.",
    },
]


def _mismatches(record: dict, expected: dict) -> list[str]:
    """Every field of `record` that differs from `expected`, described."""
    problems = []
    for key in FIELDS:
        value, want = record[key], expected[key]
        if isinstance(want, Text):
            lines = value.split("\n")
            if not (
                value.startswith(want.start)
                and value.endswith(want.end)
                and len(lines) == want.lines
            ):
                problems.append(f"{key}: {len(lines)} lines, {value[:60]!r} … {value[-60:]!r}")
        elif value != want:
            problems.append(f"{key}: {value!r} != {want!r}")
    return problems


def test_fifteen_sheets_with_their_titles_in_order(records):
    assert [record["title"] for record in records] == TITLES


def test_expected_values_name_every_field():
    assert len(EXPECTED) == 15
    for expected in EXPECTED:
        assert list(expected) == list(FIELDS)


@pytest.mark.parametrize("index", range(15), ids=[f"{i + 1:02}" for i in range(15)])
def test_sheet_field_by_field(records, index):
    record, expected = records[index], EXPECTED[index]
    assert record["title"] == TITLES[index]
    assert _mismatches(record, expected) == []


def test_every_record_has_exactly_the_22_keys_in_order(records):
    assert len(FIELDS) == 22
    for record in records:
        assert list(record) == list(FIELDS)
        for key in ("keywords", "initiators", "publics", "partners"):
            assert isinstance(record[key], list)
        for key in set(FIELDS) - {"keywords", "initiators", "publics", "partners"}:
            assert isinstance(record[key], str) and record[key] == record[key].strip()


def test_lone_dashes_become_the_bullet_of_the_next_line(records):
    halte = records[6]
    lines = halte["summary"].split("\n")
    assert "-" not in lines
    assert "- Recruter les bénévoles susceptibles de répondre favorablement au projet." in lines
    # Lines written « -Les … » in the file are kept as written.
    assert lines[2].startswith("-Les personnes susceptibles de bénéficier de la Halte Répit")
    assert "-" not in halte["context"].split("\n")


def test_nothing_after_fichiers_associes_leaks_into_a_field(records):
    for record in records:
        for key in FIELDS:
            value = record[key]
            text = "\n".join(value) if isinstance(value, list) else value
            assert "FICHIERS ASSOCIES" not in text
            assert "AUTO-EVALUATION" not in text
            assert "Fichier(s)" not in text
            assert "Partenaires d'action" not in text


# ----------------------------------------------------------------------------- synthetic sheets


def sheet(title: str = "Atelier", body: str = "") -> str:
    """A minimal well-formed sheet, `body` placed after the status."""
    return (
        f'Actions "{title}"\n'
        "DESCRIPTION DE L'ACTION\n"
        "- Statut de l'action\n"
        "- En cours\n"
        f"{body}"
        "FICHIERS ASSOCIES\n"
        "- Fichier(s) associé(s)\n"
    )


FULL_BODY = """- Dimension
- Citoyenneté
- Mots clés associés à l'action
-
- Solidarité
- Résumé
Un résumé
sur deux lignes.
- Structure organisatrice
- CENTRE SOCIAL - VILLE - Nord
RAISON D'ETRE DE L' ACTION
- Qui est à l'initiative de l'action ?
-
- Le centre social
- Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases.
Le contexte.
- Territoire concerné
- Un quartier
METHODOLOGIE DE L' ACTION
- Public
- Jeunesse
- Avec qui cette action a-t-elle été menée ?
-
Partenaires d'action:
- Caf
- Territoire concerné
- Un quartier
- Description générale
La description.
- Ressources financières mobilisées pour cette action
1000 €
- Nombre de personnes mobilisés pour cette action
2 ETP
AUTO-EVALUATION DE L’ACTION
- Résultat sur le territoire
R1
- Résultat pour le centre social
R2
- Résultat pour les habitants
R3
- Suite de l'action : Limites
L
- Suite de l'action : Perspectives
P
"""


def test_synthetic_full_sheet():
    [record] = parse_fiches(sheet(body=FULL_BODY))
    assert record == {
        "title": "Atelier",
        "status": "En cours",
        "end_reason": "",
        "dimension": "Citoyenneté",
        "keywords": ["Solidarité"],
        "summary": "Un résumé\nsur deux lignes.",
        "organizer": "CENTRE SOCIAL - VILLE",
        "organizer_department": "Nord",
        "initiators": ["Le centre social"],
        "initiative_precision": "",
        "context": "Le contexte.",
        "territory_scope": "Un quartier",
        "publics": ["Jeunesse"],
        "partners": ["Caf"],
        "description": "La description.",
        "resources": "1000 €",
        "people": "2 ETP",
        "results_territory": "R1",
        "results_centre": "R2",
        "results_inhabitants": "R3",
        "limits": "L",
        "perspectives": "P",
    }
    assert list(record) == list(FIELDS)


def test_empty_field_followed_by_the_next_label():
    body = "- Résumé\n- Structure organisatrice\n- ASSO - Nord\n- Description générale\n- Public\n"
    [record] = parse_fiches(sheet(body=body))
    assert record["summary"] == ""
    assert record["organizer"] == "ASSO"
    assert record["description"] == ""
    assert record["publics"] == []


def test_missing_optional_fields_and_fields_in_another_order():
    body = (
        "- Public\n- Seniors\n"
        "- Raisons pour lesquelles l'action est terminée\nFin du financement.\n"
        "- Résumé\nCourt.\n"
        "- Dimension\n- Services\n"
    )
    [record] = parse_fiches(sheet(body=body))
    assert record["publics"] == ["Seniors"]
    assert record["end_reason"] == "Fin du financement."
    assert record["summary"] == "Court."
    assert record["dimension"] == "Services"
    assert record["organizer"] == record["organizer_department"] == ""
    assert record["keywords"] == record["partners"] == []
    assert list(record) == list(FIELDS)


def test_label_glued_to_the_end_of_a_text_line():
    body = (
        "- Résumé\nDébut du résumé\nla fin de la phrase.- Description générale\n"
        "La description.\n"
        "- Suite de l'action : Limites\ntexte libre- Public\n- Jeunesse\n"
        "- Suite de l'action : Perspectives\nUn spectacle tout-public\n"
    )
    [record] = parse_fiches(sheet(body=body))
    assert record["summary"] == "Début du résumé\nla fin de la phrase."
    assert record["description"] == "La description."
    assert record["limits"] == "texte libre"
    assert record["publics"] == ["Jeunesse"]
    # A dash inside a word is no label: « tout-public » stays text.
    assert record["perspectives"] == "Un spectacle tout-public"


def test_lines_beginning_with_actions_inside_a_field_do_not_start_a_sheet():
    body = (
        "- Description générale\n"
        "Actions menées : ateliers et sorties.\n"
        'Actions "Été jeunes" réalisées avec la ville.\n'
        'Actions "Noël solidaire"\n'
        "puis un bilan.\n"
        "- Suite de l'action : Perspectives\n"
        'Actions "Printemps"\n'
        "- Suite de l'action : Limites\n"
        "Aucune.\n"
    )
    records = parse_fiches(sheet("Premier", body) + sheet("Second"))
    assert [record["title"] for record in records] == ["Premier", "Second"]
    assert records[0]["description"] == (
        "Actions menées : ateliers et sorties.\n"
        'Actions "Été jeunes" réalisées avec la ville.\n'
        'Actions "Noël solidaire"\n'
        "puis un bilan."
    )
    assert records[0]["perspectives"] == 'Actions "Printemps"'
    assert records[0]["limits"] == "Aucune."


def test_a_heading_is_recognised_without_the_section_line():
    text = 'Actions "Sans section"\n- Statut de l\'action\n- Terminée\n- Dimension\n- Services\n'
    [record] = parse_fiches(text)
    assert (record["title"], record["status"], record["dimension"]) == (
        "Sans section",
        "Terminée",
        "Services",
    )


def test_repeated_label_keeps_the_first_non_empty_value():
    body = (
        "- Territoire concerné\n"
        "- Territoire concerné\n- Une commune\n"
        "- Territoire concerné\n- Plusieurs communes\n"
        "- Avec qui cette action a-t-elle été menée ?\n-\n"
        "Partenaires d'action:\n- Caf\n- Commune\n"
        "- Avec qui cette action a-t-elle été menée ?\n- Etat\n"
    )
    [record] = parse_fiches(sheet(body=body))
    assert record["territory_scope"] == "Une commune"
    assert record["partners"] == ["Caf", "Commune"]


def test_windows_line_endings_give_the_same_records():
    text = sheet("Un", FULL_BODY) + sheet("Deux", "- Résumé\nLigne 1\n\nLigne 3\n")
    records = parse_fiches(text.replace("\n", "\r\n"))
    assert records == parse_fiches(text)
    assert records[1]["summary"] == "Ligne 1\n\nLigne 3"
    assert "\r" not in to_json(records)


def test_trailing_sheet_without_final_newline():
    text = sheet("Un") + 'Actions "Deux"\nDESCRIPTION DE L\'ACTION\n- Résumé\nDernière ligne'
    records = parse_fiches(text)
    assert [record["title"] for record in records] == ["Un", "Deux"]
    assert records[1]["summary"] == "Dernière ligne"


def test_titles_with_inner_quotes():
    records = parse_fiches(
        sheet('"LIENS à la MAISON"') + sheet('Le "café" des parents') + sheet("  Espacé  ")
    )
    assert [record["title"] for record in records] == [
        '"LIENS à la MAISON"',
        'Le "café" des parents',
        "Espacé",
    ]


def test_labels_match_across_case_accents_apostrophes_and_spacing():
    body = (
        "- STATUT DE L’ACTION\n- Terminée\n"
        "- Qui est a l’initiative de l’action?\n- Autre\n"
        "- Precision (si autre)\nLa mairie\n"
        "- suite de l'action: limites\nPeu de moyens\n"
        "- Nombre de personnes mobilisées pour cette action\n3\n"
    )
    [record] = parse_fiches(sheet(body=body))
    assert record["status"] == "En cours"  # the first non-empty status wins
    assert record["initiators"] == ["Autre"]
    assert record["initiative_precision"] == "La mairie"
    assert record["limits"] == "Peu de moyens"
    assert record["people"] == "3"


def test_a_capital_line_that_is_no_section_stays_in_the_field():
    body = "- Ressources financières mobilisées pour cette action\nEN CONSTRUCTION\n1000 €\n"
    [record] = parse_fiches(sheet(body=body))
    assert record["resources"] == "EN CONSTRUCTION\n1000 €"


def test_organizer_without_department():
    body = "- Structure organisatrice\n- CENTRE SOCIAL DU PONT\n"
    [record] = parse_fiches(sheet(body=body))
    assert (record["organizer"], record["organizer_department"]) == ("CENTRE SOCIAL DU PONT", "")


def test_preamble_before_the_first_sheet_is_ignored():
    records = parse_fiches("Les actions des centres sociaux\nExport du 3 mai\n\n" + sheet())
    assert [record["title"] for record in records] == ["Atelier"]


@pytest.mark.parametrize(
    "text",
    ["", "Bonjour,\nceci est une lettre.\n", 'Actions "Orphelin"\nsans rien après\n'],
    ids=["empty", "letter", "heading-not-followed-by-a-sheet"],
)
def test_text_without_any_sheet_is_a_parse_error(text):
    with pytest.raises(ParseError, match=r"Fiche n°1, ligne 1 : aucun titre « Actions"):
        parse_fiches(text)


def test_fields_before_the_first_heading_are_a_parse_error():
    text = "Les actions des centres sociaux\n- Statut de l'action\n- En cours\n" + sheet()
    with pytest.raises(ParseError, match=r"Fiche n°1, ligne 2 : « - Statut de l'action »"):
        parse_fiches(text)


def test_to_json_keeps_accents_and_the_key_order(records):
    text = to_json(records[:2])
    assert "Citoyenneté" in text and "\\u00e9" not in text
    assert text.startswith('[\n  {\n    "title": "ALLEZ LES FILLES",')
    loaded = json.loads(text)
    assert loaded == records[:2]
    assert list(loaded[0]) == list(FIELDS)
