"""What is not listed appears nowhere: every operation of the public API (walked from the
OpenAPI schema itself, so a new one cannot be forgotten) and every page are requested
with pending, refused, archived and duplicate actors and pending and refused initiatives
in the database, placed in Lens among the demo data, with names no other text holds.

The expected public set is written here independently (published, and for an actor not a
duplicate), never through `listed()`, the definition under test."""

import json
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.test import Client
from django.utils import timezone

from carto.actors.models import Actor, Initiative
from carto.actors.services import attach_actors, attach_initiatives
from carto.agenda.catalogue import save_skill
from carto.agenda.models import Event, Occurrence, Participant, Skill
from carto.agenda.services import save_event
from carto.planning.services import refresh_derived
from tests.helpers import body, public_actors

pytestmark = pytest.mark.django_db

MARK = "INVISIBLE-7f3a"
LENS = (2.8319, 50.4329)
LENS_BBOX = "2.75,50.38,2.92,50.48"
LIEVIN_EPCI = "epci:246200364"


def public_initiatives():
    return Initiative.objects.filter(status="published")


@pytest.fixture
def hidden(db):
    """The unlisted entries, and listed ones that point at them."""
    original = public_actors().filter(commune_code="62498").first()

    def actor(state: str, **fields) -> Actor:
        return Actor.objects.create(
            name=f"{MARK} acteur {state}",
            kind_id="centre-social",
            themes=["numerique", "citoyennete"],
            publics=["tous-publics"],
            location=Point(*LENS, srid=4326),
            source="test-listed",
            source_id=state,
            city="Lens",
            postcode="62300",
            address="1 rue de la Paix",
            services=["Aide aux démarches administratives"],  # what the LMN export holds
            **fields,
        )

    actors = [
        actor("pending", status="pending"),
        actor("refused", status="refused"),
        actor("archived", status="archived"),
        actor("duplicate", status="published", duplicate_of=original, siret=""),
    ]
    pending = actors[0]
    # Listed entries whose links lead to unlisted ones: the links must not show.
    child = Actor.objects.create(
        name="Antenne visible de test", kind_id="centre-social", status="published",
        location=Point(LENS[0] + 0.001, LENS[1], srid=4326), source="test-listed",
        source_id="child", parent=pending,
    )  # fmt: skip
    initiatives = [
        Initiative.objects.create(
            title=f"{MARK} initiative {state}",
            status=state,
            organizer=pending,
            footprint_codes=["commune:62498"],
            themes=["numerique"],
            source="test-listed",
            source_id=state,
        )
        for state in ("pending", "refused", "archived")
    ]
    visible = Initiative.objects.create(
        title="Initiative visible de test", status="published", organizer=pending,
        footprint_codes=[], themes=["numerique"], source="test-listed", source_id="visible",
    )  # fmt: skip
    visible.partner_actors.set(actors[1:3])
    attach_actors([a.id for a in [*actors, child]])
    attach_initiatives([i.id for i in [*initiatives, visible]])
    refresh_derived()  # in the test's transaction: the view holds them if it would
    events = [
        save_event(Event(
            title=f"{MARK} événement {state}", status=state, format="atelier",
            starts_at=timezone.now() + timedelta(days=1), ends_at=timezone.now() + timedelta(days=1, hours=2),
            location=Point(*LENS, srid=4326), themes=["numerique"], source="test-listed", source_id=state,
        ))
        for state in ("pending", "refused", "archived")
    ]  # fmt: skip
    # A listed event organised by an unlisted actor: the organiser must not show.
    visible_event = save_event(Event(
        title="Événement visible de test", status="published", format="atelier", organizer=pending,
        starts_at=timezone.now() + timedelta(days=1), ends_at=timezone.now() + timedelta(days=1, hours=2),
        location=Point(*LENS, srid=4326), source="test-listed", source_id="visible",
    ))  # fmt: skip
    sessions = list(Occurrence.objects.filter(event__in=events).values_list("id", flat=True))
    # The catalogue: an offer by a person who does not consent, an archived offer, and a
    # listed request that both would match.
    people = [
        Participant.objects.create(
            user=User.objects.create_user(f"listed-{consent}", email=f"listed-{consent}@example.org"),
            pseudonym=f"{MARK} personne" if not consent else "Personne visible de test",
            commune_code="62498", consent=consent,
        )
        for consent in (False, True)
    ]  # fmt: skip
    for who, state in ((people[0], "published"), (people[1], "archived")):
        save_skill(Skill(direction="offer", title=f"{MARK} savoir {state}", themes=["numerique"],
                         format="atelier", modes=["sur-place"], participant=who, status=state))  # fmt: skip
    visible_request = save_skill(Skill(
        direction="request", title="Demande visible de test", themes=["numerique"],
        participant=people[1],
    ))  # fmt: skip
    return {"actors": actors, "initiatives": initiatives, "child": child, "visible": visible,
            "events": events, "sessions": sessions, "visible_event": visible_event,
            "visible_request": visible_request}  # fmt: skip


