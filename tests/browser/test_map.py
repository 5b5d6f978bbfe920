"""The map, the widget and the embed snippet in a real browser (Debian's Chromium)."""

import json
import math
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from carto.actors import opening_hours
from carto.actors.models import Actor
from tests.helpers import public_actors

from .conftest import load_seq, wait_loaded

pytestmark = pytest.mark.django_db
LENS = (2.832435, 50.429256)
REGION_VIEW = "50.2,2.6,7"  # lat,lon,zoom holding the whole Hauts-de-France


def api(client, **params) -> dict:
    params.setdefault("page_size", 500)
    return json.loads(client.get("/api/v1/actors/", params).content)


def list_ids(page) -> list[int]:
    return [
        int(i)
        for i in page.eval_on_selector_all(
            "[data-results] [data-id]", "nodes => nodes.map(n => n.dataset.id)"
        )
    ]


def open_now_label(hours: str) -> str:
    """What the detail must say of these hours at this minute, in French local time."""
    now = timezone.localtime(timezone.now(), ZoneInfo("Europe/Paris")).replace(tzinfo=None)
    return "Ouvert maintenant" if opening_hours.is_open(hours, now) else "Fermé en ce moment"


def test_map_loads_without_console_error_and_shows_clusters(open_page, client, artifacts):
    page, console = open_page("/carte/")
    loaded = wait_loaded(page)
    assert loaded == api(client)["count"] == public_actors().count()
    # Once the view settled on the départements, every actor is on the map: in a cluster
    # (which shows how many it holds) or on its own.
    page.wait_for_function(
        """n => [...document.querySelectorAll('.marker-cluster')]
                 .reduce((sum, c) => sum + Number(c.textContent), 0)
               + document.querySelectorAll('.pastille').length === n""",
        arg=loaded,
    )
    assert page.locator(".marker-cluster").count() >= 5  # one at least per demo area
    assert (
        page.locator(".leaflet-overlay-pane path").count() >= 6
    )  # the départements drawn without tiles
    page.wait_for_selector(
        "[data-carte][data-basemap=off]", state="attached"
    )  # no tile server here
    assert "Fond de plan indisponible" in page.text_content(".sans-fond")
    page.screenshot(path=artifacts / "carte.png")
    assert console.errors == []


FRANCE_VIEW = "46.5,2.5,5"  # from the Nord to the Ariège: every demo actor in view


def test_choosing_a_theme_shows_exactly_what_the_api_returns(open_page, client):
    page, console = open_page(f"/carte/?map={FRANCE_VIEW}")
    before = wait_loaded(page)
    page.click("[data-facets] summary")
    seq = load_seq(page)
    page.check('input[name="theme"][value="acces-aux-droits"]')
    loaded = wait_loaded(page, seq)
    expected = api(client, theme="acces-aux-droits")
    assert loaded == expected["count"] < before
    assert sorted(list_ids(page)) == sorted(f["id"] for f in expected["features"])
    assert "theme=acces-aux-droits" in page.url
    assert console.errors == []


def test_autour_de_moi_lists_the_nearest_actor_first(open_page, client):
    page, console = open_page(
        "/carte/",
        geolocation={"longitude": LENS[0], "latitude": LENS[1]},
        permissions=["geolocation"],
    )
    wait_loaded(page)
    seq = load_seq(page)
    page.click("[data-locate]")
    wait_loaded(page, seq)
    nearest = api(client, near="{:.6f},{:.6f}".format(*LENS), radius_km=10)["features"]
    assert list_ids(page)[: len(nearest)] == [f["id"] for f in nearest]
    first = page.locator("[data-results] li").first
    assert nearest[0]["properties"]["name"] in first.text_content()
    assert "à " in first.locator(".distance").text_content()
    assert "near=" in page.url and "radius_km=10" in page.url
    assert console.errors == []


