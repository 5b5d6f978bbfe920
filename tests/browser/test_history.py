"""A moderator reads an actor's history in a real browser and reverts it; an editor's
admin page draws its map under the CSP; an owner saves from their link (a same-origin
referrer page that keeps Django's CSRF check).

For this module an actor of Lens (pending: it appears in no public output) is created and
edited twice by two users, the second edit naming it with a script payload; a référent
of the Pas-de-Calais and an administrator are signed in by session cookies. They are committed, because the
pages are served from the session database by another thread, and removed afterwards.
"""

from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.contrib.gis.geos import Point
from django.contrib.sessions.models import Session
from django.test import Client

from carto.actors.models import Actor, Precision, Status
from carto.actors.services import attach_actors
from carto.contributions.models import OwnerLink, Proposal, Referent
from carto.contributions.owners import issue_owner_link
from carto.contributions.services import save_checked
from carto.srid import WGS84
from carto.territories.codes import search_key

pytestmark = pytest.mark.django_db

SOURCE = "test_history"
USERS = ["historique-moderatrice", "historique-alice", "historique-bob", "historique-admin"]
ORIGINAL = "Centre social du Grand Lens"
PAYLOAD = '<img src=x onerror="window.__pwned=1"> Centre & co'


@pytest.fixture(scope="module")
def edited(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        remove()  # left by an interrupted session in a reused database
        moderator, alice, bob = (User.objects.create_user(name) for name in USERS[:3])
        editor = User.objects.create_superuser(USERS[3], "admin@example.org", None)
        Referent.objects.create(user=moderator, territories=["departement:62"])
        actor = Actor(
            name=ORIGINAL, name_key=search_key(ORIGINAL), kind_id="centre-social",
            address="1 place Jean Jaurès", postcode="62300", city="Lens", phone="03 21 00 00 00",
            location=Point(2.8319, 50.4329, srid=WGS84), precision=Precision.ADDRESS,
            status=Status.PENDING, source=SOURCE, source_id="acteur",
        )  # fmt: skip
        actor._change_reason = "création pour le test"
        actor.save()
        attach_actors([actor.pk])
        actor = save_checked(
            actor, actor.version, {"phone": "03 21 11 11 11", "description": "Ouvert le samedi"},
            alice, "horaires et téléphone",
        )  # fmt: skip
        actor = save_checked(actor, actor.version, {"name": PAYLOAD}, bob, "nouveau nom")
        session, admin_session = signed_in(moderator), signed_in(editor)
        owner_token = issue_owner_link(actor, "porteuse@example.org")
    try:
        yield SimpleNamespace(
            actor=actor.pk, session=session, admin_session=admin_session, owner_token=owner_token
        )
    finally:
        with django_db_blocker.unblock():
            Session.objects.filter(session_key__in=[session, admin_session]).delete()
            remove()


def signed_in(user) -> str:
    """A session key of `user`, for the browser's cookie."""
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def remove():
    ids = list(Actor.objects.filter(source=SOURCE).values_list("id", flat=True))
    Proposal.objects.filter(actor__in=ids).delete()
    OwnerLink.objects.filter(actor__in=ids).delete()
    Actor.objects.filter(id__in=ids).delete()
    Actor.history.model.objects.filter(id__in=ids).delete()
    User.objects.filter(username__in=USERS).delete()


def versions(page) -> list[dict]:
    return page.eval_on_selector_all(
        "[data-version]",
        """nodes => nodes.map(n => ({
            author: n.querySelector('[data-author]').textContent,
            reason: (n.querySelector('[data-reason]') || {}).textContent || '',
            changes: [...n.querySelectorAll('[data-changes] tbody tr')].map(
                row => [...row.children].map(cell => cell.textContent)),
        }))""",
    )


def open_signed_in(open_page, api_server, session: str, path: str):
    page, console = open_page("")
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": api_server}])
    page.goto(api_server + path)
    return page, console


def test_a_moderator_reads_the_history_and_reverts(open_page, api_server, edited, artifacts):
    page, console = open_signed_in(
        open_page, api_server, edited.session, f"/historique/acteur/{edited.actor}/"
    )

    bob, alice, created = versions(page)
    assert (bob["author"], bob["reason"]) == ("historique-bob", "nouveau nom")
    assert bob["changes"] == [["nom", ORIGINAL, PAYLOAD]]  # the payload, as text
    assert (alice["author"], alice["reason"]) == ("historique-alice", "horaires et téléphone")
    assert sorted(alice["changes"]) == [
        ["description", "—", "Ouvert le samedi"],
        ["téléphone public", "03 21 00 00 00", "03 21 11 11 11"],
    ]
    assert (created["author"], created["reason"]) == ("système", "création pour le test")
    assert page.text_content("h1").startswith(f"Historique de « {PAYLOAD} »")
    page.screenshot(path=artifacts / "historique.png", full_page=True)
    assert_nothing_ran(page, console)

    # Back to the first version: the entry as created, and the revert in the history.
    first = page.locator("[data-version]").last
    first.get_by_role("button", name="Revenir à cette version").click()
    page.wait_for_selector(".messages")
    assert "La fiche est revenue à cette version" in page.text_content(".messages")
    reverted, *older = versions(page)
    assert len(older) == 3
    assert reverted["author"] == "historique-moderatrice"
    assert reverted["reason"].startswith("retour à la version du ")
    assert reverted["reason"].endswith(" par système")
    assert sorted(reverted["changes"]) == [
        ["description", "Ouvert le samedi", "—"],
        ["nom", PAYLOAD, ORIGINAL],
        ["téléphone public", "03 21 11 11 11", "03 21 00 00 00"],
    ]
    actor = Actor.objects.get(pk=edited.actor)
    assert (actor.name, actor.phone, actor.description) == (ORIGINAL, "03 21 00 00 00", "")
    assert actor.status == Status.PENDING
    page.screenshot(path=artifacts / "historique-retour.png", full_page=True)
    assert_nothing_ran(page, console)


def assert_nothing_ran(page, console):
    page.wait_for_load_state("networkidle")
    assert page.evaluate("window.__pwned") is None
    assert console.errors == []


def test_the_editors_map_draws_under_the_csp(open_page, api_server, edited, artifacts):
    """The admin's Leaflet widget sets itself up in inline scripts: they carry the nonce."""
    page, console = open_signed_in(
        open_page, api_server, edited.admin_session, f"/admin/actors/actor/{edited.actor}/change/"
    )
    page.wait_for_selector("#id_location-div-map .leaflet-marker-icon")
    assert page.input_value("#id_name") == Actor.objects.get(pk=edited.actor).name
    page.locator("#id_location-div-map").scroll_into_view_if_needed()
    page.screenshot(path=artifacts / "admin-acteur.png")
    assert_nothing_ran(page, console)


def test_an_owner_saves_from_their_link(open_page, edited, artifacts):
    page, console = open_page(f"/proprietaire/{edited.owner_token}/")
    page.fill("#id_opening_hours", "Mo-Fr 09:00-17:00")
    page.check("#id_contact_consent")
    page.get_by_role("button", name="Enregistrer").click()
    page.wait_for_selector("[data-message]")
    assert "transmises aux modérateurs" in page.text_content("[data-message]")
    proposal = Proposal.objects.get(actor_id=edited.actor)
    assert proposal.changes == {"opening_hours": "Mo-Fr 09:00-17:00", "contact_consent": True}
    page.screenshot(path=artifacts / "proprietaire.png", full_page=True)
    assert_nothing_ran(page, console)
