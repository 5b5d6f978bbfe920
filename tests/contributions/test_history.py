"""An entry's history for its moderators: who, when, why, what changed; and « revenir à
cette version », itself checked against the version the page was opened on."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from carto.actors.models import Actor, Initiative, Status
from carto.contributions.history.records import author
from carto.contributions.models import Referent
from carto.contributions.services import save_checked

pytestmark = pytest.mark.django_db

PAYLOAD = '<img src=x onerror="window.__pwned=1"> Centre & co'


@pytest.fixture
def edited(actor):
    """Two edits by two users: Alice changes the phone and the contact, Bob the name."""
    alice, bob = User.objects.create_user("alice"), User.objects.create_user("bob")
    original = Actor.objects.get(pk=actor.pk)
    first = save_checked(
        actor, actor.version, {"phone": "03 21 11 11 11", "contact_email": "c@example.org"},
        alice, "téléphone corrigé",
    )  # fmt: skip
    second = save_checked(first, first.version, {"name": PAYLOAD}, bob, "nouveau nom")
    return original, second


def moderator_of(actor, username="referente") -> Client:
    user = User.objects.create_user(username)
    Referent.objects.create(user=user, territories=[f"departement:{actor.departement_code}"])
    client = Client()
    client.force_login(user)
    return client


def history_url(entry) -> str:
    kind = "acteur" if isinstance(entry, Actor) else "initiative"
    return f"/historique/{kind}/{entry.pk}/"


def test_anonymous_visitors_are_sent_to_the_login(client, actor):
    response = client.get(history_url(actor))
    assert response.status_code == 302
    assert response["Location"].startswith("/moderation/connexion/?next=")


def test_only_the_entrys_moderators_read_it(actor):
    elsewhere = User.objects.create_user("ailleurs")
    Referent.objects.create(user=elsewhere, territories=["departement:974"])
    other_kind = User.objects.create_user("autre-type")
    Referent.objects.create(
        user=other_kind,
        territories=[f"departement:{actor.departement_code}"],
        kinds=["mairie" if actor.kind_id != "mairie" else "tiers-lieu"],
    )
    plain = User.objects.create_user("visiteur")
    for user in (elsewhere, other_kind, plain):
        client = Client()
        client.force_login(user)
        assert client.get(history_url(actor)).status_code == 403, user
    staff = Client()
    staff.force_login(User.objects.create_user("equipe", is_staff=True))
    assert staff.get(history_url(actor)).status_code == 200
    assert moderator_of(actor).get(history_url(actor)).status_code == 200
    assert staff.get("/historique/acteur/999999999/").status_code == 404
    assert staff.get(f"/historique/structure/{actor.pk}/").status_code == 404


def test_who_when_why_and_the_differences_newest_first(actor, edited):
    page = moderator_of(actor).get(history_url(actor))
    html = page.content.decode()
    markers = ("nouveau nom", "téléphone corrigé", "création par <span data-author>import")
    bob, alice, created = (html.index(marker) for marker in markers)
    assert bob < alice < created
    assert "par <span data-author>bob</span>" in html
    assert "par <span data-author>alice</span>" in html
    assert f"par <span data-author>import {actor.source}</span>" in html
    # Alice's version: the phone and the contact person (private, shown to moderators).
    alice_part = html[alice:created]
    assert f"<del>{actor.phone or '—'}</del>" in alice_part
    assert "<ins>03 21 11 11 11</ins>" in alice_part
    assert "<ins>c@example.org</ins>" in alice_part
    assert "version" not in re.findall(r"<th scope=\"row\">([^<]+)</th>", alice_part)


def test_values_are_shown_as_text(actor, edited):
    html = moderator_of(actor).get(history_url(actor)).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt; Centre &amp; co" in html


def test_revert_restores_the_version_and_records_itself(actor, edited):
    original, current = edited
    client = moderator_of(actor)
    first = (
        actor.history.filter(phone=original.phone, name=original.name)
        .order_by("-history_id")
        .first()
    )
    response = client.post(
        f"{history_url(actor)}retour/{first.history_id}/", {"version": current.version}
    )
    assert response.status_code == 302 and response["Location"] == history_url(actor)
    reverted = Actor.objects.get(pk=actor.pk)
    assert (reverted.name, reverted.phone, reverted.contact_email) == (
        original.name, original.phone, original.contact_email,
    )  # fmt: skip
    assert reverted.version == current.version + 1
    assert reverted.status == current.status
    latest = reverted.history.order_by("-history_id").first()
    assert latest.history_user.username == "referente"
    assert latest.history_change_reason.startswith("retour à la version du ")
    assert latest.history_change_reason.endswith(f" par {author(first)}")
    page = client.get(history_url(actor)).content.decode()
    assert "La fiche est revenue à cette version" in page


def test_a_revert_from_a_stale_page_changes_nothing(actor, edited):
    original, current = edited
    client = moderator_of(actor)
    first = (
        actor.history.filter(phone=original.phone, name=original.name)
        .order_by("-history_id")
        .first()
    )
    response = client.post(
        f"{history_url(actor)}retour/{first.history_id}/", {"version": current.version - 1}
    )
    assert response.status_code == 409
    assert "modifiée depuis l’ouverture de cette page" in response.content.decode()
    assert Actor.objects.get(pk=actor.pk).version == current.version
    assert Actor.objects.get(pk=actor.pk).name == PAYLOAD


def test_revert_needs_post_and_the_csrf_token(actor, edited):
    _, current = edited
    record = actor.history.order_by("history_id").first()
    url = f"{history_url(actor)}retour/{record.history_id}/"
    user = User.objects.create_user("csrf", is_staff=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get(url).status_code == 405
    assert client.post(url, {"version": current.version}).status_code == 403
    assert Actor.objects.get(pk=actor.pk).version == current.version


def test_a_record_of_another_entry_is_not_found(actor, edited):
    _, current = edited
    other = Actor.objects.exclude(pk=actor.pk).order_by("id").first()
    record = other.history.order_by("history_id").first()
    response = moderator_of(actor).post(
        f"{history_url(actor)}retour/{record.history_id}/", {"version": current.version}
    )
    assert response.status_code == 404


def test_initiatives_have_their_history_too():
    initiative = Initiative.objects.order_by("id").first()
    user = User.objects.create_user("mod-init")
    save_checked(initiative, initiative.version, {"limits": "Peu de bénévoles"}, user, "ajout")
    client = Client()
    client.force_login(User.objects.create_user("equipe", is_staff=True))
    html = client.get(history_url(initiative)).content.decode()
    assert "<ins>Peu de bénévoles</ins>" in html and "par <span data-author>mod-init</span>" in html


def test_a_version_that_cannot_stand_today_is_refused_cleanly(actor):
    """Its status is not reverted: a version without a position, back on a published
    actor, would break « published means located »; nothing changes."""
    user = User.objects.create_user("placeuse")
    hidden = save_checked(
        actor, actor.version, {"status": Status.PENDING, "location": None}, user, ""
    )
    shown = save_checked(
        hidden, hidden.version, {"status": Status.PUBLISHED, "location": actor.location}, user, ""
    )
    record = actor.history.filter(location__isnull=True).order_by("-history_id").first()
    response = moderator_of(actor).post(
        f"{history_url(actor)}retour/{record.history_id}/", {"version": shown.version}
    )
    assert response.status_code == 409
    assert "ne peut pas être rétablie telle quelle" in response.content.decode()
    assert Actor.objects.get(pk=actor.pk).version == shown.version


def test_a_revert_leaves_a_deleted_parent_out(actor):
    parent = Actor.objects.exclude(pk=actor.pk).order_by("id").first()
    with_parent = save_checked(actor, actor.version, {"parent": parent}, None, "antenne")
    record = actor.history.filter(parent_id=parent.pk).get()
    Actor.objects.filter(pk=parent.pk).update(parent=None)
    Actor.objects.filter(parent=parent).update(parent=None)
    Actor.objects.filter(duplicate_of=parent).update(duplicate_of=None)
    parent.delete()
    without = save_checked(with_parent, with_parent.version, {"phone": "03 00 00 00 00"}, None, "")
    response = moderator_of(actor).post(
        f"{history_url(actor)}retour/{record.history_id}/", {"version": without.version}
    )
    assert response.status_code == 302
    assert Actor.objects.get(pk=actor.pk).parent_id is None