def test_a_deep_link_restores_filters_view_and_selection_and_back_works(
    open_page, api_server, artifacts
):
    actor = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
    open_now = {open_now_label(actor.opening_hours)}
    page, console = open_page(
        f"/carte/?theme=numerique&map=50.43000,2.83000,13&actor={actor.id}&overlays=bv"
    )
    wait_loaded(page)
    page.wait_for_selector("[data-detail]:not([hidden]) h2")
    assert page.text_content("[data-detail] h2") == actor.name
    assert page.is_checked('input[name="theme"][value="numerique"]')
    assert page.is_checked('input[name="overlay"][value="bv"]')
    view = parse_qs(urlparse(page.url).query)["map"][0].split(",")
    assert (
        view[2] == "13" and abs(float(view[0]) - 50.43) < 0.01 and abs(float(view[1]) - 2.83) < 0.01
    )
    detail = page.text_content("[data-detail]")
    assert "Horaires" in detail and "du mardi au vendredi" in detail
    # Open or closed as the hours say at this minute (read again: a minute may have turned).
    open_now.add(open_now_label(actor.opening_hours))
    assert page.text_content("[data-detail] .ouvert, [data-detail] .ferme") in open_now
    share = page.input_value("[data-detail] input[readonly]")
    assert share.startswith(f"{api_server}/carte/?actor={actor.id}&map=")
    page.screenshot(path=artifacts / "fiche.png")
    # A new filter is a history step: « back » restores the previous filters.
    seq = load_seq(page)
    page.click("[data-facets] summary") if not page.is_visible(
        'input[name="theme"][value="culture"]'
    ) else None
    page.check('input[name="theme"][value="culture"]')
    wait_loaded(page, seq)
    assert "theme=culture" in page.url
    seq = load_seq(page)
    page.go_back()
    wait_loaded(page, seq)
    assert "theme=culture" not in page.url
    assert not page.is_checked('input[name="theme"][value="culture"]')
    assert page.is_checked('input[name="theme"][value="numerique"]')
    assert console.errors == []


def test_keyboard_opens_a_result(open_page):
    page, console = open_page(f"/carte/?map={REGION_VIEW}")
    wait_loaded(page)
    page.focus("[data-results] li:first-child button")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-detail]:not([hidden]) h2")
    assert page.evaluate("document.activeElement.matches('[data-detail]')")
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-detail]", state="hidden")
    assert console.errors == []


def test_territory_picker_filters_by_a_bassin_de_vie(open_page, client):
    page, console = open_page("/carte/")
    wait_loaded(page)
    seq = load_seq(page)
    page.fill("#f-territory", "lens")
    page.wait_for_selector("#f-territory-options li")
    option = page.locator("#f-territory-options li", has_text="bassin de vie").first
    option.dispatch_event("mousedown")
    loaded = wait_loaded(page, seq)
    assert loaded == api(client, territory="bv:62498")["count"]
    assert "territory=bv%3A62498" in page.url or "territory=bv:62498" in page.url
    assert console.errors == []


def test_usable_at_360_px(open_page, artifacts):
    page, console = open_page("/carte/", viewport={"width": 360, "height": 740})
    wait_loaded(page)
    assert page.is_visible("[data-toggle-list]") and not page.is_visible("[data-results]")
    page.click("[data-toggle-list]")
    assert page.is_visible("[data-results]")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    page.screenshot(path=artifacts / "carte-360px.png")
    assert console.errors == []


