"""Proposing in a real browser (Debian's Chromium, basemap tiles unreachable as on the
test machines): an initiative whose title is a script payload, sent from a phone, shown
as text on its follow page; the actor form's map picker without basemap, the commune
search, the hours in words, the likely duplicates and the error summary; the map's
« Signaler une erreur » link.

The server runs in other threads on the session database: what a test submits is
committed. Every entry proposed here carries MARK and is removed (with its proposals and
history) before and after the module, and the rate-limit counters with it.
"""

import re

import pytest
from django.core.cache import cache

from carto.actors.models import Actor, Initiative
from carto.contributions.models import Proposal

from .axe import assert_accessible
from .conftest import wait_loaded

pytestmark = pytest.mark.django_db

MARK = "Tohubohu"  # in no demo record
PAYLOAD = f'<img src=x onerror="window.__pwned=1"> Atelier {MARK} & <b>co</b>'
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}  # fmt: skip


def remove_proposed():
    Initiative.objects.filter(title__contains=MARK).delete()
    Actor.objects.filter(name__contains=MARK).delete()
    Proposal.objects.filter(message__contains=MARK).delete()
    Initiative.history.filter(title__contains=MARK).delete()
    Actor.history.filter(name__contains=MARK).delete()
    cache.clear()  # the rate limit's counters


