"""Proposing from the field, through the pages as a visitor uses them (Django's client):
a new actor or initiative written pending with its proposal, the receipt mail and its
secret follow page (amending recorded in history), error reports that change nothing,
the référents told, validation in French naming the field, the honeypot, the rate limit,
likely duplicates, and pending entries absent from every public URL."""

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.core import mail
from django.core.cache import cache

from carto.actors.models import Actor, Initiative, Precision, Status
from carto.actors.services import attach_actors
from carto.agenda.models import Event
from carto.agenda.services import save_event
from carto.contributions.models import Proposal, Referent, token_hash
from carto.planning.services import refresh_derived
from carto.srid import WGS84
from carto.territories.codes import search_key
from carto.territories.models import Territory
from tests import test_listed
from tests.agenda.test_propose import form_data as agenda_form_data

pytestmark = pytest.mark.django_db

MARK = "Quiproquo"  # in no demo record
LENS = "50.4329, 2.8319"  # lat, lon: commune 62498, Pas-de-Calais
SEA = "50.75, 1.35"  # the Channel, off Boulogne-sur-Mer
LONDON = "51.5072, -0.1276"
FOLLOW = re.compile(r"/proposer/suivi/([A-Za-z0-9_-]{20,100})/")


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    """The rate limit counts in the cache: each test starts from none."""
    cache.clear()
    yield
    cache.clear()


def referent(username: str, territories: list[str]) -> User:
    user = User.objects.create_user(username, email=f"{username}@example.org")
    Referent.objects.create(user=user, territories=territories)
    return user


@pytest.fixture
def referents():
    """The référents of the Pas-de-Calais (Lens) and of the Nord."""
    return referent("ref62", ["departement:62"]), referent("ref59", ["departement:59"])


def actor_data(**changes) -> dict:
    data = {
        "name": f"{MARK} Maison des habitants", "kind": "centre-social",
        "themes": ["citoyennete", "numerique"], "publics": ["familles"],
        "description": "Un lieu ouvert à tous.\nAteliers, permanences.",
        "address": "1 rue de la Paix", "postcode": "62300", "city": "Lens", "position": LENS,
        "precision": "exact", "opening_hours": "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00",
        "email": "accueil@example.org", "phone": "03 21 00 00 00", "website": "https://example.org",
        "contact_name": "Dominique Contact", "contact_email": "dominique@example.org",
        "contact_phone": "06 00 00 00 00", "contact_consent": "on",
        "proposer_name": "Camille Proposante", "proposer_email": "camille@example.org",
        "reference_dossier": "",
    }  # fmt: skip
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def initiative_data(chosen: Actor | None = None, **changes) -> dict:
    data = {
        "title": f"{MARK} Café des parents", "action_status": "En cours",
        "dimension": "Citoyenneté", "keywords": "parentalité, café, école",
        "themes": ["parentalite"], "publics": ["familles"],
        "summary": "Un café chaque vendredi à la sortie de l’école.",
        "initiators": "Le centre social\nDes parents", "context": "Des parents isolés.",
        "footprint_codes": "commune:62498 epci:246200364", "partners": "Éducation nationale\nCommune",
        "description": "Accueil, échanges.", "resources": "Une animatrice.", "people": "10 bénévoles",
        "results_territory": "Des liens.", "results_centre": "Des familles nouvelles.",
        "results_inhabitants": "Moins d’isolement.", "limits": "Horaires.", "perspectives": "Deux cafés.",
        "links": "https://example.org/temoignage\nhttps://video.example.org/v/1",
        "organizer_choice": "existing", "organizer": chosen.pk if chosen else "",
        "organizer_search": chosen.name if chosen else "",
        "proposer_name": "Camille Proposante", "proposer_email": "camille@example.org",
        "reference_dossier": "",
    }  # fmt: skip
    data.update(changes)
    return data


@pytest.fixture
def lens_actor():
    """A listed actor of Lens (Pas-de-Calais)."""
    return Actor.objects.listed().filter(commune_code="62498").order_by("id").first()


