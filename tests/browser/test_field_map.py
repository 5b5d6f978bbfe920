"""The field's places and the State's programmes in a real browser: the legend of kinds and
their markers, a programme overlay with its text tooltips, a library's sheet (amenities,
approximate position, sources), and the planner proposing host places on the bassin de vie
of Lens. Each test saves a screenshot in test-artifacts/."""

import json
from types import SimpleNamespace
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib.gis.geos import Point

from carto.actors.models import Actor, ActorKind, Initiative, Precision, Status
from carto.actors.services import attach_actors
from carto.actors.signals import directory_changed
from carto.srid import WGS84
from carto.territories.codes import search_key

from .conftest import wait_loaded

pytestmark = pytest.mark.django_db
LENS_VIEW = "50.43,2.83,11"
NEW_KINDS = ["tiers-lieu", "mediatheque", "collectivite"]

# The computed look of the marks of `selector`, by kind: colour, shape and border.
MARKS = """selector => Object.fromEntries([...document.querySelectorAll(selector)].map(node => {
  const kind = [...node.classList].find(c => c.startsWith('pastille-')).slice(9);
  const s = getComputedStyle(node, '::before');
  return [kind, [s.backgroundColor, s.borderTopColor, s.borderTopWidth, s.borderRadius, s.transform].join(' ')];
}))"""


def test_the_legend_shows_every_kind_with_its_own_marker(open_page, client, artifacts):
    # Within the Pas-de-Calais: below the 5 000 actors past which the map draws tiles.
    page, console = open_page(
        "/carte/?map=50.43,2.83,14&kind=mediatheque&kind=collectivite&territory=departement:62"
    )
    wait_loaded(page)
    legend = page.locator(".legende-types")
    assert legend.is_visible() and legend.get_attribute("open") is not None
    kinds = dict(ActorKind.objects.values_list("slug", "label"))
    shown = {
        item.get_attribute("data-kind"): item.text_content() for item in legend.locator("li").all()
    }
    assert shown == kinds and set(NEW_KINDS) <= set(shown)
    looks = page.evaluate(MARKS, ".legende-types .repere")
    assert set(looks) == set(kinds)
    assert len(set(looks.values())) == len(kinds), "two kinds share a marker"
    # The markers on the map wear the same look as their kind in the legend.
    page.wait_for_selector(".leaflet-marker-icon.pastille-mediatheque")
    page.wait_for_selector(".leaflet-marker-icon.pastille-collectivite")
    markers = page.evaluate(MARKS, ".leaflet-marker-icon.pastille")
    assert {"mediatheque", "collectivite"} <= set(markers)
    for kind, look in markers.items():
        assert look == looks[kind], kind
    # And so does the filter of each kind.
    page.click("[data-facets] summary")
    assert page.evaluate(MARKS, "[data-facet=kind] .repere") == looks
    legend.screenshot(path=artifacts / "legende-types.png")
    page.screenshot(path=artifacts / "carte-types.png")
    assert console.errors == []


