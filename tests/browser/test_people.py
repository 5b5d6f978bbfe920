"""« Mon espace » in a real browser, on a phone: signing in by the mailed link (confirmed by a
button), a profile with an error named and the typed values kept, an offer whose title is
a script payload, shown as text in the space and in the public catalogue.

The server runs in other threads on the session database: what a test submits is
committed. The account used here (its e-mail carries MARK) is deleted before and after the
module, with its profile and offers, and the rate-limit counters with it.
"""

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from carto.agenda import people

from .axe import assert_accessible

pytestmark = pytest.mark.django_db

MARK = "zebulon-espace"
EMAIL = f"{MARK}@example.org"
PAYLOAD = '<img src=x onerror="window.__pwned=1"> Tricot & <b>crochet</b>'
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}  # fmt: skip


def remove_account():
    User.objects.filter(email__startswith=MARK).delete()  # cascades to profile and offers
    cache.clear()


@pytest.fixture(scope="module", autouse=True)
def cleaned(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        remove_account()
    yield
    with django_db_blocker.unblock():
        remove_account()


def test_a_person_signs_in_by_link_and_publishes_an_offer(open_page, artifacts):
    page, console = open_page(f"/agenda/moi/connexion/{people.sign_in_token(EMAIL)}/", **PHONE)
    page.click("text=Me connecter")
    page.wait_for_url("**/agenda/moi/")
    assert "Vous êtes connecté·e." in page.text_content(".messages")

    page.fill("#id_pseudonym", "Zébulon")
    page.fill("#id_commune", "Lenss-sur-rien")
    page.check("#id_consent")
    page.click("text=Enregistrer mon profil")
    summary = page.text_content(".erreurs-resume")
    assert "Commune (nom ou code INSEE) : aucune commune" in summary
    assert page.input_value("#id_commune") == "Lenss-sur-rien"
    assert page.input_value("#id_pseudonym") == "Zébulon"
    page.fill("#id_commune", "62498")
    page.click("text=Enregistrer mon profil")
    assert "Votre profil est enregistré." in page.text_content(".messages")
    assert page.input_value("#id_commune") == "Lens (62498)"

    page.click("text=Ajouter une offre")
    page.fill("#id_offer-title", PAYLOAD)
    page.check('input[name="offer-themes"][value="numerique"]')
    page.check('input[name="offer-modes"][value="en-ligne"]')
    page.select_option("#id_offer-level", "decouverte")
    page.click("text=Ajouter mon offre")
    assert "est enregistrée" in page.text_content(".messages")
    assert page.locator("main img").count() == 0 and page.locator("main li b").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.screenshot(path=artifacts / "mon-espace-telephone.png", full_page=True)

    page.goto(page.url.replace("/agenda/moi/", "/agenda/savoirs/"))
    assert page.locator(f"a:text-is('{PAYLOAD}')").count() == 1
    assert "Zébulon" in page.text_content("main") and EMAIL not in page.content()
    assert page.evaluate("window.__pwned") is None
    assert console.errors == []