def follow_token(response) -> str:
    assert response.status_code == 302, response.content.decode()[:3000]
    return FOLLOW.fullmatch(response["Location"])[1]


def page(response) -> str:
    return response.content.decode()


# -- proposing an actor -------------------------------------------------------------------


def test_the_form_is_in_french_with_its_fieldsets_and_the_map_picker(client):
    html = page(client.get("/proposer/acteur/"))
    assert '<html lang="fr">' in html
    for legend in ("La structure", "Où la trouver", "Horaires", "Personne contact", "Vous"):
        assert f"<legend>{legend}</legend>" in html
    assert 'for="id_name"' in html and 'id="id_name_helptext"' not in html
    assert 'aria-describedby="id_position_helptext"' in html
    assert "La personne contact accepte que ses coordonnées soient publiées" in html
    assert "data-picker" in html and 'id="propose-config"' in html
    assert "contributions.css" in html and "maxlength" not in html and "{#" not in html
    # The honeypot: hidden from assistive technologies, out of the tab order.
    assert re.search(
        r'<div class="piege" aria-hidden="true">\s*<label for="id_reference_dossier"', html
    )
    assert re.search(r'<input[^>]*name="reference_dossier"[^>]*tabindex="-1"', html)


def test_a_visitor_proposes_an_actor_written_pending_with_its_proposal(client, referents):
    response = client.post("/proposer/acteur/", actor_data())
    token = follow_token(response)
    actor = Actor.objects.get(name=f"{MARK} Maison des habitants")
    assert (actor.status, actor.source, actor.listed) == (Status.PENDING, "contribution", False)
    assert re.fullmatch(r"[0-9a-f]{32}", actor.source_id)
    assert actor.name_key == search_key(actor.name)
    assert (round(actor.location.x, 4), round(actor.location.y, 4)) == (2.8319, 50.4329)
    assert actor.precision == Precision.EXACT and not actor.to_locate
    assert actor.commune_code == "62498" and "departement:62" in actor.territory_codes
    assert actor.themes == ["citoyennete", "numerique"] and actor.publics == ["familles"]
    assert actor.contact_consent and actor.contact_email == "dominique@example.org"
    assert actor.opening_hours == "Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"
    (created,) = actor.history.all()
    assert (created.history_type, created.history_change_reason) == ("+", "proposition")

    proposal = Proposal.objects.get(actor=actor)
    assert proposal.kind == Proposal.Kind.NEW and proposal.state == Proposal.State.PENDING
    assert proposal.token_hash == token_hash(token)
    assert proposal.territory_codes == actor.territory_codes
    assert proposal.actor_kind == "centre-social"
    assert (proposal.proposer_name, proposal.proposer_email) == (
        "Camille Proposante",
        "camille@example.org",
    )

    # The receipt, with the secret link; the référent of the Pas-de-Calais, not the Nord's.
    receipts = [m for m in mail.outbox if m.to == ["camille@example.org"]]
    (receipt,) = receipts
    assert "Votre proposition" in receipt.subject
    assert f"http://127.0.0.1:8000/proposer/suivi/{token}/" in receipt.body
    told = [m for m in mail.outbox if m.to != ["camille@example.org"]]
    assert [m.to for m in told] == [["ref62@example.org"]]
    assert "/moderation/" in told[0].body and MARK in told[0].subject
    assert token not in told[0].body and "camille@example.org" not in told[0].body


