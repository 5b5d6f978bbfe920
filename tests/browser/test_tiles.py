"""The map in tile mode, in a real browser (Debian's Chromium, no GPU): past its threshold the
map draws the actors from /tiles/actors/ with protomaps-leaflet (canvas), a click on an actor
opens the same sheet as a marker's, a click on a cluster zooms in, the list holds the actors
in view, the filters reach the tiles, and the page stays accessible.

The demo directory holds fewer actors than the threshold: the tests lower it to 0."""

import json
import math
from urllib.parse import parse_qs, urlparse

import pytest

from carto.actors.models import Actor
from carto.layers.tiles import refresh_actor_aggregates
from carto.layers.tiles import views as tile_views

from .axe import assert_accessible
from .conftest import load_seq, wait_loaded

pytestmark = pytest.mark.django_db
CLUSTER_FILL = (11, 92, 173)  # tiles.js CLUSTER_FILL, #0b5cad
PANE = ".leaflet-acteurs-tuiles-pane"


@pytest.fixture(scope="module", autouse=True)
def cells(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        refresh_actor_aggregates()


@pytest.fixture(autouse=True)
def tile_mode(monkeypatch, settings):
    """Tiles past 0 actors; and no cache of tiles, whatever the environment says."""
    monkeypatch.setattr(tile_views, "MAP_THRESHOLD", 0)
    settings.CACHES = {
        **settings.CACHES,
        "tiles": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }


def api(client, **params) -> dict:
    params.setdefault("page_size", 500)
    return json.loads(client.get("/api/v1/actors/", params).content)


def own_errors(console) -> list[str]:
    """The console's errors but the tile requests protomaps-leaflet cancels when the zoom
    changes under them (AbortController: « failed: …/tiles/actors/… »)."""
    return [e for e in console.errors if not (e.startswith("failed:") and "/tiles/actors/" in e)]


def tiles_drawn(page):
    """Wait until the tile layer has drawn every tile in view."""
    page.wait_for_selector("#carte[data-tuiles=chargees]", state="attached")


def painted(page, colour=None) -> int:
    """How many pixels the tiles' canvases painted (of `colour` only, when given)."""
    return page.evaluate(
        """([pane, colour]) => [...document.querySelectorAll(pane + ' canvas')].reduce((sum, c) => {
               const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
               let n = 0;
               for (let i = 0; i < data.length; i += 4) {
                 if (data[i + 3] === 0) continue;
                 if (!colour || (data[i] === colour[0] && data[i + 1] === colour[1] && data[i + 2] === colour[2])) n += 1;
               }
               return sum + n;
             }, 0)""",
        [PANE, list(colour) if colour else None],
    )


def screen_point(page, lon: float, lat: float) -> tuple[float, float]:
    """Where (lon, lat) is on the page, from the map's view in the URL (web mercator)."""
    lat0, lon0, zoom = (float(v) for v in parse_qs(urlparse(page.url).query)["map"][0].split(","))
    box = page.locator("#carte").bounding_box()
    scale = 256 * 2**zoom

    def project(lon_, lat_):
        s = math.sin(math.radians(lat_))
        return (lon_ + 180) / 360 * scale, (
            0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)
        ) * scale

    (x, y), (x0, y0) = project(lon, lat), project(lon0, lat0)
    return box["x"] + box["width"] / 2 + x - x0, box["y"] + box["height"] / 2 + y - y0


def test_clusters_are_drawn_with_their_count(open_page, client, artifacts):
    page, console = open_page("/carte/?map=50.2,2.6,7")
    loaded = wait_loaded(page)
    assert page.get_attribute("[data-carte]", "data-rendu") == "tuiles"
    assert loaded == api(client)["count"]
    tiles_drawn(page)
    assert page.locator(".marker-cluster, .pastille").count() == 0  # no marker
    assert painted(page, CLUSTER_FILL) > 500  # the clusters' discs
    count = page.text_content("[data-count]")
    assert "dans la vue, sur" in count and "qui correspondent" in count
    assert "plus de" not in count  # counted exactly under the bound
    page.screenshot(path="/tmp/carte-tuiles.png")
    page.screenshot(path=artifacts / "carte-tuiles.png")
    assert own_errors(console) == []


