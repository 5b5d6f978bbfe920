"""The map pages as the server renders them: config, embed headers, snippet, print view."""

import json
import re

import pytest
from django.utils.html import escape

from carto.actors.models import Actor
from carto.actors.taxonomy import PROGRAMMES
from tests.helpers import actors_inside, csp_directives, outline

pytestmark = pytest.mark.django_db


def config_of(html: str) -> dict:
    match = re.search(
        r'<script id="carto-config" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1))


def test_map_page_in_french_with_its_configuration(client, settings):
    settings.CARTO_TILE_URL = "https://tuiles.exemple.fr/{z}/{x}/{y}.png"
    response = client.get("/carte/")
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="fr">' in html
    config = config_of(html)
    assert config["tiles"]["url"] == "https://tuiles.exemple.fr/{z}/{x}/{y}.png"
    assert {"slug": "numerique", "label": "Numérique"} in config["themes"]
    assert config["api"]["actors"] == "/api/v1/actors/"
    # Our own static files only: Leaflet from django-leaflet, the cluster plugin from npm.
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts == [
        "/static/leaflet/leaflet.js",
        "/static/vendor/markercluster/leaflet.markercluster.js",
        "/static/carto/carte.js",
    ]
    assert 'aria-label="Carte des acteurs"' in html and 'role="search"' in html


def test_map_page_offers_the_programmes_and_names_the_sources(client):
    """One toggle per programme of the State, with its swatch; the sources' titles for
    the sheet; the initiatives API the overlays read."""
    html = client.get("/carte/").content.decode()
    config = config_of(html)
    assert config["api"]["initiatives"] == "/api/v1/initiatives/"
    assert [p["slug"] for p in config["programmes"]] == [t.slug for t in PROGRAMMES]
    for term in PROGRAMMES:
        assert (
            f'<input type="checkbox" name="overlay" value="{term.slug}"> '
            f'<i class="echantillon programme-{term.slug}" aria-hidden="true"></i>'
            f"{escape(term.label)}</label>"
        ) in html
    assert config["sources"]["programmes"] == "Programmes de l’ANCT par commune (2024)"
    assert config["sources"]["france_services"] == "France services (ANCT, 1er août 2024)"


def test_embed_can_be_framed_sets_no_cookie(client, settings):
    response = client.get("/embed/?territory=bv:62498&theme=numerique")
    assert response.status_code == 200
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["*"]
    assert policy["script-src"] == ["'self'"]  # framable, not less strict otherwise
    assert "X-Frame-Options" not in response
    assert not response.cookies
    settings.CARTO_EMBED_ALLOWED_ORIGINS = [
        "https://www.mairie-lens.fr",
        "https://centres-sociaux.fr",
    ]
    restricted = client.get("/embed/")
    assert csp_directives(restricted["Content-Security-Policy"])["frame-ancestors"] == [
        "'self'",
        "https://www.mairie-lens.fr",
        "https://centres-sociaux.fr",
    ]
    page = client.get("/carte/")  # the full page is not framable
    assert page["X-Frame-Options"] == "DENY"
    assert csp_directives(page["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


def test_embed_script(client):
    response = client.get("/embed.js")
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Access-Control-Allow-Origin"] == "*"
    script = response.content.decode()
    assert 'var EMBED_URL = "http://testserver/embed/"' in script
    assert "[data-carto-embed]" in script


def test_configurator(client):
    html = client.get("/embed/configurateur/").content.decode()
    assert "Intégrer la carte sur votre site" in html
    assert 'data-embed-js="http://testserver/embed.js"' in html
    assert '<option value="numerique">Numérique</option>' in html


def test_print_view_groups_by_commune_with_hours_in_words(client):
    html = client.get("/carte/imprimer/", {"territory": "bv:62498"}).content.decode()
    # Independently: the public actors whose point lies in the bassin de vie's outline.
    actors = actors_inside(outline("bv", "62498"))
    assert f"{len(actors)} acteurs" in html and len(actors) > 1
    for actor in actors:
        assert actor.name.replace("'", "&#x27;") in html
    assert "<h2>Lens</h2>" in html
    assert "du mardi au vendredi : 9 h – 12 h" in html


def test_print_view_refuses_a_bad_parameter(client):
    response = client.get("/carte/imprimer/", {"near": "abc"})
    assert response.status_code == 400 and "near" in response.content.decode()


# The hours of the Lens bus as the detail words them, in minutes after midnight, Monday = 0.
LENS_BUS_HOURS = {0: [(810, 990)], **{day: [(540, 720), (810, 990)] for day in (1, 2, 3, 4)}}


def test_detail_gives_hours_in_words_and_open_now(client, monkeypatch):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    actor = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
    # Now, held still for the request, half a minute past the minute (never on a boundary).
    now = datetime.now(UTC).replace(second=30, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: now)
    properties = json.loads(client.get(f"/api/v1/actors/{actor.id}/").content)["properties"]
    assert properties["opening_hours_text"] == [
        "lundi : 13 h 30 – 16 h 30",
        "du mardi au vendredi : 9 h – 12 h, 13 h 30 – 16 h 30",
    ]
    paris = now.astimezone(ZoneInfo("Europe/Paris"))
    minute = paris.hour * 60 + paris.minute
    expected = any(start <= minute < end for start, end in LENS_BUS_HOURS.get(paris.weekday(), []))
    assert properties["open_now"] is expected, paris


def test_detail_open_now_follows_paris_time(client, monkeypatch):
    from datetime import UTC, datetime

    from django.utils import timezone

    actor = Actor.objects.get(name="Bus France services Pimms Médiation Lens")
    # Tuesday 24 November 2026, 09:30 UTC = 10:30 in Paris: open; 16:00 UTC = 17:00: closed.
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 24, 9, 30, tzinfo=UTC))
    assert (
        json.loads(client.get(f"/api/v1/actors/{actor.id}/").content)["properties"]["open_now"]
        is True
    )
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 11, 24, 16, 0, tzinfo=UTC))
    assert (
        json.loads(client.get(f"/api/v1/actors/{actor.id}/").content)["properties"]["open_now"]
        is False
    )