def test_the_link_of_the_mail_shows_the_proposal_and_amending_is_recorded(client, settings):
    settings.CARTO_SITE_URL = "https://carto.example.org"
    client.post("/proposer/acteur/", actor_data())
    link = re.search(r"https://carto\.example\.org(/proposer/suivi/\S+/)", mail.outbox[0].body)[1]
    response = client.get(link)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    html = page(response)
    assert f"{MARK} Maison des habitants" in html and "En attente" in html
    assert 'value="50.432900, 2.831900"' in html  # the form, prefilled
    actor = Actor.objects.get(name__startswith=MARK)

    amended = actor_data(name=f"{MARK} Maison des habitants du 12-14", phone="03 21 11 11 11",
                         edit_version=str(actor.version), proposer_name="Camille P.")  # fmt: skip
    response = client.post(link, amended)
    assert response.status_code == 302 and response["Location"] == link
    assert response["Referrer-Policy"] == "same-origin"
    actor.refresh_from_db()
    assert actor.name == f"{MARK} Maison des habitants du 12-14" and actor.phone == "03 21 11 11 11"
    assert actor.name_key == search_key(actor.name) and actor.version == 2
    assert actor.status == Status.PENDING
    latest = actor.history.order_by("-history_id").first()
    assert latest.history_change_reason == "modification par le proposant"
    assert latest.name == actor.name
    assert Proposal.objects.get(actor=actor).proposer_name == "Camille P."
    assert "Vos modifications sont enregistrées" in page(client.get(link))

    # Amending from the version first opened, after that change, is refused, nothing lost.
    stale = client.post(link, actor_data(name=f"{MARK} Autre nom", edit_version="1"))
    assert stale.status_code == 200 and "modifié entre-temps" in page(stale)
    assert f"{MARK} Autre nom" in page(stale)
    actor.refresh_from_db()
    assert actor.name == f"{MARK} Maison des habitants du 12-14"


def test_a_point_where_no_commune_is_loaded_reaches_the_referents_of_its_postcode(client):
    """Toulouse: inside the loaded outline of Occitanie, but none of its communes is loaded."""
    data = actor_data(position="43.6045, 1.4440", postcode="31000", city="Toulouse")
    token = follow_token(client.post("/proposer/acteur/", data))
    proposal = Proposal.objects.get(token_hash=token_hash(token))
    assert proposal.actor.commune_code == "" and "departement:31" in proposal.territory_codes
    # Moved into Lens by its proposer: attached where it now stands.
    data.update(position=LENS, postcode="62300", city="Lens", edit_version="1")
    assert client.post(f"/proposer/suivi/{token}/", data).status_code == 302
    proposal.refresh_from_db()
    assert proposal.actor.commune_code == "62498"
    assert "departement:62" in proposal.territory_codes
    assert "departement:31" not in proposal.territory_codes


@pytest.mark.parametrize("token", ["abc", "x" * 43, "../../etc", uuid.uuid4().hex * 2])
def test_an_unknown_or_garbled_token_is_a_404(client, token):
    assert client.get(f"/proposer/suivi/{token}/").status_code == 404


def test_a_decided_proposal_is_shown_but_no_longer_amended(client):
    token = follow_token(client.post("/proposer/acteur/", actor_data(proposer_email="")))
    assert mail.outbox == []  # no address, no receipt (and no référent here)
    proposal = Proposal.objects.get(token_hash=token_hash(token))
    proposal.decide(Proposal.State.REFUSED, None, "Structure fermée.")
    proposal.save()
    html = page(client.get(f"/proposer/suivi/{token}/"))
    assert "Refusée" in html and "Structure fermée." in html and "<form" not in html
    response = client.post(f"/proposer/suivi/{token}/", actor_data(name=f"{MARK} Changé"))
    assert response.status_code == 302
    assert not Actor.objects.filter(name=f"{MARK} Changé").exists()


# -- proposing an initiative --------------------------------------------------------------


