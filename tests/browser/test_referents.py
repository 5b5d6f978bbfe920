"""The exchange's pages in a real browser, free of WCAG 2.1 AA violations (axe-core): a
participant declares hours; a référent signs in, puts online a theme whose label is a
script payload (read as text on the public page, nothing runs), validates the hours, and
changes a rate (a bad floor refused first, the form kept).

The people and the exchange are committed (the pages are served by another thread). The
people are removed afterwards; the exchange and its ledger stay, as the ledger is
append-only (sql/ledger.sql): each run opens an exchange of its own."""

import uuid
from decimal import Decimal
from urllib.parse import parse_qs, quote, urlparse

import pytest
from django.contrib.auth.models import User

from carto.agenda.credits.models import Account, Exchange, VolunteeringClaim
from carto.agenda.people import sign_in_token

from .axe import assert_accessible

pytestmark = pytest.mark.django_db

LABEL = '<img src=x onerror="window.__pwned=1">Couture & retouches'


@pytest.fixture(scope="module")
def people(django_db_setup, django_db_blocker):
    suffix = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock():
        exchange = Exchange.objects.create(
            name="Échange de savoirs du Bassin minier", slug=f"kat-{suffix}"
        )
        referent = User.objects.create_user(
            f"ref-nav-{suffix}", email=f"ref-nav-{suffix}@example.org", first_name="Sam"
        )
        member = User.objects.create_user(
            f"membre-nav-{suffix}", email=f"membre-nav-{suffix}@example.org"
        )
        exchange.referents.add(referent)
    try:
        yield exchange, referent, member
    finally:
        with django_db_blocker.unblock():
            User.objects.filter(pk__in=[referent.pk, member.pk]).delete()


def sign_in(page, user):
    """Where a protected page sent the visitor: the sign-in by e-mail link (the link as
    mailed to the person, confirmed by its button), which brings them back to that page."""
    url = urlparse(page.url)
    assert url.path == "/agenda/moi/connexion/", page.url
    then = parse_qs(url.query)["next"][0]
    link = f"/agenda/moi/connexion/{sign_in_token(user.email)}/?suite={quote(then)}"
    page.goto(f"{url.scheme}://{url.netloc}{link}")
    page.click("main button[type=submit]")


def test_declare_put_a_theme_online_validate_and_change_the_rules(open_page, people, artifacts):
    exchange, referent, member = people
    base = f"/credits/echanges/{exchange.slug}/"

    mine, declaring = open_page(f"{base}benevolat/")
    sign_in(mine, member)
    mine.wait_for_selector("#id_pseudonym")
    mine.fill("#id_pseudonym", "Camille")
    mine.fill("#id_day", "2020-01-01")  # more than a year ago: refused, the rest kept
    mine.fill("#id_hours", "2")
    mine.fill("#id_description", "Accueil au repair café")
    mine.click("form.formulaire button[type=submit]")
    mine.wait_for_selector(".erreurs-resume")
    assert "plus d’un an" in mine.text_content(".erreurs-resume")
    assert mine.input_value("#id_description") == "Accueil au repair café"
    mine.screenshot(path=artifacts / "credits-benevolat-erreur.png", full_page=True)
    assert_accessible(mine)
    mine.evaluate("document.querySelector('#id_day').valueAsDate = new Date(Date.now() - 864e5)")
    mine.click("form.formulaire button[type=submit]")
    mine.wait_for_selector(".messages")
    assert "En attente de validation" in mine.text_content(".seances")
    assert_accessible(mine)

    page, deciding = open_page(f"{base}themes/")
    sign_in(page, referent)
    page.wait_for_selector("#id_label")
    page.fill("#id_label", LABEL)
    page.fill("#id_description", "Ourlets, boutons, fermetures éclair.")
    page.click("form.formulaire button[type=submit]")
    page.wait_for_selector(".messages")
    page.screenshot(path=artifacts / "credits-themes.png", full_page=True)
    assert_accessible(page)

    page.goto(page.url.split("/credits/")[0] + base)
    assert page.locator(".seances strong").first.text_content() == LABEL
    page.screenshot(path=artifacts / "credits-echange.png", full_page=True)
    assert_accessible(page)

    page.click("text=Heures à valider")
    claim = VolunteeringClaim.objects.get(exchange=exchange)
    page.wait_for_selector(f"#id_refus-{claim.pk}-reason")
    page.screenshot(path=artifacts / "credits-a-valider.png", full_page=True)
    assert_accessible(page)
    page.click("form[action$='/valider/'] button")
    page.wait_for_selector(".messages")
    assert "2,00 KAT versés" in page.text_content(".messages")
    assert "Validée par Sam" in page.text_content("main")

    page.goto(page.url.split("/credits/")[0] + base + "regles/")
    page.fill("#id_floor", "3")
    page.click("form.formulaire button[type=submit]")
    page.wait_for_selector(".erreurs-resume")
    assert "0 ou négatif" in page.text_content(".erreurs-resume")
    page.fill("#id_floor", "-2")
    page.fill("#id_volunteering_rate", "1,5")
    page.click("form.formulaire button[type=submit]")
    page.wait_for_selector(".messages")
    page.screenshot(path=artifacts / "credits-regles.png", full_page=True)
    assert_accessible(page)
    assert "1 → 1,50" in page.text_content("main")

    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None

    # The participant reads the decision.
    mine.reload()
    assert "2,00 KAT reçus" in mine.text_content(".seances")
    mine.screenshot(path=artifacts / "credits-benevolat.png", full_page=True)
    assert_accessible(mine)
    # The two refused forms answer 400 (the browser logs it); nothing else went wrong.
    refused = "the server responded with a status of 400 (Bad Request) @ "
    assert [e.split(refused)[-1].split("/credits/")[-1] for e in declaring.errors] == [
        f"echanges/{exchange.slug}/benevolat/"
    ]
    assert [e.split(refused)[-1].split("/credits/")[-1] for e in deciding.errors] == [
        f"echanges/{exchange.slug}/regles/"
    ]
    assert Account.objects.get(exchange=exchange, holder=member).balance == Decimal("2.00")
    assert Exchange.objects.get(pk=exchange.pk).volunteering_rate == Decimal("1.50")
