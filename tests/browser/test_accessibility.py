"""No WCAG 2.1 A or AA violation that axe-core finds, on each public page once it has loaded
what a visitor sees (the map's actors, a sheet's map, the planner's results).

The API's documentation (/api/v1/docs/) is Swagger UI's, not ours: it is not checked.
"""

import pytest

from .axe import assert_accessible
from .conftest import wait_loaded

pytestmark = pytest.mark.django_db


def settled(page):
    """Everything the page asked for has arrived (the basemap's tiles are aborted here)."""
    page.wait_for_load_state("networkidle")


def map_loaded(page):
    wait_loaded(page)
    settled(page)


def agenda_loaded(page):
    """The map in its « Agenda » mode, the sessions of the view drawn."""
    page.wait_for_selector("[data-carte][data-agenda-seq]", state="attached")
    settled(page)


def map_with_filters_open(page):
    """The map with every folded part of its filters unfolded (types, themes, overlays…)."""
    map_loaded(page)
    for summary in page.locator("[data-filters] details > summary").all():
        summary.click()
    page.wait_for_selector("[data-facet=kind] input")


def map_with_detail(page):
    """The map with an actor's sheet open, as after a click on its marker."""
    map_loaded(page)
    page.locator("[data-results] [data-id]").first.click()
    page.wait_for_selector("[data-detail]:not([hidden]) h2")
    settled(page)


def preview_loaded(page):
    """The configurator, with its preview (the widget in an iframe) loaded."""
    preview = page.frame_locator("[data-preview] iframe")
    preview.locator("[data-carte][data-load-seq]").wait_for(state="attached")
    settled(page)


def sheet_loaded(page):
    """The territory sheet, its map framed on the outline with the actors drawn."""
    page.wait_for_selector("#fiche-carte .leaflet-overlay-pane path")
    settled(page)


def planner_loaded(page):
    page.wait_for_selector("#planifier-carte .leaflet-overlay-pane path")  # the outline
    settled(page)


def planner_with_gaps(page):
    """The planner once its first step has listed the territory's least covered places."""
    planner_loaded(page)
    page.click("[data-gaps-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-gaps-loaded]", state="attached")
    assert page.locator("[data-gaps] li a").count() >= 1
    settled(page)


def planner_with_tour(page):
    """The planner through its three steps: gaps, host places, a dated tour and its exports."""
    planner_with_gaps(page)
    page.click("[data-siting-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-hosts-loaded]", state="attached")
    assert page.get_attribute("[data-planner]", "data-hosts-loaded") != "error", page.text_content(
        "[data-siting-status]"
    )
    page.click("[data-tour-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-tour-loaded]", state="attached")
    assert page.get_attribute("[data-planner]", "data-tour-loaded") != "error", page.text_content(
        "[data-tour-status]"
    )
    settled(page)


PAGES = {
    "accueil": ("/", settled),
    "carte": ("/carte/", map_loaded),
    "carte-filtres": ("/carte/", map_with_filters_open),
    "carte-fiche": ("/carte/?map=50.43000,2.83000,13", map_with_detail),
    "carte-couverture": ("/carte/?mode=couverture&level=bv&theme=numerique", map_loaded),
    "carte-agenda": ("/carte/?mode=agenda&periode=mois", agenda_loaded),
    "widget": ("/embed/?territory=bv:62498", map_loaded),
    "imprimer": ("/carte/imprimer/?territory=commune:62498", settled),
    "configurateur": ("/embed/configurateur/", preview_loaded),
    "planifier": ("/planifier/?territory=bv:62498&level=commune&label=Lens", planner_loaded),
    "planifier-zones": (
        "/planifier/?territory=bv:62498&level=commune&label=Lens",
        planner_with_gaps,
    ),
    "planifier-tournee": (
        "/planifier/?territory=bv:62498&level=commune&theme=numerique&label=Lens",
        planner_with_tour,
    ),
    "fiche-bv": ("/territoire/bv/62498/", sheet_loaded),
    "fiche-commune": ("/territoire/commune/62498/", sheet_loaded),
    "introuvable": ("/territoire/commune/00000/", settled),
}


@pytest.mark.parametrize("name", PAGES)
def test_no_wcag_21_aa_violation(open_page, artifacts, name):
    path, ready = PAGES[name]
    page, _ = open_page(path)
    ready(page)
    page.screenshot(path=artifacts / f"a11y-{name}.png", full_page=True)
    assert_accessible(page)