def test_an_initiative_with_a_listed_organiser(client, lens_actor, referents):
    token = follow_token(client.post("/proposer/initiative/", initiative_data(lens_actor)))
    initiative = Initiative.objects.get(title=f"{MARK} Café des parents")
    assert (initiative.status, initiative.source, initiative.listed) == (
        "pending",
        "contribution",
        False,
    )
    assert initiative.organizer == lens_actor
    assert initiative.keywords == ["parentalité", "café", "école"]
    assert initiative.initiators == ["Le centre social", "Des parents"]
    assert initiative.footprint_codes == ["commune:62498", "epci:246200364"]
    assert {"commune:62498", "epci:246200364", "departement:62"} <= set(initiative.territory_codes)
    assert initiative.url == "https://example.org/temoignage"
    assert initiative.history.get().history_change_reason == "proposition"
    proposal = Proposal.objects.get(token_hash=token_hash(token))
    assert proposal.initiative == initiative and proposal.actor_kind == lens_actor.kind_id
    assert proposal.changes == {
        "links": ["https://example.org/temoignage", "https://video.example.org/v/1"]
    }
    assert proposal.territory_codes == initiative.territory_codes
    assert sorted(m.to[0] for m in mail.outbox) == ["camille@example.org", "ref62@example.org"]
    # The follow page shows it, and amends it.
    link = f"/proposer/suivi/{token}/"
    assert f"{MARK} Café des parents" in page(client.get(link))
    amended = initiative_data(lens_actor, title=f"{MARK} Café des familles", links="",
                              edit_version=str(initiative.version))  # fmt: skip
    assert client.post(link, amended).status_code == 302
    initiative.refresh_from_db()
    assert initiative.title == f"{MARK} Café des familles" and initiative.url == ""
    assert (
        initiative.history.order_by("-history_id").first().history_change_reason
        == "modification par le proposant"
    )


def test_an_initiative_with_a_new_organiser_creates_it_pending_too(client):
    data = initiative_data(
        organizer_choice="new", organizer_name=f"{MARK} Collectif des Cités",
        organizer_kind="association", organizer_commune="Liévin (62)", footprint_codes="",
    )  # fmt: skip
    token = follow_token(client.post("/proposer/initiative/", data))
    organizer = Actor.objects.get(name=f"{MARK} Collectif des Cités")
    lievin = Territory.objects.get(kind="commune", code="62510")
    assert (organizer.status, organizer.source, organizer.kind_id) == (
        "pending", "contribution", "association",
    )  # fmt: skip
    assert organizer.precision == Precision.COMMUNE and organizer.to_locate
    assert organizer.location.equals_exact(lievin.anchor, 1e-9)
    assert organizer.commune_code == "62510" and organizer.city == "Liévin"
    initiative = Initiative.objects.get(title=f"{MARK} Café des parents")
    assert initiative.organizer == organizer
    assert initiative.territory_codes == organizer.territory_codes  # no footprint: the organiser's
    main = Proposal.objects.get(token_hash=token_hash(token))
    own = Proposal.objects.get(actor=organizer)
    assert main.initiative == initiative and own.kind == Proposal.Kind.NEW
    assert "Structure organisatrice" in own.message and own.proposer_email == "camille@example.org"
    # Amending renames the same pending organiser, no second one.
    link = f"/proposer/suivi/{token}/"
    assert 'value="Liévin (62)"' in page(client.get(link))
    data.update(organizer_name=f"{MARK} Collectif des Cités unies", edit_version="1")
    assert client.post(link, data).status_code == 302
    organizer.refresh_from_db()
    assert organizer.name == f"{MARK} Collectif des Cités unies"
    assert Actor.objects.filter(name__startswith=f"{MARK} Collectif").count() == 1


# -- validation ---------------------------------------------------------------------------