def test_a_bounded_count_reads_as_a_minimum(open_page, client, settings):
    """Past CARTO_API_COUNT_LIMIT the API counts no further (count_exact false): the page
    says « plus de N », never N as if it were the total."""
    settings.CARTO_API_COUNT_LIMIT = 5
    bounded = api(client, page_size=2)
    assert bounded["count_exact"] is False and bounded["count"] >= 5
    page, console = open_page("/carte/?map=50.2,2.6,7")
    wait_loaded(page)
    count = page.text_content("[data-count]")
    shown = f"plus de {bounded['count']:,}".replace(",", "\u202f")
    assert count.startswith(shown + " acteurs dans la vue, sur " + shown + " qui correspondent"), (
        count
    )
    assert own_errors(console) == []


def test_a_click_on_an_actor_opens_its_sheet(open_page, client, artifacts):
    actor = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
    page, console = open_page(f"/carte/?map={actor.location.y:.6f},{actor.location.x:.6f},16")
    wait_loaded(page)
    tiles_drawn(page)
    assert painted(page) > 0
    # The list holds the actors in view, as the API lists them in that box.
    ids = page.eval_on_selector_all(
        "[data-results] [data-id]", "n => n.map(x => Number(x.dataset.id))"
    )
    assert actor.pk in ids
    x, y = screen_point(page, actor.location.x, actor.location.y)
    page.mouse.click(x, y)
    page.wait_for_selector("[data-detail]:not([hidden]) h2")
    assert page.text_content("[data-detail] h2") == actor.name
    assert f"actor={actor.pk}" in page.url
    page.wait_for_selector(".leaflet-marker-pane path")  # the ring around it
    page.screenshot(path="/tmp/carte-tuiles-fiche.png")
    page.screenshot(path=artifacts / "carte-tuiles-fiche.png")
    assert own_errors(console) == []


def test_a_click_on_a_cluster_zooms_in(open_page, client):
    actor = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
    page, console = open_page(f"/carte/?map={actor.location.y:.5f},{actor.location.x:.5f},8")
    wait_loaded(page)
    tiles_drawn(page)
    tile = client.get("/tiles/actors/8/130/86.pbf")  # the tile over Lens
    assert tile.status_code == 200
    import mapbox_vector_tile

    features = mapbox_vector_tile.decode(tile.content, default_options={"y_coord_down": True})
    biggest = max(features["actors"]["features"], key=lambda f: f["properties"]["count"])
    gx, gy = biggest["geometry"]["coordinates"]
    n = 256 * 2**8
    lon = (130 * 256 + gx / 16) / n * 360 - 180
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (86 * 256 + gy / 16) / n))))
    x, y = screen_point(page, lon, lat)
    page.mouse.click(x, y)
    page.wait_for_function("() => new URLSearchParams(location.search).get('map').endsWith(',10')")
    assert page.locator("[data-detail]").is_hidden()
    assert own_errors(console) == []


def test_filters_reach_the_tiles(open_page, client):
    page, console = open_page("/carte/?map=50.2,2.6,8")
    wait_loaded(page)
    tiles_drawn(page)
    requested = []
    page.on(
        "request", lambda request: "/tiles/actors/" in request.url and requested.append(request.url)
    )
    page.click("[data-facets] summary")
    seq = load_seq(page)
    page.check('input[name="theme"][value="numerique"]')
    loaded = wait_loaded(page, seq)
    assert loaded == api(client, theme="numerique")["count"]
    tiles_drawn(page)
    assert requested and all("theme=numerique" in url for url in requested)
    assert own_errors(console) == []


def test_the_tile_mode_is_accessible(open_page):
    page, console = open_page("/carte/?map=50.2,2.6,9")
    wait_loaded(page)
    tiles_drawn(page)
    page.wait_for_load_state("networkidle")
    assert_accessible(page)
    assert own_errors(console) == []


def test_below_the_threshold_the_map_keeps_its_markers(open_page, client, monkeypatch):
    monkeypatch.setattr(tile_views, "MAP_THRESHOLD", 5000)
    page, console = open_page("/carte/?map=50.2,2.6,8")
    loaded = wait_loaded(page)
    assert page.get_attribute("[data-carte]", "data-rendu") == "marqueurs"
    assert loaded == api(client)["count"]
    assert page.locator(PANE + " canvas").count() == 0
    assert console.errors == []
