"""Owners' links: sent by mail, stored as a hash, rotated; the owner's changes applied
or proposed according to the territory's policy, from the version they opened."""

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from carto.actors.models import Actor, Initiative
from carto.contributions.history.records import author
from carto.contributions.models import OwnerLink, Proposal, TerritoryPolicy, token_hash
from carto.contributions.owners import issue_owner_link, owner_changes_moderated
from carto.contributions.services import save_checked

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(actor):
    return issue_owner_link(actor, "proprietaire@example.org")


def form_data(client, url) -> dict:
    """The owner's form as the page fills it (inputs, text areas, checked boxes)."""
    html = client.get(url).content.decode()
    data = {}
    inputs = r'<input type="(?:text|email|url|hidden)" name="([^"]+)" value="([^"]*)"'
    for name, value in re.findall(inputs, html):
        data[name] = value.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")
    for name, value in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', html, re.S):
        data[name] = value.replace("&#x27;", "'").replace("&quot;", '"').replace("&amp;", "&")
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', html):
        data[name] = "on"
    return data


def owner_url(token) -> str:
    return f"/proprietaire/{token}/"


def test_a_link_is_mailed_once_and_stored_as_a_hash(actor):
    earlier = issue_owner_link(actor, "ancien@example.org")
    token = issue_owner_link(actor, "proprietaire@example.org")
    [first, second] = mail.outbox
    assert second.to == ["proprietaire@example.org"]
    assert "Votre lien pour mettre à jour" in second.subject
    assert owner_url(token) in second.body and owner_url(earlier) in first.body
    assert "valable jusqu’au" in second.body
    link = OwnerLink.objects.get(token_hash=token_hash(token))
    assert token not in json.dumps(list(OwnerLink.objects.values()), default=str)
    assert link.email == "proprietaire@example.org" and link.is_valid()
    assert (link.expires_at - timezone.now()).days in (179, 180)
    # Rotation: the earlier link is revoked.
    assert OwnerLink.objects.get(token_hash=token_hash(earlier)).revoked_at is not None