def summary_of(html: str) -> str:
    found = re.search(r'<div class="erreurs-resume"[^>]*data-error-summary>(.*?)</div>', html, re.S)
    assert found, "no error summary"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found[1]))


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"position": SEA}, "position", "Position (latitude, longitude) : ce point n’est dans aucune commune : il semble être en mer"),
        ({"position": LONDON}, "position", "Position (latitude, longitude) : ce point est hors de France"),
        ({"position": "2.8319, 50.4329 nord"}, "position", "Position (latitude, longitude) : deux nombres attendus"),
        ({"position": ""}, "position", "Position (latitude, longitude) : placez le lieu"),
        ({"opening_hours": "Mo-Fr 09:00-2"}, "opening_hours", "Horaires d’ouverture : horaires non reconnus (position 13 : « 2 » : attendu : une heure de fin HH:MM)"),
        ({"name": "N" * 301}, "name", "Nom de la structure : Assurez-vous que cette valeur comporte au plus 300 caractères (actuellement 301)."),
        ({"description": "d" * 5001}, "description", "Présentation : 5000 caractères au plus (actuellement 5001)."),
        ({"website": "javascript:alert(1)"}, "website", "Site web : adresse web invalide : elle doit commencer par http:// ou https://."),
        ({"email": "pas-un-courriel"}, "email", "Courriel public : Saisissez une adresse e-mail valide."),
        ({"phone": "appelez-nous"}, "phone", "Téléphone public : numéro de téléphone invalide"),
        ({"siret": "123"}, "siret", "SIRET : 14 chiffres attendus"),
        ({"themes": ["citoyennete", "numerique", "culture", "sante", "logement", "mobilite"]}, "themes", "Thèmes : 6 cochés : 5 au plus"),
        ({"kind": ""}, "kind", "Type de structure : Ce champ est obligatoire."),
    ],
)  # fmt: skip
def test_an_actor_form_names_what_is_wrong_and_keeps_what_was_typed(client, changes, field, words):
    before = Actor.objects.count(), Proposal.objects.count()
    response = client.post("/proposer/acteur/", actor_data(**changes))
    assert response.status_code == 200
    html = page(response)
    assert words in summary_of(html)
    assert f'href="#id_{field}"' in html
    # The field says it is wrong and points at its message; the message is there.
    if field not in ("themes",):
        tag = re.search(rf'<(?:input|select|textarea)[^>]*name="{field}"[^>]*>', html)[0]
        assert 'aria-invalid="true"' in tag and f"id_{field}_error" in tag
    else:
        assert re.search(
            rf'<fieldset id="id_{field}" tabindex="-1" aria-describedby="[^"]*id_{field}_error',
            html,
        )
    assert f'id="id_{field}_error"' in html
    # Nothing is lost, nothing is written.
    assert "Un lieu ouvert à tous.\nAteliers, permanences." in html or field == "description"
    assert 'value="1 rue de la Paix"' in html and 'value="dominique@example.org"' in html
    assert (Actor.objects.count(), Proposal.objects.count()) == before


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"keywords": ", ".join(f"mot{i}" for i in range(21))}, "Mots-clés : 21 éléments : 20 au plus."),
        ({"links": "ftp://example.org/video"}, "Liens vers des témoignages ou des vidéos : « ftp://example.org/video » n’est pas une adresse web"),
        ({"footprint_codes": "commune:99999"}, "Territoires concernés : territoire inconnu : commune:99999."),
        ({"footprint_codes": "region:32"}, "Territoires concernés : choisissez des communes, EPCI ou bassins de vie"),
        ({"summary": "s" * 5001}, "Résumé : 5000 caractères au plus (actuellement 5001)."),
        ({"title": ""}, "Titre de l’action : Ce champ est obligatoire."),
        ({"organizer": "", "organizer_search": "Centre inconnu"}, "Chercher la structure : choisissez la structure dans la liste"),
        ({"organizer_choice": "new", "organizer_name": "X", "organizer_kind": "association", "organizer_commune": "Atlantide"}, "Commune de la structure : commune introuvable"),
    ],
)  # fmt: skip
def test_an_initiative_form_names_what_is_wrong(client, lens_actor, changes, words):
    before = Initiative.objects.count()
    html = page(client.post("/proposer/initiative/", initiative_data(lens_actor, **changes)))
    assert words in summary_of(html)
    assert "Des parents isolés." in html  # kept
    assert Initiative.objects.count() == before


def test_an_unlisted_actor_cannot_be_chosen_as_organiser(client):
    pending = Actor.objects.create(
        name=f"{MARK} en attente", kind_id="association", status=Status.PENDING,
        source="test-propose", location=Point(2.83, 50.43, srid=WGS84),
    )  # fmt: skip
    html = page(client.post("/proposer/initiative/", initiative_data(pending)))
    assert "Chercher la structure : choisissez la structure dans la liste" in summary_of(html)