def test_a_programme_overlay_toggles_and_draws_outlines_with_text_tooltips(
    open_page, client, artifacts
):
    page, console = open_page(f"/carte/?map={LENS_VIEW}")
    wait_loaded(page)
    page.click("[data-programme-toggles] summary")
    with page.expect_response(lambda r: "programme=cites-educatives" in r.url) as answer:
        page.check('input[name="overlay"][value="cites-educatives"]')
    page.wait_for_selector("[data-carte][data-programmes-cites-educatives]", state="attached")
    features = answer.value.json()["features"]
    drawn = int(page.get_attribute("[data-carte]", "data-programmes-cites-educatives"))
    titles = {f["properties"]["title"] for f in features}
    assert drawn == len(features) and {"Lens", "Liévin", "Avion"} <= titles
    # Each site in view is the one the API holds for the programme.
    sites = Initiative.objects.filter(programme="cites-educatives", status="published")
    assert {f["id"] for f in features} <= set(sites.values_list("id", flat=True))
    assert "overlays=cites-educatives" in page.url
    outlines = page.locator("path.programme-cites-educatives")
    assert outlines.count() >= drawn
    stroke = page.evaluate(
        "() => getComputedStyle(document.querySelector('path.programme-cites-educatives')).stroke"
    )
    assert stroke == "rgb(194, 24, 91)"
    # Each tooltip names the programme and the site, as a text node (an outline answers on
    # its stroke, which a pointer can miss: a `mouseover` on each element).
    for outline in outlines.all():
        outline.dispatch_event("mouseover")
    tooltips = page.locator(".leaflet-tooltip")
    texts = tooltips.all_text_contents()
    assert len(texts) == outlines.count()
    prefix = "Cités éducatives : "
    assert {text.removeprefix(prefix).split(" (")[0] for text in texts} == titles
    assert all(text.startswith(prefix) for text in texts)
    for tooltip in tooltips.all():
        assert tooltip.evaluate(
            "node => node.childNodes.length === 1 && node.firstChild.tagName === 'SPAN'"
            " && node.firstChild.childNodes.length === 1"
            " && node.firstChild.firstChild.nodeType === Node.TEXT_NODE"
        )
    # A pointer over an outline, for the screenshot.
    box = outlines.first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=3)
    page.screenshot(path=artifacts / "programmes.png")
    # Another programme beside it, then both off.
    page.check('input[name="overlay"][value="petites-villes-de-demain"]')
    page.wait_for_selector(
        "[data-carte][data-programmes-petites-villes-de-demain]", state="attached"
    )
    assert page.locator("path.programme-petites-villes-de-demain").count() >= 1
    page.uncheck('input[name="overlay"][value="cites-educatives"]')
    page.uncheck('input[name="overlay"][value="petites-villes-de-demain"]')
    page.wait_for_function("() => !document.querySelector('path.programme')")
    assert "overlays" not in parse_qs(urlparse(page.url).query)
    assert console.errors == []


def test_a_programme_overlay_from_the_url(open_page):
    page, console = open_page(f"/carte/?map={LENS_VIEW}&overlays=action-coeur-de-ville")
    wait_loaded(page)
    page.wait_for_selector("[data-carte][data-programmes-action-coeur-de-ville]", state="attached")
    assert page.is_checked('input[name="overlay"][value="action-coeur-de-ville"]')
    assert page.locator("path.programme-action-coeur-de-ville").count() >= 1
    assert console.errors == []


@pytest.fixture(scope="module")
def library(django_db_setup, django_db_blocker):
    """A listed library placed at its commune's centre, with amenities, from the demo; one
    of our own (committed, then removed) when the demo has none."""
    with django_db_blocker.unblock():
        found = (
            Actor.objects.filter(status="published", duplicate_of__isnull=True)
            .filter(kind="mediatheque", precision=Precision.COMMUNE)
            .exclude(amenities=[])
            .order_by("id")
            .first()
        )
        created = None
        if found is None:
            name = "Médiathèque de test"
            created = found = Actor.objects.create(
                name=name, name_key=search_key(name), kind_id="mediatheque", city="Lens",
                location=Point(2.8319, 50.4329, srid=WGS84), precision=Precision.COMMUNE,
                to_locate=True, amenities=["wifi", "gratuit"], status=Status.PUBLISHED,
                source="test_field_map", source_id="mediatheque",
            )  # fmt: skip
            attach_actors([created.pk])
            directory_changed.send(sender=Actor)
    try:
        yield SimpleNamespace(
            id=found.pk, name=found.name, location=found.location, itinerant=found.itinerant
        )
    finally:
        if created is not None:
            with django_db_blocker.unblock():
                created.delete()
                directory_changed.send(sender=Actor)


def open_sheet(open_page, actor_id: int, location):
    page, console = open_page(f"/carte/?actor={actor_id}&map={location.y:.5f},{location.x:.5f},14")
    wait_loaded(page)
    page.wait_for_selector("[data-detail]:not([hidden]) h2")
    return page, console


