"""« Mon espace »: signing in by a one-time e-mail link, the pseudonymous profile, offers and
requests in the catalogue (public only with consent, at the commune's town hall), the
person's registrations, credit statements, and erasure on request."""

import re
import time
import uuid
from decimal import Decimal
from urllib.parse import parse_qs, quote

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client

from carto.agenda import people
from carto.agenda.credits import services as ledger
from carto.agenda.credits.models import ERASED_PSEUDONYM, Account, Exchange
from carto.agenda.models import Participant, Registration, Skill
from carto.territories.models import Territory
from tests.helpers import body

pytestmark = pytest.mark.django_db

LENS = "62498"


def signed_in(email: str) -> Client:
    """A client signed in through the link flow (the account created on first use)."""
    client = Client()
    response = client.post(f"/agenda/moi/connexion/{people.sign_in_token(email)}/")
    assert response.status_code == 302 and response["Location"] == "/agenda/moi/"
    return client


def with_profile(email: str, pseudonym: str, consent: bool = True) -> Client:
    client = signed_in(email)
    data = {"pseudonym": pseudonym, "commune": LENS}
    if consent:
        data["consent"] = "on"
    assert client.post("/agenda/moi/profil/", data).status_code == 302
    return client


def add(client, direction: str, title: str, **extra) -> None:
    data = {
        f"{direction}-direction": direction,
        f"{direction}-title": title,
        f"{direction}-themes": ["numerique"],
        f"{direction}-modes": ["sur-place", "en-ligne"],
        f"{direction}-level": "decouverte",
        f"{direction}-format": "atelier",
        f"{direction}-duration_minutes": "90",
    }
    data.update({f"{direction}-{k}": v for k, v in extra.items()})
    response = client.post(f"/agenda/moi/savoirs/{direction}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def page_text(response) -> str:
    """The page without its CSRF token (different at each request)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def follow_message(client, response) -> str:
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()


# -- signing in -----------------------------------------------------------------------------


def test_a_link_by_mail_signs_in_once_and_creates_the_account(client, mailoutbox):
    assert client.get("/agenda/moi/")["Location"].startswith("/agenda/moi/connexion/")
    page = client.post("/agenda/moi/connexion/", {"email": "Nadia@Example.org"})
    assert (
        page.status_code == 200 and "un lien de connexion vient d’y partir" in page.content.decode()
    )
    assert not User.objects.filter(email="nadia@example.org").exists()  # nothing until used
    (mail,) = mailoutbox
    assert mail.to == ["nadia@example.org"]
    path = re.search(r"https?://[^/\s]+(/agenda/moi/connexion/\S+/)", mail.body).group(1)
    confirm = client.get(path)  # a mail scanner opening the link spends nothing
    assert confirm.status_code == 200 and "Me connecter" in confirm.content.decode()
    assert client.get("/agenda/moi/").status_code == 302
    response = client.post(path)
    assert response["Location"] == "/agenda/moi/"
    space = client.get("/agenda/moi/")
    assert space.status_code == 200 and "nadia@example.org" in space.content.decode()
    user = User.objects.get(email="nadia@example.org")
    assert not user.has_usable_password() and user.last_login is not None

    other = Client()  # the same link a second time
    assert "a déjà servi" in follow_message(other, other.post(path))
    assert other.get("/agenda/moi/").status_code == 302


def test_a_page_that_needs_the_sign_in_comes_back_after_it(client, mailoutbox):
    """Declaring volunteering hours needs an account: the sign-in by link brings the person
    back to that page, and never to another site."""
    exchange = Exchange.objects.create(name="KAT du Pas-de-Calais", slug="kat-62")
    claims = f"/credits/echanges/{exchange.slug}/benevolat/"
    sent = client.get(claims)
    assert sent["Location"] == f"/agenda/moi/connexion/?next={quote(claims)}"
    form = client.get(sent["Location"])
    assert f'name="suite" value="{claims}"' in form.content.decode()
    client.post("/agenda/moi/connexion/", {"email": "samir@example.org", "suite": claims})
    (mail,) = mailoutbox
    link = re.search(r"https?://[^/\s]+(/agenda/moi/connexion/\S+)", mail.body).group(1)
    path, _, query = link.partition("?")
    assert parse_qs(query) == {"suite": [claims]}
    confirm = client.get(link)
    assert f'name="suite" value="{claims}"' in confirm.content.decode()
    response = client.post(path, {"suite": claims})
    assert response["Location"] == claims
    assert client.get(claims).status_code == 200
    # « Mon espace » leads to the exchange's pages.
    space = client.get("/agenda/moi/").content.decode()
    assert f'href="{claims}"' in space and f'href="/credits/echanges/{exchange.slug}/"' in space
    assert "heures à valider" not in space  # a référent's links, for référents only
    exchange.referents.add(User.objects.get(email="samir@example.org"))
    assert "heures à valider" in client.get("/agenda/moi/").content.decode()


@pytest.mark.parametrize(
    "elsewhere",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_the_sign_in_never_sends_to_another_site(client, mailoutbox, elsewhere):
    client.post("/agenda/moi/connexion/", {"email": "lea@example.org", "suite": elsewhere})
    (mail,) = mailoutbox
    assert "suite=" not in mail.body
    path = re.search(r"https?://[^/\s]+(/agenda/moi/connexion/\S+/)", mail.body).group(1)
    assert client.post(path, {"suite": elsewhere})["Location"] == "/agenda/moi/"


def test_the_answer_is_the_same_for_a_known_and_an_unknown_address(client, mailoutbox):
    User.objects.create_user("connu", email="connu@example.org")
    known = client.post("/agenda/moi/connexion/", {"email": "connu@example.org"})
    unknown = client.post("/agenda/moi/connexion/", {"email": "inconnu@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert page_text(known).replace("connu@example.org", "X") == (
        page_text(unknown).replace("inconnu@example.org", "X")
    )
    assert len(mailoutbox) == 2
    bad = client.post("/agenda/moi/connexion/", {"email": "pas-une-adresse"})
    assert (
        "Votre courriel : " in bad.content.decode()
        and 'value="pas-une-adresse"' in bad.content.decode()
    )


def test_an_expired_a_forged_link_and_a_staff_account_are_refused(monkeypatch):
    real = time.time
    with monkeypatch.context() as patched:
        patched.setattr(signing.time, "time", lambda: real() - 31 * 60)
        old = people.sign_in_token("lent@example.org")
    client = Client()
    assert "a expiré" in follow_message(client, client.post(f"/agenda/moi/connexion/{old}/"))
    token = people.sign_in_token("lent@example.org")
    forged = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    assert "n’est pas valide" in follow_message(
        client, client.post(f"/agenda/moi/connexion/{forged}/")
    )
    other = signing.TimestampSigner(salt="autre").sign_object(
        {"email": "lent@example.org", "stamp": ""}
    )
    assert "n’est pas valide" in follow_message(
        client, client.post(f"/agenda/moi/connexion/{other}/")
    )
    User.objects.create_user("modo", email="modo@example.org", is_staff=True)
    link = people.sign_in_token("modo@example.org")
    assert "ne se connecte pas par lien" in follow_message(
        client, client.post(f"/agenda/moi/connexion/{link}/")
    )
    assert client.get("/agenda/moi/").status_code == 302


# -- the profile ------------------------------------------------------------------------------


def test_profile_errors_name_the_field_and_keep_what_was_typed():
    client = signed_in("sam@example.org")
    page = client.post("/agenda/moi/profil/", {"pseudonym": "sam@example.org", "commune": "Zzqxwv"})
    text = page.content.decode()
    assert "Pseudonyme : un pseudonyme ne contient pas d’adresse e-mail" in text
    assert "Commune (nom ou code INSEE) : aucune commune ne s’appelle « Zzqxwv »" in text
    assert 'value="Zzqxwv"' in text
    coded = client.post("/agenda/moi/profil/", {"pseudonym": "Sam", "commune": "99999"})
    assert "aucune commune n’a le code INSEE « 99999 »" in coded.content.decode()
    assert not Participant.objects.exists()
    assert (
        client.post(
            "/agenda/moi/profil/", {"pseudonym": " Sam ", "commune": "Lens (62498)"}
        ).status_code
        == 302
    )
    person = Participant.objects.get(user__email="sam@example.org")
    assert (person.pseudonym, person.commune_code, person.consent) == ("Sam", LENS, False)
    assert "Lens (62498)" in client.get("/agenda/moi/").content.decode()
    assert people.CONSENT_LABEL in client.get("/agenda/moi/").content.decode()


# -- offers and requests ----------------------------------------------------------------------


def test_an_offer_with_consent_is_public_at_the_commune_and_without_it_is_not():
    nadia = with_profile("nadia@example.org", "Colibri", consent=True)
    add(nadia, "offer", "Créer une adresse e-mail <b>pas à pas</b>")
    discreet = with_profile("discret@example.org", "Hibou", consent=False)
    add(discreet, "offer", "Retoucher ses photos")
    offer = Skill.objects.get(participant__pseudonym="Colibri")
    town_hall = Territory.objects.get(kind="commune", code=LENS).anchor
    assert offer.location == town_hall and offer.commune_code == LENS
    assert (offer.direction, offer.level, offer.format, offer.modes, offer.duration_minutes) == (
        "offer", "decouverte", "atelier", ["sur-place", "en-ligne"], 90,
    )  # fmt: skip
    sheet = Client().get(f"/agenda/savoirs/{offer.pk}/").content.decode()
    assert "Atelier" in sheet and "En ligne" in sheet and "90 min" in sheet
    page = Client().get("/agenda/savoirs/").content.decode()
    assert "Créer une adresse e-mail &lt;b&gt;pas à pas&lt;/b&gt;" in page and "Colibri" in page
    assert "nadia@example.org" not in page
    assert "Retoucher ses photos" not in page and "Hibou" not in page
    hidden = Skill.objects.get(participant__pseudonym="Hibou")
    assert Client().get(f"/agenda/savoirs/{hidden.pk}/").status_code == 404
    assert "Non public" in discreet.get("/agenda/moi/").content.decode()
    # Withdrawn by its author; nobody else may withdraw it.
    assert discreet.post(f"/agenda/moi/savoirs/{offer.pk}/retirer/").status_code == 404
    assert nadia.post(f"/agenda/moi/savoirs/{offer.pk}/retirer/").status_code == 302
    assert not Skill.objects.filter(pk=offer.pk).exists()


def test_an_offer_form_with_errors_names_them_and_needs_a_profile():
    client = signed_in("lea@example.org")
    page = client.post(
        "/agenda/moi/savoirs/offer/", {"offer-direction": "offer", "offer-title": "Tricot"}
    )
    assert "Renseignez d’abord votre pseudonyme" in page.content.decode()
    client.post("/agenda/moi/profil/", {"pseudonym": "Léa", "commune": LENS})
    page = client.post(
        "/agenda/moi/savoirs/offer/",
        {"offer-direction": "offer", "offer-title": "Tricot", "offer-duration_minutes": "5"},
    )
    text = page.content.decode()
    assert not Skill.objects.exists()
    assert "Thème(s) : " in text and "Où : " in text and "Durée (minutes, facultatif) : " in text
    assert 'value="Tricot"' in text


def test_a_request_shows_the_offers_and_sessions_that_match_it(make_event):
    teacher = with_profile("marc@example.org", "Héron")
    add(teacher, "offer", "Messagerie : les bases")
    session = make_event(title="Atelier messagerie en groupe", themes=["numerique"])
    learner = with_profile("sam@example.org", "Mésange", consent=False)
    add(learner, "request", "Apprendre la messagerie")
    space = learner.get("/agenda/moi/").content.decode()
    assert "Apprendre la messagerie" in space
    assert "Messagerie : les bases" in space and "Héron" in space
    assert session.title in space


# -- registrations ----------------------------------------------------------------------------


def test_signed_in_registration_is_prefilled_attached_and_cancellable(make_event):
    client = with_profile("nadia@example.org", "Colibri")
    event = make_event(title="Atelier démarches", registration=True, capacity=5)
    occurrence = event.occurrences.get()
    page = client.get(f"/agenda/evenements/{event.pk}/").content.decode()
    assert 'value="nadia@example.org"' in page and 'value="Colibri"' in page
    response = client.post(
        f"/agenda/seances/{occurrence.pk}/inscription",
        {"email": "nadia@example.org", "name": "Colibri"},
    )
    assert response.status_code == 302
    registration = Registration.objects.get(occurrence=occurrence)
    assert registration.user.email == "nadia@example.org"
    space = client.get("/agenda/moi/").content.decode()
    assert "Atelier démarches" in space and "Annuler mon inscription" in space
    assert Client().post(f"/agenda/moi/inscriptions/{registration.pk}/annuler/").status_code == 302
    assert (
        signed_in("autre@example.org")
        .post(f"/agenda/moi/inscriptions/{registration.pk}/annuler/")
        .status_code
        == 404
    )
    assert client.post(f"/agenda/moi/inscriptions/{registration.pk}/annuler/").status_code == 302
    registration.refresh_from_db()
    assert registration.state == Registration.State.CANCELLED


# -- credits ------------------------------------------------------------------------------------


def exchange_with_account(user) -> tuple[Exchange, Account]:
    exchange = Exchange.objects.create(name="Échange de Lens", slug=f"kat-{uuid.uuid4().hex[:8]}")
    account = Account.objects.create(
        exchange=exchange, kind="participant", pseudonym="Colibri", holder=user
    )
    ledger.earn_for_teaching(account, Decimal("2"), key="t1", reference="occurrence:1")
    return exchange, account


def test_the_statement_page_and_csv_for_the_holder_only():
    client = signed_in("nadia@example.org")
    _exchange, account = exchange_with_account(User.objects.get(email="nadia@example.org"))
    space = client.get("/agenda/moi/").content.decode()
    assert "Échange de Lens" in space and "2,00 KAT" in space
    page = client.get(f"/agenda/moi/comptes/{account.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and "Solde : <strong>2,00 KAT</strong>" in text
    assert "Séance animée" in text and "occurrence:1" not in text
    assert f"/credits/comptes/{account.pk}/releve.csv" in text
    csv = client.get(f"/credits/comptes/{account.pk}/releve.csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    rows = body(csv).decode("utf-8-sig")
    assert "Solde final" in rows and "Séance animée" in rows
    other = signed_in("autre@example.org")
    assert other.get(f"/credits/comptes/{account.pk}/releve.csv").status_code == 403
    assert other.get(f"/agenda/moi/comptes/{account.pk}/").status_code == 404


# -- erasure ----------------------------------------------------------------------------------


def test_erasure_anonymises_keeps_the_ledger_totals_and_signs_out(make_event):
    client = with_profile("nadia@example.org", "Colibri")
    user = User.objects.get(email="nadia@example.org")
    add(client, "offer", "Créer une adresse e-mail")
    exchange, account = exchange_with_account(user)
    event = make_event(registration=True)
    client.post(f"/agenda/seances/{event.occurrences.get().pk}/inscription",
                {"email": "nadia@example.org", "name": "Nadia"})  # fmt: skip
    registration = Registration.objects.get(email="nadia@example.org")
    refused = client.post("/agenda/moi/effacer/", {})
    assert "cochez la case pour confirmer l’effacement" in refused.content.decode()
    assert User.objects.filter(pk=user.pk).exists()
    response = client.post("/agenda/moi/effacer/", {"confirm": "on"})
    assert "Vos données sont effacées" in follow_message(client, response)
    assert not User.objects.filter(pk=user.pk).exists()
    assert not Participant.objects.exists() and not Skill.objects.exists()
    account.refresh_from_db()
    assert (account.holder, account.pseudonym, account.balance) == (
        None, ERASED_PSEUDONYM, Decimal("2.00"),
    )  # fmt: skip
    assert ledger.check_invariants(exchange) == []
    registration.refresh_from_db()
    assert registration.email.endswith("@efface.invalid") and registration.name == ""
    assert client.get("/agenda/moi/").status_code == 302
    assert "Colibri" not in Client().get("/agenda/savoirs/").content.decode()


def test_asking_for_links_is_rate_limited_like_the_other_writes(client, settings, mailoutbox):
    settings.CARTO_CONTRIBUTION_RATE = "2/h"
    for n in range(2):
        assert (
            client.post("/agenda/moi/connexion/", {"email": f"p{n}@example.org"}).status_code == 200
        )
    refused = client.post("/agenda/moi/connexion/", {"email": "p3@example.org"})
    assert refused.status_code == 429 and len(mailoutbox) == 2


def test_the_themes_put_online_lead_to_a_request(client):
    """A theme a référent put online: its exchange page leads to « Je cherche à apprendre »
    prefilled; the request form offers the themes online (not those taken offline)."""
    from carto.agenda.credits.models import ExchangeTheme

    exchange = Exchange.objects.create(name="KAT du Bassin minier", slug="kat-bm")
    ExchangeTheme.objects.create(
        exchange=exchange, label="Prise de parole & <débat>", slug="parole"
    )
    ExchangeTheme.objects.create(
        exchange=exchange, label="Thème retiré", slug="retire", active=False
    )
    page = client.get("/credits/echanges/kat-bm/").content.decode()
    assert (
        'href="/agenda/moi/?apprendre=Prise%20de%20parole%20%26%20%3Cd%C3%A9bat%3E#savoirs"' in page
    )
    person = with_profile("ines@example.org", "Inès")
    space = person.get("/agenda/moi/", {"apprendre": "Prise de parole & <débat>"})
    form = space.context["request_form"]
    assert form["title"].value() == "Prise de parole & <débat>"
    html = space.content.decode()
    assert 'list="themes-echanges-request"' in html
    assert '<option value="Prise de parole &amp; &lt;débat&gt;"></option>' in html
    assert "Thème retiré" not in html