def test_qpv_without_outline_drawn_as_its_communes(client):
    data = json.loads(
        client.get(
            "/api/v1/territories/",
            {"kind": "qpv", "bbox": "2.7,50.3,2.9,50.5", "fallback": "commune", "zoom": 10},
        ).content
    )
    cite = next(f for f in data["features"] if f["properties"]["code"] == "QN06224M")
    assert cite["properties"]["outline"] == "commune" and cite["geometry"]["type"] in (
        "Polygon",
        "MultiPolygon",
    )
    without = json.loads(
        client.get("/api/v1/territories/", {"kind": "qpv", "bbox": "2.7,50.3,2.9,50.5"}).content
    )
    assert "QN06224M" not in {
        f["properties"]["code"] for f in without["features"]
    }  # no outline, not in a bbox


def test_geocode_endpoint_uses_the_ban_when_configured(client, ban):
    data = client.get("/api/v1/geocode/", {"q": "12 rue de Paris Lens"}).json()
    assert data["available"] is True
    assert data["results"][0] == {
        "label": "12 Rue de Paris 62300 Lens",
        "center": [2.8301, 50.4321],
        "precision": "address",
        "citycode": "62498",
    }
    assert ban.queries[-1]["q"] == ["12 rue de Paris Lens"]
    assert config_of(client.get("/carte/").content.decode())["api"]["geocode"] == "/api/v1/geocode/"


def test_geocode_endpoint_offline_and_bad_query(client, settings):
    settings.CARTO_GEOCODER_URL = ""
    assert client.get("/api/v1/geocode/", {"q": "12 rue de Paris"}).json() == {
        "q": "12 rue de Paris",
        "available": False,
        "results": [],
    }
    assert config_of(client.get("/carte/").content.decode())["api"]["geocode"] == ""
    assert "« q »" in client.get("/api/v1/geocode/", {"q": "a"}).json()["detail"]