def assert_hidden(response, hidden, where: str) -> None:
    text = body(response).decode("utf-8", "replace")
    assert MARK not in text, f"{where} shows an unlisted entry"
    if response["Content-Type"].startswith(("application/json", "application/geo+json")):
        data = json.loads(text)
        features = data.get("features", []) if isinstance(data, dict) else []
        ids = {f.get("id") for f in features}
        if "events" in where or "agenda" in where:
            unlisted = set(hidden["sessions"])
        else:
            entries = hidden["initiatives"] if "initiatives" in where else hidden["actors"]
            unlisted = {entry.id for entry in entries}
        assert not ids & unlisted, f"{where} lists unlisted ids {ids & unlisted}"


def schema_paths(client) -> set[str]:
    schema = client.get("/api/v1/schema.json").json()
    return {f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops}


def requests(hidden) -> dict[str, list]:
    """Requests that would show the unlisted entries if anything leaked, per operation."""
    actor_ids = [a.id for a in hidden["actors"]]
    initiative_ids = [i.id for i in hidden["initiatives"]]
    around = {"near": "2.8319,50.4329", "radius_km": 2}
    here = {"territory": "commune:62498"}
    directory = [{}, here, {"bbox": LENS_BBOX}, around, {"q": MARK}, {"kind": "centre-social"},
                 {"theme": "numerique", **here}, {"format": "csv", **here}]  # fmt: skip
    events = [{}, here, {"bbox": LENS_BBOX}, around, {"q": MARK}, {"theme": "numerique"}]
    coverage = [{"level": "commune", **here}, {"level": "qpv", **here},
                {"level": "epci", "territory": LIEVIN_EPCI, "format": "csv"}]  # fmt: skip
    return {
        "GET /api/v1/actors/": [("/api/v1/actors/", q) for q in directory],
        "GET /api/v1/actors/{id}/": [(f"/api/v1/actors/{i}/", {}) for i in actor_ids]
        + [(f"/api/v1/actors/{hidden['child'].id}/", {})],
        "GET /api/v1/initiatives/": [("/api/v1/initiatives/", q) for q in directory],
        "GET /api/v1/initiatives/{id}/": [(f"/api/v1/initiatives/{i}/", {}) for i in initiative_ids]
        + [(f"/api/v1/initiatives/{hidden['visible'].id}/", {})],
        "GET /api/v1/taxonomy/": [("/api/v1/taxonomy/", {})],
        "GET /api/v1/events/": [("/api/v1/events/", q) for q in events],
        "GET /api/v1/events/feed.ics": [("/api/v1/events/feed.ics", q) for q in events],
        "GET /api/v1/events/{id}/": [(f"/api/v1/events/{e.id}/", {}) for e in hidden["events"]]
        + [(f"/api/v1/events/{hidden['visible_event'].id}/", {})],
        "GET /api/v1/geocode/": [("/api/v1/geocode/", {"q": "Lens"})],
        "GET /api/v1/export/data-inclusion/structures.json": [
            ("/api/v1/export/data-inclusion/structures.json", q) for q in ({}, {"departement": "62"})
        ],
        "GET /api/v1/export/lmn/lieux.json": [
            ("/api/v1/export/lmn/lieux.json", q) for q in ({}, {"departement": "62"})
        ],
        "GET /api/v1/export/lmn/lieux.csv": [
            ("/api/v1/export/lmn/lieux.csv", q) for q in ({}, {"departement": "62"})
        ],
        "GET /api/v1/territories/": [("/api/v1/territories/", {"kind": "commune", "bbox": LENS_BBOX})],
        "GET /api/v1/territories/{kind}/{code}/": [("/api/v1/territories/commune/62498/", {})],
        "GET /api/v1/territories/locate/": [("/api/v1/territories/locate/", {"lon": LENS[0], "lat": LENS[1]})],
        "GET /api/v1/territories/search/": [("/api/v1/territories/search/", {"q": "Lens"})],
        "GET /api/v1/coverage/": [("/api/v1/coverage/", q) for q in coverage],
        "GET /api/v1/coverage/gaps/": [("/api/v1/coverage/gaps/", q) for q in coverage],
        "POST /api/v1/planning/siting/": [],  # below: a JSON body
        "POST /api/v1/planning/tours/": [],
        # Moderators only (tests/contributions/test_moderation_api.py): a 401, below.
        "GET /api/v1/moderation/proposals/": [],
        "POST /api/v1/moderation/proposals/{id}/publish/": [],
        "POST /api/v1/moderation/proposals/{id}/refuse/": [],
        "POST /api/v1/moderation/proposals/{id}/apply/": [],
        "GET /ogc/": [("/ogc/", {})],
        "GET /ogc/conformance": [("/ogc/conformance", {})],
        "GET /ogc/collections": [("/ogc/collections", {})],
        "GET /ogc/collections/{collection_id}": [
            (f"/ogc/collections/{c}", {}) for c in ("actors", "initiatives", "events")
        ],
        "GET /ogc/collections/{collection_id}/items": [
            (f"/ogc/collections/{c}/items", {"bbox": LENS_BBOX, "limit": 1000})
            for c in ("actors", "initiatives", "events")
        ],
        "GET /ogc/collections/{collection_id}/items/{feature_id}": [
            (f"/ogc/collections/actors/items/{i}", {}) for i in actor_ids
        ]
        + [(f"/ogc/collections/initiatives/items/{i}", {}) for i in initiative_ids]
        + [(f"/ogc/collections/events/items/{i}", {}) for i in hidden["sessions"]],
    }  # fmt: skip