class _PartnerPage(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        body = self.server.html.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def partner_server():
    """A server on another origin (another port of 127.0.0.1) answering `server.html`."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _PartnerPage)
    server.html = ""
    server.url = f"http://127.0.0.1:{server.server_port}/"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def partner_site(partner_server, api_server):
    """A partner's page that includes /embed.js."""
    partner_server.html = f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Centre social partenaire</title></head>
<body><h1>Nos partenaires près de chez vous</h1>
<div id="widget" data-carto-embed data-territory="bv:62498" data-theme="numerique" style="width:900px;height:520px"></div>
<script src="{api_server}/embed.js" async></script></body></html>"""
    return partner_server.url


def test_embed_js_renders_the_widget_with_its_preset_from_another_origin(
    open_page, partner_site, client, artifacts
):
    page, console = open_page("")
    embed_requests = []
    page.on(
        "requestfinished",
        lambda request: embed_requests.append(request) if "/embed" in request.frame.url else None,
    )
    page.goto(partner_site)
    page.wait_for_selector("#widget iframe")
    frame_element = page.query_selector("#widget iframe")
    box = frame_element.bounding_box()
    assert box["width"] == 900 and box["height"] == 520  # sized to its container
    frame = frame_element.content_frame()
    frame.wait_for_function(
        "() => Number(document.querySelector('[data-carte]').dataset.loadSeq || 0) > 0"
    )
    expected = api(client, territory="bv:62498", theme="numerique")
    assert int(frame.get_attribute("[data-carte]", "data-loaded")) == expected["count"] > 0
    assert sorted(
        int(i)
        for i in frame.eval_on_selector_all(
            "[data-results] [data-id]", "n => n.map(x => x.dataset.id)"
        )
    ) == sorted(f["id"] for f in expected["features"])
    assert "Lens (bassin de vie)" in frame.text_content("[data-territory-chip]")
    assert frame.evaluate("document.cookie") == ""
    # First load of the widget, basemap tiles excluded, as transferred (compressed).
    transferred = sum(
        r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"] for r in embed_requests
    )
    assert 0 < transferred < 300 * 1024, transferred
    page.screenshot(path=artifacts / "embed.png")
    assert console.errors == []


def next_preview(page, previous=None):
    """The configurator's preview iframe, once it replaced `previous` and its widget loaded
    (a preview replaced while loading would abort its requests)."""
    page.wait_for_function(
        "old => { const f = document.querySelector('[data-preview] iframe'); return f && f !== old; }",
        arg=previous,
    )
    element = page.query_selector("[data-preview] iframe")
    frame = element.content_frame()
    frame.wait_for_function(
        "() => Number((document.querySelector('[data-carte]') || {dataset: {}}).dataset.loadSeq) > 0"
    )
    frame.wait_for_load_state("networkidle")
    return element


def test_configurator_builds_snippets_that_show_the_chosen_widget(
    open_page, api_server, partner_server, client, artifacts
):
    page, console = open_page("/embed/configurateur/")
    preview = next_preview(page)
    page.fill("#c-territory", "lens")
    option = page.locator("#c-territory-options li", has_text="bassin de vie").first
    option.wait_for()
    option.dispatch_event("mousedown")
    preview = next_preview(page, preview)
    page.select_option("#c-theme", "numerique")
    preview = next_preview(page, preview)
    page.fill("#c-height", "600")
    page.press("#c-height", "Tab")  # a number field reports its change when left
    preview = next_preview(page, preview)
    snippet = page.input_value("#c-snippet")
    assert snippet == (
        '<div data-carto-embed data-territory="bv:62498" data-theme="numerique" data-height="600"></div>\n'
        f'<script src="{api_server}/embed.js" async></script>'
    )
    widget = f"{api_server}/embed/?territory=bv%3A62498&theme=numerique"
    assert page.input_value("#c-iframe") == (
        f'<iframe src="{widget.replace("&", "&amp;")}" title="Carte : qui fait quoi, où ?" '
        'style="border:0;width:100%;height:600px" allow="geolocation"></iframe>'
    )
    expected = api(client, territory="bv:62498", theme="numerique")["count"]
    assert expected > 0

    def assert_widget(frame_element):
        assert frame_element.get_attribute("src") == widget
        assert frame_element.bounding_box()["height"] == 600
        frame = frame_element.content_frame()
        frame.wait_for_function(
            "() => Number((document.querySelector('[data-carte]') || {dataset: {}}).dataset.loadSeq) > 0"
        )
        assert int(frame.get_attribute("[data-carte]", "data-loaded")) == expected
        assert "Lens (bassin de vie)" in frame.text_content("[data-territory-chip]")

    # The preview is the widget as configured.
    assert_widget(preview)
    page.screenshot(path=artifacts / "configurateur.png", full_page=True)
    assert console.errors == []
    # The snippet, pasted in a partner's page, shows the same widget.
    partner_server.html = (
        f'<!doctype html><html lang="fr"><title>Partenaire</title><body>{snippet}</body></html>'
    )
    partner, partner_console = open_page("")
    partner.goto(partner_server.url)
    partner.wait_for_selector("[data-carto-embed] iframe")
    assert_widget(partner.query_selector("[data-carto-embed] iframe"))
    assert partner_console.errors == []


def test_pres_de_an_address_when_a_geocoder_is_configured(open_page, ban, client):
    page, console = open_page("/carte/")
    wait_loaded(page)
    page.fill("#f-near", "12 rue de Paris Lens")
    option = page.locator("#f-near-options li", has_text="adresse").first
    option.wait_for()
    seq = load_seq(page)
    option.dispatch_event("mousedown")
    wait_loaded(page, seq)
    assert "near=2.830100%2C50.432100" in page.url or "near=2.830100,50.432100" in page.url
    nearest = api(client, near="2.830100,50.432100", radius_km=10)["features"]
    assert list_ids(page)[: len(nearest)] == [f["id"] for f in nearest]
    assert "12 Rue de Paris 62300 Lens" in page.text_content("[data-near-chip]")
    assert console.errors == []


def test_coverage_mode_draws_the_choropleth_and_opens_a_territory_sheet(
    open_page, client, artifacts
):
    page, console = open_page("/carte/?mode=couverture&level=bv&theme=numerique&map=50.4,2.7,8")
    page.wait_for_function(
        "() => !['loading', undefined].includes(document.querySelector('[data-carte]').dataset.coverage)"
    )
    expected = json.loads(
        client.get("/api/v1/coverage/", {"level": "bv", "theme": "numerique"}).content
    )
    assert (
        int(page.get_attribute("[data-carte]", "data-coverage")) == len(expected["features"]) == 169
    )
    legend = page.text_content(".legende")
    assert "Part de la population à moins de 5 km" in legend and "%" in legend
    page.screenshot(path=artifacts / "couverture.png")
    page.locator(".leaflet-overlay-pane path.leaflet-interactive").nth(40).click(force=True)
    page.wait_for_url(re.compile(r".*/territoire/bv/[0-9AB]{5}/$"))
    assert "Qui fait quoi" in page.text_content("main")
    assert console.errors == []


def test_planner_gaps_hosts_tour_and_calendar(open_page, artifacts):
    from icalendar import Calendar

    page, console = open_page(
        "/planifier/?territory=departement:62&level=commune&theme=numerique&label=Pas-de-Calais"
    )
    page.click("[data-gaps-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-gaps-loaded]", state="attached")
    assert page.locator("[data-gaps] li").count() == 15
    with page.expect_response(lambda response: "/planning/siting/" in response.url) as answer:
        page.click("[data-siting-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-hosts-loaded]", state="attached")
    assert page.get_attribute("[data-planner]", "data-hosts-loaded") == "3"
    siting = answer.value.json()
    status = page.text_content("[data-siting-status]")
    assert status == siting["summary"]
    # Its claim is the one the solver proved: optimal when the greedy met its upper bound,
    # otherwise the share of the optimum it surely reaches, rounded down to 0.1 %.
    if siting["guarantee"] >= 1:
        assert status.endswith(" : c’est le meilleur résultat possible avec 3 lieux.")
    else:
        share = f"{math.floor(siting['guarantee'] * 1000) / 10:.1f}".replace(".", ",")
        assert f" : au moins {share}\u00a0% du meilleur résultat possible avec 3 lieux." in status
        assert siting["worst_case_guarantee"] <= siting["guarantee"] < 1
    page.fill("#p-from", "2026-12-01")
    page.fill("#p-to", "2026-12-20")
    page.click("[data-tour-form] button[type=submit]")
    page.wait_for_selector("[data-planner][data-tour-loaded]", state="attached")
    assert page.get_attribute("[data-planner]", "data-tour-loaded") == "3"
    assert "ordre optimal (calcul exact)" in page.text_content("[data-tour-status]")
    # Counts agree with their nouns: « 3 séances sur 1 jour », never « jour(s) ».
    assert re.match(
        r"3 séances sur (1 jour|[2-9]\d* jours), ", page.text_content("[data-tour-status]")
    )
    with page.expect_download() as download:
        page.click("[data-export=ics]")
    events = [
        c
        for c in Calendar.from_ical(Path(download.value.path()).read_bytes()).walk()
        if c.name == "VEVENT"
    ]
    assert len(events) == 3
    # GeoJSON is saved as a file too, though its media type names JSON.
    with page.expect_download() as download:
        page.click("[data-export=geojson]")
    assert download.value.suggested_filename == "tournee.geojson"
    route = json.loads(Path(download.value.path()).read_text())
    assert route["type"] == "FeatureCollection" and route["features"]
    # The roadbook is written into a window opened at the click, where it loads the site's
    # stylesheet and print script (not observable here: Playwright's request routing holds
    # the sub-resources of such a window; its content is).
    with page.context.expect_page() as roadbook:
        page.click("[data-export=html]")
    roadbook.value.wait_for_selector("tbody tr")
    assert roadbook.value.text_content("h1") == "Tournée — Pas-de-Calais"
    assert roadbook.value.locator("tbody tr").count() == 3
    page.screenshot(path=artifacts / "planifier.png", full_page=True)
    assert console.errors == []


def test_print_buttons_need_no_inline_script(open_page):
    """« Imprimer » is wired by imprimer.js: the pages refuse inline scripts (CSP)."""
    for path in (
        "/carte/imprimer/?territory=commune:62498&theme=numerique",
        "/territoire/commune/62498/",
    ):
        page, console = open_page(path)
        page.evaluate("() => { window.print = () => { window.__printed = true; }; }")
        page.click("[data-print-page]")
        assert page.evaluate("() => window.__printed") is True
        assert console.errors == []
        if path.startswith("/carte/imprimer/"):
            # Back to the map with the same filters (the list opens in a new tab: no history).
            back = page.get_attribute("a:has-text('Retour à la carte')", "href")
            assert back == "/carte/?territory=commune%3A62498&theme=numerique"
