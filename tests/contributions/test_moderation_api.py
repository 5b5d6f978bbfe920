"""The moderation API: who may call it (token or session with CSRF), that its scope is the
pages' (`proposals_for`), what each decision answers (the entry, or a 409 that says why
and changes nothing), and that the proposer's name and e-mail never leave the server.

The entries and proposals are made with the moderation pages' factory
(tests/contributions/test_moderation.py)."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from carto.actors.models import Actor, Status
from carto.contributions.models import Proposal
from tests.contributions.test_moderation import MARK, actor, api_ids, initiative, propose, referent

pytestmark = pytest.mark.django_db

LIST = "/api/v1/moderation/proposals/"
PROPOSER_EMAIL = "camille@example.org"  # the factory's proposer
PROPOSER_NAME = "Camille Proposante"


class Api:
    """A client of the moderation API that keeps every answer, to look for leaks."""

    def __init__(self, client: Client, token: str | None = None):
        self.client, self.answers = client, []
        self.headers = {"Authorization": f"Token {token}"} if token else {}

    def get(self, path, query=None):
        return self._kept(self.client.get(path, query or {}, headers=self.headers))

    def post(self, path, data, **extra):
        response = self.client.post(
            path, json.dumps(data), content_type="application/json", headers=self.headers, **extra
        )
        return self._kept(response)

    def decide(self, proposal, action, **data):
        data.setdefault("version", proposal.entry.version)
        return self.post(f"{LIST}{proposal.pk}/{action}/", data)

    def listed(self, query=None) -> set[int]:
        response = self.get(LIST, query)
        assert response.status_code == 200, response.content
        return {item["id"] for item in response.json()["results"]}

    def _kept(self, response):
        self.answers.append(response.content.decode())
        return response

    def leaked_nothing(self) -> bool:
        text = "\n".join(self.answers)
        return PROPOSER_EMAIL not in text and PROPOSER_NAME not in text


def token_for(user) -> str:
    return Token.objects.create(user=user).key


@pytest.fixture
def pas_de_calais(client):
    return Api(client, token_for(referent("ref62", ["departement:62"])))


@pytest.fixture
def nord():
    return Api(Client(), token_for(referent("ref59", ["departement:59"])))


@pytest.fixture
def lens():
    """A new actor proposed in Lens (Pas-de-Calais), pending."""
    return propose(actor(f"{MARK} API Lens"), message="Un lieu ouvert le samedi.")


def test_anonymous_callers_get_a_french_401_and_nothing_changes(client, lens):
    api = Api(client)
    listing = api.get(LIST)
    assert listing.status_code == 401
    assert listing["WWW-Authenticate"] == "Token"
    assert "Authentification requise" in listing.json()["detail"]
    assert api.decide(lens, "publish").status_code == 401
    assert Api(Client(), "not-a-key").get(LIST).status_code == 401
    assert Actor.objects.get(pk=lens.actor_id).status == Status.PENDING
    assert api.leaked_nothing()


def test_a_user_who_moderates_nothing_gets_a_403(client, lens):
    api = Api(client, token_for(User.objects.create_user("curieux", password="x")))
    listing = api.get(LIST)
    assert listing.status_code == 403
    assert "Accès réservé" in listing.json()["detail"]
    assert api.decide(lens, "publish").status_code == 403
    assert Actor.objects.get(pk=lens.actor_id).status == Status.PENDING


def test_a_referent_lists_and_publishes_a_proposal_of_their_territory(pas_de_calais, lens):
    response = pas_de_calais.get(LIST)
    assert response.status_code == 200
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    page = response.json()
    [item] = [item for item in page["results"] if item["id"] == lens.pk]
    entry = Actor.objects.get(pk=lens.actor_id)
    assert item == {
        "id": lens.pk, "kind": "new", "state": "pending", "created_at": item["created_at"],
        "territory_codes": lens.territory_codes, "actor_kind": "centre-social",
        "entry": {"type": "actor", "id": entry.pk, "name": entry.name,
                  "version": entry.version, "status": "pending"},
        "changes": {}, "message": "Un lieu ouvert le samedi.",
    }  # fmt: skip
    assert "departement:62" in item["territory_codes"]
    assert page["count"] >= 1 and page["page"] == 1 and page["next"] is None
    assert lens.actor_id not in api_ids(Client(), f"/api/v1/actors/?q={MARK}")

    published = pas_de_calais.decide(lens, "publish", version=entry.version)
    assert published.status_code == 200, published.content
    assert published.json() == {"type": "actor", "id": entry.pk, "name": entry.name,
                                "version": entry.version + 1, "status": "published"}  # fmt: skip
    assert Proposal.objects.get(pk=lens.pk).state == Proposal.State.PUBLISHED
    assert lens.actor_id in api_ids(Client(), f"/api/v1/actors/?q={MARK}")
    assert lens.pk not in pas_de_calais.listed()  # decided: no longer pending
    again = pas_de_calais.decide(lens, "publish", version=entry.version + 1)
    assert again.status_code == 409 and "déjà été traitée" in again.json()["detail"]
    assert pas_de_calais.leaked_nothing()


def test_a_stale_version_is_a_409_with_the_current_one_and_nothing_changes(pas_de_calais, lens):
    entry = Actor.objects.get(pk=lens.actor_id)
    stale = pas_de_calais.decide(lens, "publish", version=entry.version + 1)
    assert stale.status_code == 409
    assert stale.json()["version"] == entry.version
    assert "modifié entre-temps" in stale.json()["detail"]
    assert Actor.objects.get(pk=entry.pk).status == Status.PENDING
    assert Actor.objects.get(pk=entry.pk).version == entry.version
    assert Proposal.objects.get(pk=lens.pk).state == Proposal.State.PENDING
    assert lens.actor_id not in api_ids(Client(), f"/api/v1/actors/?q={MARK}")
    assert pas_de_calais.leaked_nothing()


def test_a_referent_of_another_territory_neither_sees_nor_decides(nord, lens):
    assert lens.pk not in nord.listed()
    for action, data in [("publish", {}), ("refuse", {"reason": "Hors sujet"}), ("apply", {})]:
        response = nord.decide(lens, action, **data)
        assert response.status_code == 404, (action, response.content)
        assert f"n° {lens.pk}" in response.json()["detail"]
    assert Actor.objects.get(pk=lens.actor_id).status == Status.PENDING
    assert Proposal.objects.get(pk=lens.pk).state == Proposal.State.PENDING
    assert nord.leaked_nothing()


def test_refusing_needs_a_reason_and_sets_a_new_entry_aside(pas_de_calais, lens):
    missing = pas_de_calais.decide(lens, "refuse")
    assert missing.status_code == 400
    assert "reason" in missing.json()["parameters"]
    refused = pas_de_calais.decide(lens, "refuse", reason="Ce lieu a fermé.")
    assert refused.status_code == 200, refused.content
    assert refused.json()["status"] == "refused"
    proposal = Proposal.objects.get(pk=lens.pk)
    assert (proposal.state, proposal.reason) == (Proposal.State.REFUSED, "Ce lieu a fermé.")
    assert pas_de_calais.leaked_nothing()


def test_a_correction_is_applied_and_a_new_entry_is_not(pas_de_calais, lens):
    place = actor(f"{MARK} API publié", status=Status.PUBLISHED)
    correction = propose(place, Proposal.Kind.CORRECTION, changes={"phone": "03 21 00 00 00"})
    assert pas_de_calais.listed({"kind": "correction"}) == {correction.pk}
    assert lens.pk in pas_de_calais.listed({"kind": "new", "territory": "commune:62498"})
    assert lens.pk not in pas_de_calais.listed({"territory": "commune:59350"})
    wrong = pas_de_calais.decide(lens, "apply")
    assert wrong.status_code == 409 and "se publie" in wrong.json()["detail"]
    applied = pas_de_calais.decide(correction, "apply")
    assert applied.status_code == 200, applied.content
    assert Actor.objects.get(pk=place.pk).phone == "03 21 00 00 00"
    assert Proposal.objects.get(pk=correction.pk).state == Proposal.State.APPLIED


def test_an_initiative_is_named_by_its_title(pas_de_calais):
    proposal = propose(initiative(f"{MARK} API atelier"))
    [item] = [i for i in pas_de_calais.get(LIST).json()["results"] if i["id"] == proposal.pk]
    assert item["entry"]["type"] == "initiative"
    assert item["entry"]["title"] == f"{MARK} API atelier"


def test_parameters_and_bodies_are_checked(pas_de_calais, lens):
    unknown = pas_de_calais.get(LIST, {"colour": "red"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["detail"]
    assert pas_de_calais.get(LIST, {"page": 99}).status_code == 404
    form = pas_de_calais.client.post(
        f"{LIST}{lens.pk}/publish/", {"version": 1}, headers=pas_de_calais.headers
    )
    assert form.status_code == 415
    assert Actor.objects.get(pk=lens.actor_id).status == Status.PENDING


def test_a_session_must_send_its_csrf_token(lens):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(referent("ref62", ["departement:62"]))
    assert lens.pk in Api(browser).listed()  # reading needs no CSRF token
    version = Actor.objects.get(pk=lens.actor_id).version
    without = Api(browser).decide(lens, "publish", version=version)
    assert without.status_code == 403 and "CSRF" in without.json()["detail"]
    assert Actor.objects.get(pk=lens.actor_id).status == Status.PENDING
    browser.get("/moderation/connexion/")  # its form sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    with_token = Api(browser).post(
        f"{LIST}{lens.pk}/publish/", {"version": version}, HTTP_X_CSRFTOKEN=token
    )
    assert with_token.status_code == 200, with_token.content
    assert Actor.objects.get(pk=lens.actor_id).status == Status.PUBLISHED
