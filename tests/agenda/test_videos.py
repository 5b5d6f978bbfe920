"""Video players offered on click: addresses derived from an allow-list of hosts, the
page's CSP frames exactly those players, and no frame is in the page before a click."""

import pytest
from django.utils.html import escape

from carto.actors.models import Initiative
from carto.agenda import models as agenda
from carto.agenda.videos import frame_sources, player


@pytest.mark.parametrize(
    "url, src, site",
    [
        ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "YouTube"),
        ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "YouTube"),
        ("https://m.youtube.com/shorts/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ", "YouTube"),
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1", "Vimeo"),
        ("https://www.dailymotion.com/video/x8abc12_festival-des-films", "https://geo.dailymotion.com/player.html?video=x8abc12", "Dailymotion"),
        ("https://dai.ly/x8abc12", "https://geo.dailymotion.com/player.html?video=x8abc12", "Dailymotion"),
        ("https://tube.example.org/w/9c9de5e8-0a1e-484a-b099-e80766180a6d", "https://tube.example.org/videos/embed/9c9de5e8-0a1e-484a-b099-e80766180a6d", "PeerTube (tube.example.org)"),
        ("https://video.example.org/videos/watch/kkGMgK9ZtnKfYAgnEtQxbv", "https://video.example.org/videos/embed/kkGMgK9ZtnKfYAgnEtQxbv", "PeerTube (video.example.org)"),
    ],
)  # fmt: skip
def test_known_players(url, src, site):
    found = player(url)
    assert found is not None and (found.src, found.site) == (src, site)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)//youtu.be/dQw4w9WgXcQ",
        "https://youtube.com.evil.example/watch?v=dQw4w9WgXcQ",  # a look-alike host
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ%22onload%3D",  # not an identifier
        "https://www.youtube.com/watch?v=short",
        "https://vimeo.com/channels/staffpicks",
        "http://tube.example.org/w/9c9de5e8-0a1e",  # PeerTube only over https
        "https://tube.example.org:8443/w/9c9de5e8-0a1e",  # nor on another port
        "https://example.org/article/festival",
        "",
    ],
)
def test_unknown_links_stay_links(url):
    assert player(url) is None


def test_frame_sources_are_the_players_origins():
    urls = [
        "https://youtu.be/dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=aaaaaaaaaaa",
        "https://tube.example.org/w/9c9de5e8-0a1e",
        "https://example.org/not-a-video",
        "",
    ]
    assert frame_sources(urls) == ["https://tube.example.org", "https://www.youtube-nocookie.com"]


@pytest.mark.django_db
def test_experiences_offers_players_on_click_only(client):
    shown = Initiative.objects.listed().exclude(limits="").order_by("id").first()
    agenda.Testimony.objects.create(
        initiative=shown, author="Un jeune", text="Notre film.",
        video_url="https://www.youtube.com/watch?v=dQw4w9WgXcQ", status="published",
    )  # fmt: skip
    agenda.Testimony.objects.create(
        initiative=shown,
        author="Hors liste",
        video_url="https://example.org/film",
        status="published",
    )
    page = client.get("/experiences/")
    html = page.content.decode()
    assert 'data-player="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in html
    assert "Le lecteur de YouTube ne se charge qu’après ce clic." in html
    assert 'href="https://example.org/film"' in html  # an unknown host: a link only
    assert "<iframe" not in html
    policy = page.headers["Content-Security-Policy"]
    assert "frame-src https://www.youtube-nocookie.com" in policy
    assert "example.org" not in policy


@pytest.mark.django_db
def test_no_player_no_frame_source(client):
    agenda.Testimony.objects.all().delete()
    page = client.get("/experiences/")
    assert page.status_code == 200
    assert "frame-src" not in page.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_an_event_page_gathers_its_festival(client, make_event):
    films = list(Initiative.objects.listed().order_by("id")[:2])
    hidden = Initiative.objects.exclude(status="published").first()
    festival = make_event(title="Festival des films citoyens", format="annuel")
    festival.initiatives.add(*films, *([hidden] if hidden else []))
    agenda.Testimony.objects.create(
        initiative=films[0], author="L’équipe du film", text="Tourné au <b>quartier</b>.",
        video_url="https://vimeo.com/76979871", status="published",
    )  # fmt: skip
    agenda.Testimony.objects.create(
        initiative=films[1], author="En attente", text="pas encore relu", status="pending"
    )
    page = client.get(f"/agenda/evenements/{festival.pk}/")
    html = page.content.decode()
    assert "Les initiatives présentées (2)" in html
    assert all(escape(film.title) in html for film in films)
    if hidden is not None:
        assert escape(hidden.title) not in html
    assert "Tourné au &lt;b&gt;quartier&lt;/b&gt;." in html
    assert "pas encore relu" not in html
    assert 'data-player="https://player.vimeo.com/video/76979871?dnt=1"' in html
    assert "<iframe" not in html
    assert "frame-src https://player.vimeo.com" in page.headers["Content-Security-Policy"]
