"""The territory sheet, its names and counts checked against the territory outlines."""

import re
from collections import Counter

import pytest
from django.db import connection
from django.utils.html import escape

from carto.actors.models import Initiative, Theme
from carto.actors.taxonomy import PROGRAMMES
from carto.planning.views import SHEET_ACTORS
from carto.territories.models import Territory
from tests.helpers import (
    actors_inside,
    covered_communes,
    haversine_m,
    initiatives_inside,
    initiatives_of,
    outline,
    public_actors,
)

pytestmark = pytest.mark.django_db


def directory_actors() -> list:
    return [actor for actor in public_actors() if not actor.host_only]


def directory_actors_inside(geometry) -> list:
    """The public actors inside, host places (town halls) aside: the sheet, like the
    directory, shows them only to a visitor asking for their kind."""
    return [actor for actor in actors_inside(geometry) if not actor.host_only]


def offshore_actors_of(kind: str, code: str) -> list:
    """The public actors outside every outline of `kind` whose nearest outline, within
    1 km, is this territory's: a place on a quay, off the generalised coastline (the
    centre social of Grand-Fort-Philippe lies 297 m off it)."""
    return [actor for actor, nearest in offshore_actors(kind) if nearest == code]


def offshore_actors(kind: str) -> list[tuple]:
    """(actor, code of the nearest outline of `kind` within 1 km) for the public actors
    outside every outline of that kind, by the outlines alone."""
    ids = {actor.id: actor for actor in directory_actors()}
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.id, (SELECT t.code FROM territories_territory t
                              WHERE t.kind = %(kind)s AND ST_DWithin(t.geom, a.location, 0.02)
                                AND ST_DWithin(t.geom::geography, a.location::geography, 1000)
                              ORDER BY t.geom <-> a.location LIMIT 1)
                 FROM actors_actor a
                WHERE a.id = ANY(%(ids)s) AND NOT EXISTS (
                      SELECT 1 FROM territories_territory t
                       WHERE t.kind = %(kind)s AND ST_Contains(t.geom, a.location))""",
            {"kind": kind, "ids": list(ids)},
        )
        return [(ids[actor_id], nearest) for actor_id, nearest in cursor.fetchall()]


def actors_of(kind: str, code: str) -> list:
    """The actors a sheet counts, by the outlines: inside, or just off its coast."""
    return directory_actors_inside(outline(kind, code)) + offshore_actors_of(kind, code)


def test_bassin_de_vie_sheet(client):
    html = client.get("/territoire/bv/62498/").content.decode()
    actors = directory_actors_inside(outline("bv", "62498"))
    assert f"<strong>{len(actors)}</strong> acteurs" in html and len(actors) > 1
    assert "<td>France services</td><td>5</td>" in html.replace("\n", "")
    # Compared with the département holding most of its population (Pas-de-Calais), and its région.
    assert (
        "<td>Pas-de-Calais</td>" in html
        and "<td>Hauts-de-France</td>" in html
        and "<td>Nord</td>" not in html
    )
    assert "Zones blanches : les communes les moins couvertes" in html
    # Its gaps: the communes whose town hall has no actor within 5 km first.
    points = [(a.location.x, a.location.y) for a in directory_actors()]
    out_of_reach = [
        commune
        for commune in Territory.objects.filter(kind="commune", bv_code="62498")
        if min(haversine_m(commune.anchor.x, commune.anchor.y, x, y) for x, y in points) > 5000
    ]
    gaps = re.findall(r'<tr><td><a href="/territoire/commune/(\w+)/">', html)
    if out_of_reach:  # the largest commune out of reach is among its gaps
        assert max(out_of_reach, key=lambda commune: commune.population).code in gaps
    else:  # every commune within reach: first, one without an actor of its own
        assert directory_actors_inside(outline("commune", gaps[0])) == []
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
    actors = actors_of(kind, code)
    if kind in ("departement", "region"):
        initiatives = initiatives_inside(geometry)  # see OVERLAP_SHARE
        assert {i.id for i in initiatives} == {i.id for i in initiatives_of(kind, code)}
    else:
        initiatives = initiatives_of(kind, code)
    # The State's programmes have their own section (test_programmes_present_here).
    initiatives = [i for i in initiatives if not i.programme]
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
    if len(actors) <= SHEET_ACTORS:
        assert sorted(listed) == sorted(escape(a.name) for a in actors)
    else:  # the first ones by commune and name, and how many more the map shows
        assert len(listed) == SHEET_ACTORS
        assert not Counter(listed) - Counter(escape(a.name) for a in actors)
        assert f"… et {len(actors) - SHEET_ACTORS} autres" in html
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
            assert int(count) == len(actors_of(level, sub_code)), sub_code


def programme_sections(html: str) -> dict[str, list[str]]:
    """« Programmes présents ici »: {programme label: [site titles]} as the sheet shows them."""
    match = re.search(r"<h2>Programmes présents ici</h2>(.*?)</section>", html, re.S)
    if match is None:
        return {}
    return {
        label: re.findall(r"<li>(.*?)</li>", sites)
        for label, sites in re.findall(
            r"<h3>(.*?) <small>.*?</small></h3>(.*?)</ul>", match[1], re.S
        )
    }


@pytest.mark.parametrize(
    ("kind", "code"),
    [("bv", "62498"), ("departement", "09"), ("epci", "200033579"), ("qpv", "QN06224M")],
)
def test_programmes_present_here(client, kind, code):
    """The programme sites covering a commune of the territory (INSEE membership of the
    communes their footprint names), grouped by programme in the taxonomy's order."""
    html = client.get(f"/territoire/{kind}/{code}/").content.decode()
    if kind == "qpv":
        members = set(Territory.objects.get(kind="qpv", code=code).commune_codes)
        sites = [
            i for i in Initiative.objects.filter(status="published").exclude(programme="")
            if covered_communes(i) & members
        ]  # fmt: skip
    else:
        sites = [i for i in initiatives_of(kind, code) if i.programme]
    assert sites
    expected = {}
    for programme in PROGRAMMES:
        titles = sorted(escape(i.title) for i in sites if i.programme == programme.slug)
        if titles:
            expected[escape(programme.label)] = titles
    shown = programme_sections(html)
    assert list(shown) == list(expected)
    assert {label: sorted(titles) for label, titles in shown.items()} == expected
    for label, titles in expected.items():
        assert (
            f"{label} <small>({len(titles)} site{'s' if len(titles) > 1 else ''})</small>" in html
        )


def test_no_programme_no_section(client):
    """A commune where no programme acts has no such section."""
    covered = set()
    for site in Initiative.objects.filter(status="published").exclude(programme=""):
        covered |= covered_communes(site)
    communes = Territory.objects.filter(kind="commune", bv_code="62498").order_by("code")
    code = communes.exclude(code__in=covered).values_list("code", flat=True).first()
    assert (
        code
        and programme_sections(client.get(f"/territoire/commune/{code}/").content.decode()) == {}
    )
    assert programme_sections(client.get("/territoire/commune/62498/").content.decode())