PAGES = [
    "/",
    "/carte/",
    "/embed/?territory=commune:62498",
    "/embed/?mode=agenda&territory=commune:62498&periode=mois",
    "/embed/configurateur/",
    "/carte/imprimer/?territory=commune:62498",
    "/carte/imprimer/?near=2.8319,50.4329&radius_km=2",
    "/planifier/",
    "/territoire/commune/62498/",
    f"/territoire/{LIEVIN_EPCI.replace(':', '/')}/",
    "/territoire/departement/62/",
    "/agenda/",
    "/agenda/?vue=mois",
    "/agenda/?lieu=Lens&periode=mois",
    "/agenda/savoirs/",
    "/agenda/savoirs/?sens=offer&format=atelier&ou=sur-place&lieu=Lens",
    "/experiences/",
    "/agenda/proposer/",
]


def test_every_operation_of_the_schema_hides_unlisted_entries(client, hidden):
    walk = requests(hidden)
    assert schema_paths(client) == set(walk), "an operation of the schema is not walked here"
    for operation, calls in walk.items():
        for path, query in calls:
            response = client.get(path, query)
            where = f"{operation} {path}?{urlencode(query)}"
            assert response.status_code in (200, 404), (where, response.status_code)
            assert_hidden(response, hidden, where)
    moderation = client.get("/api/v1/moderation/proposals/")
    assert moderation.status_code == 401
    assert_hidden(moderation, hidden, "GET /api/v1/moderation/proposals/")
    for actor in hidden["actors"]:
        assert client.get(f"/api/v1/actors/{actor.id}/").status_code == 404
    for initiative in hidden["initiatives"]:
        assert client.get(f"/api/v1/initiatives/{initiative.id}/").status_code == 404
    for event in hidden["events"]:
        assert client.get(f"/api/v1/events/{event.id}/").status_code == 404
        assert client.get(f"/agenda/evenements/{event.id}/").status_code == 404
    page = client.get(f"/agenda/evenements/{hidden['visible_event'].id}/")
    assert page.status_code == 200
    assert_hidden(page, hidden, "agenda event page")


