"""Text from the data is shown as text, never run as HTML, in a real browser.

For this module an actor (in Lens, the only one of its kind, KIND), its initiative and
a commune (Liévin, with no actor of the theme THEME) carry script payloads as their
names. They are committed,
because the pages are served from the session database by another thread, and removed
afterwards. Every page that shows them must print the payload literally, and none may
set ``window.__pwned``.
"""

from types import SimpleNamespace

import pytest
from django.contrib.gis.geos import Point

from carto.actors.models import Actor, ActorKind, Initiative, Precision, Status
from carto.actors.services import attach_actors, attach_initiatives
from carto.actors.signals import directory_changed
from carto.srid import WGS84
from carto.territories.codes import search_key
from carto.territories.models import Territory

from .conftest import wait_loaded

pytestmark = pytest.mark.django_db

ACTOR_NAME = '<img src=x onerror="window.__pwned=1"> Tiers-lieu & co'
INITIATIVE_TITLE = "<script>window.__pwned=1</script>Atelier &amp; <b>partage</b>"
COMMUNE_NAME = '"><svg onload=window.__pwned=1><img src=x onerror=window.__pwned=1>Liévin'
LENS = "62498"
LIEVIN, LIEVIN_NAME = "62510", "Liévin"
LIEVIN_TOWN_HALL = (50.42159, 2.78482)  # lat, lon: inside the commune, no actor there
LENS_EPCI = "246200364"
KIND = "fabrique-initiatives-citoyennes"  # no actor of this kind in the demo data
THEME = "jeunesse"  # nor of this theme: every commune is a gap


@pytest.fixture(scope="module")
def payloads(django_db_setup, django_db_blocker):
    """The actor, its initiative and the renamed commune, written as the importers do
    (territory codes attached, then the coverage view refreshed), removed afterwards."""
    with django_db_blocker.unblock():
        remove_payloads()  # left by an interrupted session in a reused database
        actor = Actor.objects.create(
            name=ACTOR_NAME, name_key=search_key(ACTOR_NAME), kind_id=KIND,
            themes=["citoyennete"], publics=[], address="1 place Jean Jaurès", postcode="62300",
            city="Lens", location=Point(2.8319, 50.4329, srid=WGS84),
            precision=Precision.ADDRESS, status=Status.PUBLISHED,
            source="test_injection", source_id="acteur",
        )  # fmt: skip
        attach_actors([actor.pk])
        initiative = Initiative.objects.create(
            title=INITIATIVE_TITLE, organizer=actor, footprint_codes=[f"commune:{LENS}"],
            location=actor.location, themes=["citoyennete"], status=Status.PUBLISHED,
            source="test_injection", source_id="initiative",
        )  # fmt: skip
        attach_initiatives([initiative.pk])
        Territory.objects.filter(kind="commune", code=LIEVIN).update(name=COMMUNE_NAME)
        directory_changed.send(sender=Actor)
        kind_label = ActorKind.objects.get(slug=KIND).label
    try:
        yield SimpleNamespace(actor=actor.pk, kind_label=kind_label)
    finally:
        with django_db_blocker.unblock():
            remove_payloads()


def remove_payloads():
    Initiative.objects.filter(source="test_injection").delete()
    Actor.objects.filter(source="test_injection").delete()
    Territory.objects.filter(kind="commune", code=LIEVIN).update(name=LIEVIN_NAME)
    directory_changed.send(sender=Actor)


def assert_nothing_ran(page, console):
    """No payload ran (an <img onerror> fires once its request failed) and no console error."""
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None
    assert console.errors == []


def tooltip_texts(page) -> list[str]:
    return page.eval_on_selector_all(".leaflet-tooltip", "nodes => nodes.map(n => n.textContent)")


def hover_all(page, selector: str) -> list[str]:
    """The texts of the tooltips of these shapes, each hovered by a `mouseover` on its
    element (an unfilled outline answers on its stroke only, which a pointer can miss)."""
    for shape in page.locator(selector).all():
        shape.dispatch_event("mouseover")
    return tooltip_texts(page)


def hover_map_centre(page, selector: str):
    """Hover the centre of the map, where the view in the URL put a known place."""
    box = page.locator(selector).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 5, y - 5)
    page.mouse.move(x, y, steps=3)
    page.wait_for_selector(".leaflet-tooltip")


def assert_detail_shows_the_names(page, console, screenshot) -> None:
    """The detail panel shows the actor's and its initiative's names as text; nothing ran."""
    page.wait_for_selector("[data-detail]:not([hidden]) h2")
    assert page.text_content("[data-detail] h2") == ACTOR_NAME
    assert INITIATIVE_TITLE in page.locator("[data-detail] li").all_text_contents()
    page.screenshot(path=screenshot)
    assert_nothing_ran(page, console)


def test_carte_markers_list_and_detail(open_page, payloads, artifacts):
    page, console = open_page(f"/carte/?kind={KIND}&actor={payloads.actor}&map=50.43290,2.83190,15")
    assert wait_loaded(page) == 1
    marker = page.locator(f".leaflet-marker-icon.pastille-{KIND}")
    assert marker.get_attribute("title") == f"{ACTOR_NAME} — {payloads.kind_label}"
    assert page.locator("[data-results] .nom").all_text_contents() == [ACTOR_NAME]
    assert_detail_shows_the_names(page, console, artifacts / "injection-carte.png")