def test_a_librarys_sheet_shows_its_amenities_and_its_approximate_position(
    open_page, client, library, artifacts
):
    detail = json.loads(client.get(f"/api/v1/actors/{library.id}/").content)["properties"]
    page, console = open_sheet(open_page, library.id, library.location)
    sheet = page.locator("[data-detail]")
    assert sheet.locator("h2").text_content() == library.name
    itinerant = " · service itinérant" if library.itinerant else ""  # a bibliobus
    assert sheet.locator(".type").text_content().strip() == "Médiathèque" + itinerant
    assert sheet.locator(".type .repere.pastille-mediatheque").count() == 1
    assert (
        sheet.locator(".approximatif").text_content()
        == "Position approximative : centre de la commune."
    )
    amenities = sheet.locator("section", has=page.locator("h3", has_text="Équipements"))
    assert amenities.locator(".etiquette").all_text_contents() == [
        a["label"] for a in detail["amenities"]
    ]
    assert detail["amenities"]
    sources = sheet.locator("section", has=page.locator("h3", has_text="Sources"))
    assert sources.locator("li").count() == max(1, len(detail["sources"]))
    for source in detail["sources"]:
        assert source["source_id"] in sources.text_content()
    amenities.scroll_into_view_if_needed()
    sheet.screenshot(path=artifacts / "fiche-mediatheque.png")
    assert console.errors == []


def test_a_sheet_says_how_many_funded_posts_a_place_hosts(open_page, client, artifacts):
    actor = (
        Actor.objects.filter(status="published", duplicate_of__isnull=True)
        .exclude(funded_posts={})
        .order_by("id")
        .first()
    )
    assert actor is not None, "the demo holds places with funded posts (import_funded_posts)"
    page, console = open_sheet(open_page, actor.id, actor.location)
    posts = page.locator(
        "[data-detail] section", has=page.locator("h3", has_text="Postes financés")
    )
    words = {"adultes-relais": ("poste d’adulte-relais", "postes d’adultes-relais"),
             "fonjep": ("poste FONJEP", "postes FONJEP")}  # fmt: skip
    expected = [
        f"accueille {count} {words[slug][count > 1]}"
        for slug, count in sorted(actor.funded_posts.items())
    ]
    assert posts.locator("li").all_text_contents() == expected
    posts.scroll_into_view_if_needed()
    page.locator("[data-detail]").screenshot(path=artifacts / "fiche-postes.png")
    assert console.errors == []


def test_a_place_at_its_address_has_no_approximate_notice(open_page):
    actor = Actor.objects.filter(
        status="published", duplicate_of__isnull=True, precision=Precision.ADDRESS, to_locate=False
    ).first()
    page, console = open_sheet(open_page, actor.id, actor.location)
    assert page.locator("[data-detail] .approximatif").count() == 0
    assert console.errors == []


def test_the_planner_on_the_bassin_de_vie_of_lens_proposes_hosts_and_names_them(
    open_page, artifacts
):
    page, console = open_page(
        "/planifier/?territory=bv:62498&level=commune&theme=numerique&label=Lens"
    )
    checked = {
        box.get_attribute("value")
        for box in page.locator('input[name="candidate_kinds"]:checked').all()
    }
    assert set(NEW_KINDS) - {"tiers-lieu"} <= checked  # the default host kinds
    page.click("[data-gaps-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-gaps-loaded]", state="attached")
    with page.expect_response(lambda response: "/planning/siting/" in response.url) as answer:
        page.click("[data-siting-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-hosts-loaded]", state="attached")
    hosts = answer.value.json()["hosts"]
    assert int(page.get_attribute("[data-planner]", "data-hosts-loaded")) == len(hosts) >= 1
    items = page.locator("[data-hosts] li")
    for index, host in enumerate(hosts):
        item = items.nth(index)
        assert item.get_attribute("data-kind") == host["actor"]["kind"] in checked
        assert item.locator(".type-lieu").text_content() == host["actor"]["kind_label"]
        assert item.text_content().startswith(host["actor"]["name"] + " (")
    # Host places of the field are among them: a library or a town hall.
    assert {h["actor"]["kind"] for h in hosts} & {"mediatheque", "collectivite", "tiers-lieu"}
    page.screenshot(path=artifacts / "planifier-lens.png", full_page=True)
    assert console.errors == []