# -- anti-spam ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/proposer/acteur/", "/proposer/initiative/", "report"])
def test_a_filled_honeypot_looks_like_success_and_writes_nothing(client, lens_actor, url):
    url = f"/signaler/acteur/{lens_actor.pk}/" if url == "report" else url
    data = {**actor_data(), **initiative_data(lens_actor), "message": "Faux.",
            "reference_dossier": "https://spam.example"}  # fmt: skip
    before = Actor.objects.count(), Initiative.objects.count(), Proposal.objects.count()
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == "/proposer/merci/"
    assert "Merci" in page(client.get(response["Location"]))
    assert (Actor.objects.count(), Initiative.objects.count(), Proposal.objects.count()) == before
    assert mail.outbox == []


def test_the_eleventh_post_of_an_hour_from_one_address_is_refused(client):
    for _ in range(10):
        assert client.post("/proposer/acteur/", {"name": ""}).status_code == 200
    refused = client.post("/proposer/acteur/", actor_data())
    assert refused.status_code == 429
    assert "Trop d’envois" in page(refused)
    assert not Actor.objects.filter(name__startswith=MARK).exists()
    assert client.get("/proposer/acteur/").status_code == 200  # reading is not limited
    other = client.post("/proposer/acteur/", {"name": ""}, REMOTE_ADDR="10.0.0.2")
    assert other.status_code == 200  # another address has its own count


def test_the_rate_is_a_setting_shared_by_every_write(client, settings, lens_actor):
    settings.CARTO_CONTRIBUTION_RATE = "2/h"
    assert client.post("/proposer/initiative/", {}).status_code == 200
    assert client.post(f"/signaler/acteur/{lens_actor.pk}/", {}).status_code == 200
    assert client.post("/proposer/acteur/", actor_data()).status_code == 429
    assert client.post(f"/proposer/suivi/{'x' * 43}/", {}).status_code == 429


def test_csrf_stays_on(lens_actor):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/proposer/acteur/", actor_data()).status_code == 403
    assert strict.post(f"/signaler/acteur/{lens_actor.pk}/", {"message": "x"}).status_code == 403


# -- reports ----------------------------------------------------------------------------------


def test_an_error_report_reaches_the_queue_and_changes_nothing(client, lens_actor, referents):
    before = {f: getattr(lens_actor, f) for f in ("name", "phone", "website", "version")}
    form = page(client.get(f"/signaler/acteur/{lens_actor.pk}/"))
    assert "Signaler une erreur" in form and lens_actor.name in form.replace("&#x27;", "'")
    data = {
        "message": "Le numéro a changé.", "name": lens_actor.name, "address": lens_actor.address,
        "postcode": lens_actor.postcode, "city": lens_actor.city, "phone": "03 21 99 99 99",
        "email": lens_actor.email, "website": lens_actor.website,
        "opening_hours": lens_actor.opening_hours, "reporter_email": "signaleur@example.org",
        "reference_dossier": "",
    }  # fmt: skip
    response = client.post(f"/signaler/acteur/{lens_actor.pk}/", data)
    token = follow_token(response)
    proposal = Proposal.objects.get(token_hash=token_hash(token))
    assert proposal.kind == Proposal.Kind.CORRECTION and proposal.actor == lens_actor
    assert proposal.changes == {"phone": "03 21 99 99 99"}
    assert proposal.message == "Le numéro a changé."
    assert proposal.territory_codes == lens_actor.territory_codes
    assert proposal.proposer_email == "signaleur@example.org"
    lens_actor.refresh_from_db()
    assert {f: getattr(lens_actor, f) for f in before} == before
    to = sorted(m.to[0] for m in mail.outbox)
    assert to == ["ref62@example.org", "signaleur@example.org"]  # not the Nord's référent
    told = next(m for m in mail.outbox if m.to == ["ref62@example.org"])
    assert "03 21 99 99 99" in told.body and "Le numéro a changé." in told.body
    html = page(client.get(f"/proposer/suivi/{token}/"))
    assert "Le numéro a changé." in html and "03 21 99 99 99" in html and "<form" not in html


