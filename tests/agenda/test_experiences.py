"""The « banque des expériences »: initiatives with their retex, published testimonies,
the events where they were presented; no third-party player loaded by the page."""

import pytest

from carto.actors.models import Initiative
from carto.agenda import models as agenda

pytestmark = pytest.mark.django_db


def test_initiatives_with_a_retex_testimonies_and_events(client, make_event):
    shown = Initiative.objects.listed().exclude(limits="").order_by("id").first()
    assert shown is not None, "the demo's action sheets hold retex"
    agenda.Testimony.objects.create(initiative=shown, author="Une habitante", text="On s’est <i>rencontrés</i>.",
                             video_url="https://video.example.org/w/abc", status="published")  # fmt: skip
    agenda.Testimony.objects.create(
        initiative=shown, author="Refusé", text="caché", status="refused"
    )
    festival = make_event(title="Festival des films citoyens", format="annuel")
    festival.initiatives.add(shown)
    page = client.get("/experiences/")
    assert page.status_code == 200
    html = page.content.decode()
    assert shown.title in html
    assert "Limites" in html
    assert "On s’est &lt;i&gt;rencontrés&lt;/i&gt;." in html
    assert "caché" not in html
    assert 'href="https://video.example.org/w/abc"' in html
    assert "<iframe" not in html  # nothing loads from the video site unless clicked
    assert "Festival des films citoyens" in html
    pending = Initiative.objects.exclude(status="published").exclude(limits="").first()
    if pending is not None:
        assert pending.title not in html


def test_filters_by_departement_and_theme(client):
    with_retex = Initiative.objects.listed().exclude(limits="").order_by("id")
    some, code = next(
        (i, c) for i in with_retex for c in i.territory_codes if c.startswith("departement:")
    )
    html = client.get("/experiences/", {"territoire": code}).content.decode()
    assert some.title in html
    elsewhere = with_retex.exclude(territory_codes__contains=[code]).first()
    if elsewhere is not None:
        assert elsewhere.title not in html
    assert client.get("/experiences/", {"theme": "nope"}).status_code == 200