def test_a_link_that_cannot_be_mailed_changes_nothing(actor, token, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("SMTP")

    monkeypatch.setattr("carto.contributions.owners.send_mail", refuse)
    with pytest.raises(ConnectionRefusedError):
        issue_owner_link(actor, "nouveau@example.org")
    assert OwnerLink.objects.get(actor=actor).token_hash == token_hash(token)
    assert OwnerLink.objects.get(actor=actor).is_valid()


def test_the_mail_links_to_the_site(actor, settings):
    settings.CARTO_SITE_URL = "https://carto.example.org/"
    token = issue_owner_link(actor, "proprietaire@example.org")
    assert f"https://carto.example.org/proprietaire/{token}/" in mail.outbox[-1].body


def test_the_owners_page(client, actor, token):
    response = client.get(owner_url(token))
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert f'Mettre à jour « <span class="nom-fiche">{actor.name}</span> »' in html
    assert 'name="contact_consent"' in html and 'name="version"' in html


@pytest.mark.parametrize("state", ["unknown", "expired", "revoked"])
def test_a_dead_link_is_a_french_404(client, actor, token, state):
    link = OwnerLink.objects.get(token_hash=token_hash(token))
    if state == "expired":
        OwnerLink.objects.filter(pk=link.pk).update(expires_at=timezone.now() - timedelta(days=1))
    elif state == "revoked":
        issue_owner_link(actor, "autre@example.org")
    url = owner_url("pas-un-jeton" if state == "unknown" else token)
    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 404
        assert "Ce lien ne fonctionne pas ou plus" in response.content.decode()
        assert response["Referrer-Policy"] == "same-origin"


def test_by_default_a_change_awaits_moderation(client, actor, token):
    data = form_data(client, owner_url(token))
    data.update(phone="03 21 99 99 99", contact_name="Camille Martin")
    response = client.post(owner_url(token), data)
    assert response.status_code == 200
    assert "transmises aux modérateurs" in response.content.decode()
    assert Actor.objects.get(pk=actor.pk).phone == actor.phone  # nothing applied yet
    proposal = Proposal.objects.get(actor=actor)
    assert proposal.kind == Proposal.Kind.CORRECTION and proposal.state == Proposal.State.PENDING
    assert proposal.changes == {"phone": "03 21 99 99 99", "contact_name": "Camille Martin"}
    assert proposal.territory_codes == actor.territory_codes
    assert proposal.actor_kind == actor.kind_id
    assert proposal.proposer_email == "proprietaire@example.org"


def test_the_owner_pages_keep_the_csrf_check(actor, token):
    """A browser on the page posts with its CSRF token and the site as Origin (the page's
    referrer policy is same-origin); a forged POST without the token is refused."""
    browser = Client(enforce_csrf_checks=True, HTTP_ORIGIN="http://testserver")
    html = browser.get(owner_url(token)).content.decode()
    assert html.count("csrfmiddlewaretoken") == 2  # the edit form and the new-link form
    data = form_data(browser, owner_url(token))
    data["phone"] = "03 21 99 99 99"
    assert browser.post(owner_url(token), data).status_code == 200
    assert Proposal.objects.filter(actor=actor).exists()
    forged = Client(enforce_csrf_checks=True)
    assert forged.post(owner_url(token), {**data, "csrfmiddlewaretoken": ""}).status_code == 403


def test_an_unmoderated_territory_applies_the_change(client, actor, token):
    TerritoryPolicy.objects.create(
        territory_code=f"departement:{actor.departement_code}", owner_changes_moderated=False
    )
    data = form_data(client, owner_url(token))
    data.update(phone="03 21 99 99 99", contact_email="camille@example.org", contact_consent="on")
    response = client.post(owner_url(token), data)
    assert "enregistrées et déjà visibles" in response.content.decode()
    saved = Actor.objects.get(pk=actor.pk)
    assert (saved.phone, saved.contact_email, saved.contact_consent) == (
        "03 21 99 99 99", "camille@example.org", True,
    )  # fmt: skip
    assert saved.version == actor.version + 1
    latest = saved.history.order_by("-history_id").first()
    assert latest.history_change_reason == "modification par le propriétaire"
    assert latest.history_user is None and author(latest) == "le propriétaire"
    assert not Proposal.objects.filter(actor=actor).exists()
    # Consented, the contact person is now in the public detail.
    detail = json.loads(client.get(f"/api/v1/actors/{actor.pk}/").content)
    assert detail["properties"]["contact"]["email"] == "camille@example.org"


def test_policies_of_the_entrys_territories(actor):
    departement = f"departement:{actor.departement_code}"
    assert owner_changes_moderated(actor)  # no policy: moderated
    TerritoryPolicy.objects.create(territory_code=departement, owner_changes_moderated=False)
    assert not owner_changes_moderated(actor)
    TerritoryPolicy.objects.create(territory_code=f"commune:{actor.commune_code}")
    assert owner_changes_moderated(actor)  # one of its territories still moderates
    TerritoryPolicy.objects.create(territory_code="departement:974", owner_changes_moderated=False)
    other = Actor.objects.exclude(departement_code__in=["", actor.departement_code]).first()
    assert owner_changes_moderated(other)


def test_an_edit_from_a_stale_version_is_refused_and_kept(client, actor, token):
    data = form_data(client, owner_url(token))
    save_checked(actor, actor.version, {"website": "https://ailleurs.example.org"}, None, "import")
    data.update(phone="03 21 99 99 99")
    response = client.post(owner_url(token), data)
    assert response.status_code == 409
    html = response.content.decode()
    assert "modifiée par quelqu’un d’autre" in html
    assert 'value="03 21 99 99 99"' in html  # what the owner typed is still there
    assert f'name="version" value="{actor.version + 1}"' in html
    assert not Proposal.objects.filter(actor=actor).exists()
    assert Actor.objects.get(pk=actor.pk).phone == actor.phone


def test_bad_hours_are_named(client, token):
    data = form_data(client, owner_url(token))
    data["opening_hours"] = "lundi matin"
    response = client.post(owner_url(token), data)
    assert response.status_code == 400
    assert not Proposal.objects.exists()


def test_a_new_link_replaces_this_one(client, actor, token):
    response = client.post(f"{owner_url(token)}nouveau-lien/")
    assert response.status_code == 200 and response["Referrer-Policy"] == "same-origin"
    assert "p…@example.org" in response.content.decode()
    body = mail.outbox[-1].body
    new = re.search(r"/proprietaire/([A-Za-z0-9_-]+)/", body).group(1)
    assert new != token
    assert client.get(owner_url(token)).status_code == 404
    assert client.get(owner_url(new)).status_code == 200
    assert client.get(f"{owner_url(new)}nouveau-lien/").status_code == 405


def test_initiatives_are_edited_without_a_contact_person(client):
    initiative = Initiative.objects.order_by("id").first()
    token = issue_owner_link(initiative, "porteur@example.org")
    html = client.get(owner_url(token)).content.decode()
    assert 'name="title"' in html and 'name="results_inhabitants"' in html
    assert "contact_" not in html
    data = form_data(client, owner_url(token))
    data["limits"] = "Manque de bénévoles"
    client.post(owner_url(token), data)
    proposal = Proposal.objects.get(initiative=initiative)
    assert proposal.changes == {"limits": "Manque de bénévoles"} and proposal.actor_kind == ""


def test_posts_are_rate_limited(client, token, settings):
    settings.CARTO_CONTRIBUTION_RATE = "3/h"
    statuses = [client.post(owner_url(token), {}).status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    blocked = client.post(f"{owner_url(token)}nouveau-lien/")
    assert blocked.status_code == 429 and blocked["Referrer-Policy"] == "same-origin"
    assert "Trop d’envois" in blocked.content.decode()