def test_a_report_without_corrections_and_one_on_an_initiative(client, lens_actor):
    response = client.post(f"/signaler/acteur/{lens_actor.pk}/", {"message": "Fermé le lundi."})
    proposal = Proposal.objects.get(token_hash=token_hash(follow_token(response)))
    assert (proposal.kind, proposal.changes) == (Proposal.Kind.REPORT, {})  # nothing sent to change
    initiative = Initiative.objects.listed().order_by("id").first()
    response = client.post(
        f"/signaler/initiative/{initiative.pk}/",
        {"message": "Terminée.", "title": initiative.title, "action_status": "Terminée",
         "summary": initiative.summary, "url": "javascript:alert(1)"},
    )  # fmt: skip
    assert "Lien : adresse web invalide" in summary_of(page(response))
    response = client.post(
        f"/signaler/initiative/{initiative.pk}/",
        {"message": "Terminée.", "title": initiative.title, "action_status": "Terminée",
         "summary": initiative.summary, "url": initiative.url},
    )  # fmt: skip
    proposal = Proposal.objects.get(token_hash=token_hash(follow_token(response)))
    assert proposal.initiative == initiative and proposal.changes == {"action_status": "Terminée"}


def test_only_listed_entries_can_be_reported(client):
    pending = Actor.objects.create(
        name=f"{MARK} en attente", kind_id="association", status=Status.PENDING,
        source="test-propose", location=Point(2.83, 50.43, srid=WGS84),
    )  # fmt: skip
    assert client.get(f"/signaler/acteur/{pending.pk}/").status_code == 404
    assert client.post(f"/signaler/acteur/{pending.pk}/", {"message": "x"}).status_code == 404
    hidden = Initiative.objects.create(title=f"{MARK} i", status=Status.PENDING, source="t")
    assert client.get(f"/signaler/initiative/{hidden.pk}/").status_code == 404
    assert client.get("/signaler/acteur/999999999/").status_code == 404


def test_the_map_links_every_actor_and_initiative_to_its_report_form(client):
    html = page(client.get("/carte/"))
    config = re.search(
        r'<script id="carto-config" type="application/json">(.*?)</script>', html, re.S
    )
    assert (
        '"report": {"actor": "/signaler/acteur/{id}/", "initiative": "/signaler/initiative/{id}/"}'
        in config[1]
    )


# -- the forms' JSON ------------------------------------------------------------------------


def test_hours_in_words(client):
    good = client.get("/proposer/horaires/", {"h": "Mo-Fr 09:00-12:00; PH off"}).json()
    assert good == {
        "valid": True, "text": "du lundi au vendredi : 9 h – 12 h ; jours fériés : fermé",
        "lines": ["du lundi au vendredi : 9 h – 12 h", "jours fériés : fermé"], "error": "",
    }  # fmt: skip
    bad = client.get("/proposer/horaires/", {"h": "lundi 9h-12h"}).json()
    assert bad["valid"] is False and bad["error"].startswith("position 1 : « lundi »")
    assert client.get("/proposer/horaires/", {"h": "Mo " * 200}).json()["error"] == (
        "500 caractères au plus (actuellement 599)."
    )
    assert client.get("/proposer/horaires/").json()["valid"] is True
    assert client.post("/proposer/horaires/", {"h": "Mo"}).status_code == 405