@pytest.fixture(scope="module", autouse=True)
def cleaned(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        remove_proposed()
    yield
    with django_db_blocker.unblock():
        remove_proposed()


def choose(page, field: str, text: str, option: str):
    """Type in a combobox and pick the suggestion holding `option`."""
    page.fill(field, text)
    page.locator(f"#{page.get_attribute(field, 'aria-controls')} li", has_text=option).first.click()


def assert_nothing_ran(page, console):
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None
    assert console.errors == []


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_phone_visitor_proposes_an_initiative_whose_title_is_a_script(open_page, artifacts):
    organizer = Actor.objects.listed().get(name="PIMMS ARTOIS-GOHELLE")
    page, console = open_page("/proposer/initiative/", **PHONE)
    assert fits_the_screen(page)
    assert_accessible(page)
    page.fill("#id_title", PAYLOAD)
    page.select_option("#id_action_status", "En cours")
    page.fill("#id_keywords", "parentalité, école")
    page.check('input[name="themes"][value="parentalite"]')
    page.fill("#id_summary", "Un café chaque vendredi.")
    # The organiser, found by name among the listed actors.
    choose(page, "#id_organizer_search", "pimms artois", "PIMMS ARTOIS-GOHELLE")
    assert page.input_value('input[name="organizer"]') == str(organizer.pk)
    assert "PIMMS ARTOIS-GOHELLE" in page.text_content("[data-organizer-chosen]")
    # Its territory: Lens, then Liévin added and removed.
    choose(page, "#choix-territoire", "Lens", "Lens (62)")
    choose(page, "#choix-territoire", "Liévin", "Liévin (62)")
    assert page.input_value("[data-territories-value]") == "commune:62498 commune:62510"
    page.click('[data-territories-chosen] button[aria-label="Retirer Liévin (commune)"]')
    assert page.input_value("[data-territories-value]") == "commune:62498"
    page.fill("#id_links", "https://example.org/video")
    page.screenshot(path=artifacts / "proposer-initiative-telephone-formulaire.png", full_page=True)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/proposer/suivi/[A-Za-z0-9_-]+/$"))

    # The follow page shows the title as text: nothing ran, nothing was injected.
    assert page.text_content("h1 .nom-fiche") == PAYLOAD
    assert page.locator("main img").count() == 0 and page.locator("main b").count() == 0
    assert "Merci" in page.text_content(".messages")
    assert page.input_value("#id_title") == PAYLOAD  # the amend form, prefilled
    assert fits_the_screen(page)
    assert_accessible(page)
    page.screenshot(path=artifacts / "proposer-initiative-telephone-suivi.png", full_page=True)
    assert_nothing_ran(page, console)
    initiative = Initiative.objects.get(title=PAYLOAD)
    assert initiative.status == "pending" and initiative.organizer_id == organizer.pk

    # Amended from the follow page itself, in the browser (CSRF check and all).
    page.fill("#id_summary", "Résumé précisé après coup.")
    page.click("form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "Vos modifications sont enregistrées." in page.text_content(".messages")
    assert Initiative.objects.get(pk=initiative.pk).summary == "Résumé précisé après coup."
    assert_nothing_ran(page, console)
    assert initiative.footprint_codes == ["commune:62498"]
    assert Proposal.objects.filter(initiative=initiative).count() == 1


def test_the_actor_form_places_the_point_without_basemap(open_page, artifacts):
    known = Actor.objects.listed().get(name="PIMMS ARTOIS-GOHELLE")
    page, console = open_page("/proposer/acteur/", **PHONE)
    page.wait_for_selector("[data-picker].leaflet-container")
    # A click on the map (no tiles here) places the point and fills the position.
    page.locator("[data-picker]").click(position={"x": 150, "y": 100})
    assert re.fullmatch(r"-?\d+\.\d{6}, -?\d+\.\d{6}", page.input_value("#id_position"))
    assert page.locator(".repere-choisi").count() == 1
    # The commune search recentres the map and proposes the commune's point.
    choose(page, "#choix-lieu", "Lens", "Lens (62)")
    lat, lon = (float(n) for n in page.input_value("#id_position").split(", "))
    assert abs(lat - 50.4293) < 0.01 and abs(lon - 2.8324) < 0.01
    assert page.input_value('input[name="precision"]') == "commune"
    assert page.input_value("#id_city") == "Lens"
    # Hours in words as one types; a mistake said in French.
    page.fill("#id_opening_hours", "Mo-Fr 09:00-12:00")
    page.wait_for_function(
        "() => document.querySelector('[data-hours-preview]').textContent.includes('lundi')"
    )
    assert (
        page.text_content("[data-hours-preview]")
        == "Sur la fiche : du lundi au vendredi : 9 h – 12 h"
    )
    page.fill("#id_opening_hours", "Mo-Fr 9h")
    page.wait_for_selector("[data-hours-preview].invalide")
    assert page.text_content("[data-hours-preview]").startswith("Horaires non reconnus : position")
    page.fill("#id_opening_hours", "Mo-Fr 09:00-12:00")
    # A name like a listed actor's, at its place: the duplicate is listed, as text.
    page.fill("#id_name", "Pimms Artois Gohelle")
    page.fill("#id_position", f"{known.location.y:.6f}, {known.location.x:.6f}")
    page.dispatch_event("#id_position", "change")
    page.wait_for_selector("[data-duplicates] li")
    item = page.locator("[data-duplicates] li").first
    assert item.locator("strong").text_content() == known.name
    assert item.locator("a").first.get_attribute("href") == f"/signaler/acteur/{known.pk}/"
    page.screenshot(path=artifacts / "proposer-acteur-doublon.png", full_page=True)
    # Sent without a type: the summary says so, is focused, and nothing typed is lost.
    page.fill("#id_name", f"{MARK} Maison des habitants")
    page.click("button[type=submit]")
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    assert "Type de structure : Ce champ est obligatoire." in page.text_content(
        "[data-error-summary]"
    )
    assert page.input_value("#id_name") == f"{MARK} Maison des habitants"
    assert page.input_value("#id_opening_hours") == "Mo-Fr 09:00-12:00"
    assert page.get_attribute("#id_kind", "aria-invalid") == "true"
    page.wait_for_selector(".repere-choisi")  # the point, back on the map
    assert_accessible(page)
    page.screenshot(path=artifacts / "proposer-acteur-erreurs.png", full_page=True)
    page.select_option("#id_kind", "centre-social")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/proposer/suivi/[A-Za-z0-9_-]+/$"))
    assert page.text_content("h1 .nom-fiche") == f"{MARK} Maison des habitants"
    assert console.errors == []
    actor = Actor.objects.get(name=f"{MARK} Maison des habitants")
    assert actor.status == "pending" and actor.opening_hours == "Mo-Fr 09:00-12:00"


def test_the_map_sheet_links_to_the_report_form(open_page, artifacts):
    actor = Actor.objects.listed().get(name="PIMMS ARTOIS-GOHELLE")
    page, console = open_page(f"/carte/?actor={actor.pk}&map=50.4266,2.8293,15")
    wait_loaded(page)
    page.wait_for_selector("[data-detail]:not([hidden]) h2")
    link = page.locator("[data-detail] a", has_text="Signaler une erreur sur cette fiche")
    assert link.get_attribute("href") == f"/signaler/acteur/{actor.pk}/"
    link.click()
    page.wait_for_url(f"**/signaler/acteur/{actor.pk}/")
    assert page.text_content("h1") == "Signaler une erreur"
    assert actor.name in page.text_content(".lead")
    assert page.input_value("#id_name") == actor.name
    # Sent without a message: the summary is focused and names the field.
    page.click("button[type=submit]")
    page.wait_for_function("() => document.activeElement.matches('[data-error-summary]')")
    assert "Qu’est-ce qui est inexact ?" in page.text_content("[data-error-summary]")
    assert_accessible(page)
    page.fill("#id_message", f"{MARK} : le numéro a changé.")
    page.fill("#id_phone", "03 21 99 99 99")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/proposer/suivi/[A-Za-z0-9_-]+/$"))
    assert "transmis aux référents" in page.text_content(".messages")
    page.screenshot(path=artifacts / "signaler-suivi.png", full_page=True)
    assert console.errors == []
    proposal = Proposal.objects.get(message__contains=MARK)
    assert proposal.actor_id == actor.pk and proposal.changes == {"phone": "03 21 99 99 99"}
