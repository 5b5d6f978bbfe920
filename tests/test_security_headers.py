"""Every HTML page carries the Content-Security-Policy: our own scripts only, no inline
script, no plugin, no <base>, images also from the basemap's host; framing refused
except for the widget."""

import pytest

from tests.helpers import csp_directives

pytestmark = pytest.mark.django_db

PAGES = [
    "/",
    "/carte/",
    "/carte/imprimer/",
    "/embed/",
    "/embed/configurateur/",
    "/planifier/",
    "/territoire/bv/62498/",
    "/territoire/commune/62498/",
    "/api/v1/docs/",
    "/api/v1/redoc/",
    "/nulle-part/",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_policy(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert response["Content-Type"].startswith("text/html")
    policy = csp_directives(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert "https://tile.openstreetmap.org" in policy["img-src"]
    expected_frames = ["*"] if path == "/embed/" else ["'none'"]
    assert policy["frame-ancestors"] == expected_frames
    html = response.content.decode()
    # No inline script (a JSON data block is not executed) and no inline handler.
    for chunk in html.split("<script")[1:]:
        opening = chunk.split(">", 1)[0]
        assert "src=" in opening or 'type="application/json"' in opening, opening
    assert " onclick=" not in html and "javascript:" not in html


def test_the_basemap_host_follows_the_setting(client, settings):
    from carto.settings import tile_origin

    assert (
        tile_origin("https://{s}.tile.example.org/{z}/{x}/{y}.png") == "https://*.tile.example.org"
    )
    assert tile_origin("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png") == "http://127.0.0.1:8080"
    with pytest.raises(Exception, match="CARTO_TILE_URL"):
        tile_origin("javascript:alert(1)")


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response["Location"])
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)