def test_duplicates_by_siret_and_by_a_similar_name_nearby(client):
    known = Actor.objects.listed().exclude(siret="").exclude(location=None).order_by("id").first()
    lon, lat = known.location.x, known.location.y
    by_siret = client.get("/proposer/doublons/", {"siret": known.siret}).json()["results"]
    assert by_siret[0]["id"] == known.pk and by_siret[0]["reason"] == "même SIRET"
    assert by_siret[0]["correction_url"] == f"/signaler/acteur/{known.pk}/"
    assert set(by_siret[0]) == {"id", "name", "kind_label", "city", "reason", "distance_m",
                                "correction_url", "map_url"}  # fmt: skip
    # A name typed otherwise (case, accents, a word less), 300 m away.
    typed = known.name.lower().rsplit(" ", 1)[0] if " " in known.name else known.name.lower()
    near = client.get("/proposer/doublons/", {"name": typed, "lon": lon + 0.004, "lat": lat}).json()
    assert known.pk in [r["id"] for r in near["results"]]
    found = next(r for r in near["results"] if r["id"] == known.pk)
    assert found["reason"] == "nom proche" and 250 < found["distance_m"] < 350
    # 3 km away: not the same place.
    far = client.get("/proposer/doublons/", {"name": typed, "lon": lon + 0.04, "lat": lat}).json()
    assert known.pk not in [r["id"] for r in far["results"]]
    assert client.get("/proposer/doublons/", {"lon": "x", "lat": "1"}).status_code == 400


def test_duplicates_never_name_an_unlisted_actor(client):
    pending = Actor.objects.create(
        name=f"{MARK} Atelier", name_key=search_key(f"{MARK} Atelier"), kind_id="association",
        status=Status.PENDING, source="test-propose", siret="12345678901234",
        location=Point(2.8319, 50.4329, srid=WGS84),
    )  # fmt: skip
    attach_actors([pending.pk])
    answer = client.get(
        "/proposer/doublons/",
        {"name": f"{MARK} Atelier", "lon": 2.8319, "lat": 50.4329, "siret": "12345678901234"},
    ).json()
    assert answer == {"results": []}


# -- nothing pending is public ---------------------------------------------------------------


def test_proposed_entries_appear_in_no_public_url(client, lens_actor):
    """The walk of tests/test_listed.py (every operation of the OpenAPI schema, every
    page), with entries proposed through the forms, named with its MARK."""
    mark = test_listed.MARK
    follow_token(client.post("/proposer/acteur/", actor_data(name=f"{mark} acteur proposé")))
    data = initiative_data(
        title=f"{mark} initiative proposée", organizer_choice="new",
        organizer_name=f"{mark} organisateur proposé", organizer_kind="centre-social",
        organizer_commune="Lens (62)",
    )  # fmt: skip
    follow_token(client.post("/proposer/initiative/", data))
    event_form = agenda_form_data(title=f"{mark} événement proposé", organizer_name=f"{mark} org")
    assert client.post("/agenda/proposer/", event_form).status_code == 302
    [event] = Event.objects.filter(title__startswith=mark)
    visible_event = save_event(Event(
        title="Événement visible", format="atelier", status="published", source="test",
        starts_at=event.starts_at, ends_at=event.ends_at, location=event.location,
    ))  # fmt: skip
    actors = list(Actor.objects.filter(name__startswith=mark))
    initiatives = list(Initiative.objects.filter(title__startswith=mark))
    assert len(actors) == 2 and len(initiatives) == 1
    refresh_derived()
    hidden = {
        "actors": actors,
        "initiatives": initiatives,
        "child": lens_actor,
        "visible": Initiative.objects.listed().order_by("id").first(),
        "events": [event],
        "sessions": list(event.occurrences.values_list("id", flat=True)),
        "visible_event": visible_event,
    }
    walk = test_listed.requests(hidden)
    assert test_listed.schema_paths(client) == set(walk)
    for operation, calls in walk.items():
        for path, query in calls:
            response = client.get(path, query)
            assert response.status_code in (200, 404), (operation, path, query)
            test_listed.assert_hidden(response, hidden, f"{operation} {path}")
    duplicates = "/proposer/doublons/?name=" + mark.replace(" ", "+") + "&lon=2.8319&lat=50.4329"
    pages = [*test_listed.PAGES, "/proposer/acteur/", "/proposer/initiative/", duplicates,
             "/agenda/proposer/", f"/agenda/evenements/{visible_event.pk}/",
             f"/signaler/acteur/{lens_actor.pk}/"]  # fmt: skip
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        test_listed.assert_hidden(response, hidden, path)
