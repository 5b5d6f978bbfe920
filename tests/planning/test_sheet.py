"""The territory sheet, its names and counts checked against the territory outlines."""

import re
from collections import Counter

import pytest
from django.utils.html import escape

from carto.actors.models import Theme
from carto.territories.models import Territory
from tests.helpers import actors_inside, initiatives_inside, initiatives_of, outline

pytestmark = pytest.mark.django_db


def test_bassin_de_vie_sheet(client):
    html = client.get("/territoire/bv/62498/").content.decode()
    actors = actors_inside(outline("bv", "62498"))
    assert f"<strong>{len(actors)}</strong> acteurs" in html and len(actors) > 1
    assert "<td>France services</td><td>5</td>" in html.replace("\n", "")
    # Compared with the département holding most of its population (Pas-de-Calais), and its région.
    assert (
        "<td>Pas-de-Calais</td>" in html
        and "<td>Hauts-de-France</td>" in html
        and "<td>Nord</td>" not in html
    )
    assert "Zones blanches : commune les moins couverts" in html
    assert (
        'href="/territoire/commune/62427/"' in html
    )  # Hénin-Beaumont, the largest commune out of reach
    assert 'data-outline="/api/v1/territories/bv/62498/?zoom=11"' in html
    assert 'href="/planifier/?territory=bv%3A62498&amp;level=commune&amp;label=Lens"' in html


def test_qpv_and_unknown(client):
    assert client.get("/territoire/qpv/QN06224M/").status_code == 200
    assert client.get("/territoire/bv/99999/").status_code == 404
    assert client.get("/territoire/canton/1/").status_code == 404


def test_planner_page(client):
    html = client.get("/planifier/?territory=departement:62&level=bv").content.decode()
    assert "Planifier une coalition" in html
    assert (
        '"siting": "/api/v1/planning/siting/"' in html and '"territory": "departement:62"' in html
    )


def table(html: str, caption: str) -> dict[str, int]:
    """The rows « label → count » of the two-column table with this caption."""
    rows = re.search(rf"<caption>{caption}</caption>.*?<tbody>(.*?)</tbody>", html, re.S).group(1)
    return {
        label: int(n) for label, n in re.findall(r"<tr><td>(.*?)</td><td>(\d+)</td></tr>", rows)
    }


def sub_territories(kind: str, code: str) -> tuple[str, set[str]]:
    """The level of the sheet's « zones blanches » and the codes of that level in the territory."""
    communes = Territory.objects.filter(kind="commune")
    if kind == "region":
        return "departement", set(
            communes.filter(region_code=code).values_list("departement_code", flat=True)
        )
    if kind == "departement":
        return "bv", set(communes.filter(departement_code=code).values_list("bv_code", flat=True))
    if kind == "epci":
        return "commune", set(communes.filter(epci_code=code).values_list("code", flat=True))
    return "qpv", set(
        Territory.objects.filter(kind="qpv", commune_codes__contains=[code]).values_list("code", flat=True)
    )  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "code", "title"),
    [
        ("commune", "62160", "Boulogne-sur-Mer <small>(commune 62160)</small>"),
        ("epci", "200033579", "CU d&#x27;Arras <small>(epci 200033579)</small>"),
        ("departement", "09", "Ariège <small>(département 09)</small>"),
        ("region", "32", "Hauts-de-France <small>(région 32)</small>"),
    ],
)
def test_sheet_of_each_kind_against_its_outline(client, kind, code, title):
    response = client.get(f"/territoire/{kind}/{code}/")
    assert response.status_code == 200
    html = response.content.decode()
    territory = Territory.objects.get(kind=kind, code=code)
    geometry = outline(kind, code)
    actors = actors_inside(geometry)
    if kind in ("departement", "region"):
        initiatives = initiatives_inside(geometry)  # see OVERLAP_SHARE
        assert {i.id for i in initiatives} == {i.id for i in initiatives_of(kind, code)}
    else:
        initiatives = initiatives_of(kind, code)
    assert actors and initiatives
    assert f"<h1>{title}</h1>" in html
    assert (
        f"<p>{territory.population} habitants · <strong>{len(actors)}</strong> acteurs · "
        f"<strong>{len(initiatives)}</strong> initiative"
    ) in html
    # Who does what: by type and by theme, then every actor by name.
    assert table(html, "Par type") == Counter(escape(a.kind.label) for a in actors)
    labels = dict(Theme.objects.values_list("slug", "label"))
    assert table(html, "Par thème") == Counter(escape(labels[t]) for a in actors for t in a.themes)
    listed = re.findall(r"<li><strong>(.*?)</strong> — ", html)
    assert sorted(listed) == sorted(escape(a.name) for a in actors)
    section = html.split("<h2>Les initiatives</h2>", 1)[1]
    assert len(re.findall(r"<li>", section)) == len(initiatives)
    for initiative in initiatives:
        assert f"<li>{escape(initiative.title)}" in section
    # Actors per 10 000 inhabitants, the territory first.
    per_10k = f"{round(len(actors) * 10_000 / territory.population, 2):.2f}".replace(".", ",")
    assert f"<tbody><tr><td>{escape(territory.name)}</td><td>{per_10k}</td></tr>" in html
    # Its least covered sub-territories, each in it, with its own count of actors.
    level, members = sub_territories(kind, code)
    gaps = re.findall(
        r'<tr><td><a href="/territoire/(\w+)/(\w+)/">(.*?)</a></td><td>(\d+)</td>', html
    )
    assert len(gaps) == min(15, len(members)) > 0
    for sub_kind, sub_code, name, count in gaps:
        assert sub_kind == level and sub_code in members
        assert name == escape(Territory.objects.get(kind=level, code=sub_code).name)
        if level != "qpv":  # QPV counts need their outline, and most have none here
            assert int(count) == len(actors_inside(outline(level, sub_code))), sub_code