def test_a_catalogue_request_matches_only_listed_offers(client, hidden):
    page = client.get(f"/agenda/savoirs/{hidden['visible_request'].id}/")
    assert page.status_code == 200 and "Demande visible de test" in page.content.decode()
    assert_hidden(page, hidden, "catalogue request page")


def test_the_planning_posts_never_use_unlisted_actors(client, hidden):
    siting = client.post(
        "/api/v1/planning/siting/",
        json.dumps({"level": "commune", "territory": LIEVIN_EPCI, "candidate_kinds": ["centre-social"], "k": 5}),
        content_type="application/json",
    )  # fmt: skip
    assert siting.status_code in (200, 400)
    assert_hidden(siting, hidden, "siting")
    for actor in hidden["actors"]:
        tour = client.post(
            "/api/v1/planning/tours/",
            json.dumps({"start": {"lon": LENS[0], "lat": LENS[1]}, "stops": [{"actor": actor.id}],
                        "date_from": "2027-03-01", "date_to": "2027-03-10"}),
            content_type="application/json",
        )  # fmt: skip
        assert tour.status_code == 400
        assert tour.json()["parameters"] == {
            "stops[0].actor": [f"aucun acteur publié n° {actor.id}"]
        }


@pytest.mark.parametrize("path", PAGES)
def test_every_page_hides_unlisted_entries(client, hidden, path):
    response = client.get(path)
    assert response.status_code == 200
    assert_hidden(response, hidden, path)


def test_counts_are_those_of_the_public_set(client, hidden):
    totals = client.get("/api/v1/taxonomy/").json()["totals"]
    assert totals == {
        "actors": public_actors().count(),
        "initiatives": public_initiatives().count(),
    }
    lens = client.get("/api/v1/coverage/", {"level": "commune", "territory": "commune:62498"})
    (feature,) = lens.json()["features"]
    assert feature["properties"]["actors"] == public_actors().filter(commune_code="62498").count()
    home = client.get("/").content.decode()
    assert f"{public_actors().count()}" in home


def test_links_to_unlisted_actors_are_left_out(client, hidden):
    child = client.get(f"/api/v1/actors/{hidden['child'].id}/").json()["properties"]
    assert child["parent"] is None
    visible = client.get(f"/api/v1/initiatives/{hidden['visible'].id}/").json()
    assert visible["properties"]["organizer"] is None
    assert visible["properties"]["partner_actors"] == []
    # Without a place of its own or a listed organiser, it has no geometry.
    assert visible["geometry"] is None
    listed = client.get("/api/v1/initiatives/", {"q": "Initiative visible de test"}).json()
    (feature,) = listed["features"]
    assert "organizer" not in feature["properties"]


def test_a_pending_entry_becomes_visible_once_published(hidden):
    """The definition moves with the status: nothing else to update."""
    pending = hidden["actors"][0]
    client = Client()
    assert client.get(f"/api/v1/actors/{pending.id}/").status_code == 404
    Actor.objects.filter(pk=pending.pk).update(status="published")
    assert client.get(f"/api/v1/actors/{pending.id}/").status_code == 200


def test_a_tours_pages_never_show_unlisted_entries(client, hidden):
    """The other stops of a tour on an event's page, and the tour publication form (its
    organiser chosen among the stops' actors), keep to the listed set."""
    series = "tournee-test-listed"
    Event.objects.filter(pk__in=[e.pk for e in hidden["events"]]).update(series=series)
    Event.objects.filter(pk=hidden["visible_event"].pk).update(series=series)
    page = client.get(f"/agenda/evenements/{hidden['visible_event'].id}/")
    assert page.status_code == 200
    assert_hidden(page, hidden, "agenda event page of a tour")
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    for actor in hidden["actors"]:
        stop = {"actor": actor.id, "label": "", "start": f"{day}T10:00", "end": f"{day}T12:00"}
        form = client.post("/agenda/tournee/", {"tour": json.dumps({"stops": [stop]})})
        assert form.status_code == 200
        assert f"aucun acteur publié n° {actor.id}" in form.content.decode()
        assert_hidden(form, hidden, "tour publication form")