def test_carte_coverage_and_overlay_tooltips(open_page, payloads, artifacts):
    lat, lon = LIEVIN_TOWN_HALL
    page, console = open_page(
        f"/carte/?mode=couverture&level=commune&theme={THEME}&territory=epci:{LENS_EPCI}"
        f"&map={lat},{lon},13"
    )
    page.wait_for_function(
        "() => Number(document.querySelector('[data-carte]').dataset.coverage) > 0"
    )
    hover_map_centre(page, "#carte")
    assert tooltip_texts(page)[0].startswith(f"{COMMUNE_NAME} : 0 acteur")
    page.screenshot(path=artifacts / "injection-couverture.png")
    assert_nothing_ran(page, console)

    page, console = open_page(f"/carte/?overlays=commune&map={lat},{lon},13")
    wait_loaded(page)
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive")
    assert f"Commune : {COMMUNE_NAME}" in hover_all(page, ".leaflet-overlay-pane path")
    page.screenshot(path=artifacts / "injection-contours.png")
    assert_nothing_ran(page, console)


def test_embed_list_marker_and_detail(open_page, payloads, artifacts):
    page, console = open_page(f"/embed/?territory=commune:{LENS}&kind={KIND}")
    assert wait_loaded(page) == 1
    assert page.get_attribute(f".leaflet-marker-icon.pastille-{KIND}", "title") == (
        f"{ACTOR_NAME} — {payloads.kind_label}"
    )
    assert page.text_content("[data-results] .nom") == ACTOR_NAME
    page.click("[data-results] button")
    assert_detail_shows_the_names(page, console, artifacts / "injection-embed.png")


def test_planner_gaps_hosts_and_tour(open_page, payloads, artifacts):
    # Gaps in the renamed commune: its name in the list, the field and the polygon's tooltip.
    page, console = open_page(f"/planifier/?territory=commune:{LIEVIN}&level=commune&theme={THEME}")
    page.wait_for_function(
        "name => document.getElementById('p-territory').value === name", arg=COMMUNE_NAME
    )
    page.click("[data-gaps-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-gaps-loaded]", state="attached")
    assert page.locator("[data-gaps] li a").all_text_contents() == [COMMUNE_NAME]
    assert hover_all(page, ".leaflet-overlay-pane path.leaflet-interactive") == [COMMUNE_NAME]
    page.screenshot(path=artifacts / "injection-planifier-zones.png", full_page=True)
    assert_nothing_ran(page, console)

    # Hosts in Lens, where the payload actor is the only one of its kind; then a tour there.
    page, console = open_page(
        f"/planifier/?territory=commune:{LENS}&level=commune&theme={THEME}&label=Lens"
    )
    page.click("[data-gaps-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-gaps-loaded]", state="attached")
    for box in page.locator('input[name="candidate_kinds"]').all():
        box.set_checked(box.get_attribute("value") == KIND)
    page.fill("#p-k", "1")
    page.click("[data-siting-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-hosts-loaded]", state="attached")
    assert page.get_attribute("[data-planner]", "data-hosts-loaded") == "1"
    label = f"{ACTOR_NAME} ({payloads.kind_label}, Lens)"
    assert page.text_content("[data-hosts] li").startswith(f"{label} — +")
    page.hover(".leaflet-marker-icon")
    assert tooltip_texts(page) == [f"1. {label}"]
    page.fill("#p-from", "2026-12-01")
    page.fill("#p-to", "2026-12-20")
    page.click("[data-tour-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-tour-loaded]", state="attached")
    assert page.get_attribute("[data-planner]", "data-tour-loaded") == "1"
    assert ACTOR_NAME in page.text_content("[data-schedule] li")
    page.screenshot(path=artifacts / "injection-planifier-lieux.png", full_page=True)
    assert_nothing_ran(page, console)


def test_territory_sheets(open_page, payloads, artifacts):
    page, console = open_page(f"/territoire/commune/{LENS}/")
    assert ACTOR_NAME in page.locator("ul.annuaire li strong").all_text_contents()
    assert (
        f"{INITIATIVE_TITLE} — {ACTOR_NAME}" in page.locator("ul.annuaire li").all_text_contents()
    )
    # The map: its outline (no tooltip) and one circle per actor; hover each for its tooltip.
    actors = int(page.text_content("main > p strong"))
    page.wait_for_function(
        "n => document.querySelectorAll('#fiche-carte path.leaflet-interactive').length > n",
        arg=actors,
    )
    names = hover_all(page, "#fiche-carte path.leaflet-interactive")
    assert ACTOR_NAME in names and len(names) == actors
    page.screenshot(path=artifacts / "injection-territoire.png", full_page=True)
    assert_nothing_ran(page, console)

    page, console = open_page(f"/territoire/commune/{LIEVIN}/")
    assert page.text_content("h1").startswith(COMMUNE_NAME)
    assert_nothing_ran(page, console)
