"""The editors' admin: its pages render (map widgets included, under the CSP), an
editor's change goes through the checked save, owners' links are sent from the lists."""

import re

import pytest
from django.contrib import admin as django_admin
from django.contrib.auth.models import User
from django.core import mail
from django.test import RequestFactory

from carto.actors.models import Actor, Initiative, Status
from carto.contributions.models import OwnerLink, Proposal, Referent, TerritoryPolicy, new_token
from carto.territories.models import DatasetLoad, Territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor():
    return Actor.objects.filter(status=Status.PUBLISHED).exclude(email="").order_by("id").first()


@pytest.fixture
def initiative():
    return Initiative.objects.exclude(footprint__isnull=True).order_by("id").first()


def assert_map_widget(response, field: str):
    """The Leaflet widget is there, and its inline scripts carry the response's nonce."""
    html = response.content.decode()
    assert f'id="id_{field}-div-map"' in html
    assert "django-leaflet-raw-textarea" in html
    [nonce] = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs or "json" in attrs for attrs in inline)


def test_actor_pages(admin_client, actor):
    listing = admin_client.get("/admin/actors/actor/", {"status": "published", "departement": "62"})
    assert listing.status_code == 200
    for query in ({"q": actor.siret or actor.name}, {"source": "france_services"}):
        assert admin_client.get("/admin/actors/actor/", query).status_code == 200
    change = admin_client.get(f"/admin/actors/actor/{actor.pk}/change/")
    assert change.status_code == 200
    assert_map_widget(change, "location")
    html = change.content.decode()
    assert f"/historique/acteur/{actor.pk}/" in html
    assert 'type="hidden" name="version"' in html
    assert admin_client.get(f"/admin/actors/actor/{actor.pk}/history/").status_code == 200
    assert admin_client.get("/admin/actors/actor/add/").status_code == 200


def test_the_departement_filter_lists_departements_by_name(admin_client):
    html = admin_client.get("/admin/actors/actor/").content.decode()
    name = Territory.objects.get(kind="departement", code="62").name
    assert f"62 — {name}" in html


def test_initiative_pages(admin_client, initiative):
    assert admin_client.get("/admin/actors/initiative/").status_code == 200
    change = admin_client.get(f"/admin/actors/initiative/{initiative.pk}/change/")
    assert change.status_code == 200
    assert_map_widget(change, "footprint")
    assert 'id="id_location-div-map"' in change.content.decode()


def test_contribution_pages(admin_client, actor):
    user = User.objects.create_user("referente")
    referent = Referent.objects.create(user=user, territories=["departement:62"])
    Proposal.objects.create(
        kind=Proposal.Kind.REPORT, actor=actor, message="Fermé", token_hash=new_token()[1]
    )
    OwnerLink.objects.create(
        actor=actor,
        token_hash=new_token()[1],
        email="o@example.org",
        expires_at="2030-01-01T00:00Z",
    )
    TerritoryPolicy.objects.create(territory_code="departement:62", owner_changes_moderated=False)
    DatasetLoad.objects.create(dataset="essai", scope="62", file="x.csv", sha256="0" * 64)
    for url in [
        "/admin/contributions/referent/",
        "/admin/contributions/referent/add/",
        f"/admin/contributions/referent/{referent.pk}/change/",
        "/admin/contributions/proposal/",
        f"/admin/contributions/proposal/{Proposal.objects.get().pk}/change/",
        "/admin/contributions/ownerlink/",
        f"/admin/contributions/ownerlink/{OwnerLink.objects.get().pk}/change/",
        "/admin/contributions/territorypolicy/",
        "/admin/territories/datasetload/",
        "/admin/territories/territory/?kind=departement",
        f"/admin/territories/territory/{Territory.objects.get(kind='departement', code='62').pk}/change/",
    ]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
    html = admin_client.get(f"/admin/contributions/referent/{referent.pk}/change/").content.decode()
    assert "admin-autocomplete" in html  # the user is picked by autocomplete
    link_page = admin_client.get(
        f"/admin/contributions/ownerlink/{OwnerLink.objects.get().pk}/change/"
    )
    assert "token_hash" not in link_page.content.decode()


def test_a_referents_territories_must_exist(admin_client):
    user = User.objects.create_user("referent2")
    response = admin_client.post(
        "/admin/contributions/referent/add/",
        {
            "user": user.pk,
            "territories": "departement:62,departement:999",
            "kinds": "",
            "notify": "on",
        },
    )
    assert response.status_code == 200
    assert "aucun territoire chargé" in response.content.decode()
    assert not Referent.objects.filter(user=user).exists()


def admin_form_data(model, obj) -> dict:
    """What the change form posts back, unchanged."""
    request = RequestFactory().get("/")
    request.user = User(is_superuser=True, is_staff=True)
    form = django_admin.site._registry[model].get_form(request, obj)(instance=obj)
    data = {}
    for name in form.fields:
        value = form[name].value()
        if hasattr(value, "geojson"):
            value = value.geojson
        if isinstance(value, list):
            data[name] = [str(v) for v in value]
        elif value is None or value is False:
            continue
        else:
            data[name] = "on" if value is True else str(value)
    return data


def test_an_edit_goes_through_the_checked_save(admin_client, actor):
    data = admin_form_data(Actor, actor)
    data.update(phone="03 21 42 42 42", _save="Enregistrer")
    response = admin_client.post(f"/admin/actors/actor/{actor.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Actor.objects.get(pk=actor.pk)
    assert saved.phone == "03 21 42 42 42" and saved.version == actor.version + 1
    latest = saved.history.order_by("-history_id").first()
    assert latest.history_change_reason == "modification dans l’administration"
    assert latest.history_user.username == "admin"
    # The same form, opened before that save: refused, nothing overwritten.
    data.update(phone="03 21 43 43 43")
    stale = admin_client.post(f"/admin/actors/actor/{actor.pk}/change/", data)
    assert stale.status_code == 200
    assert "a été modifié entre-temps" in stale.content.decode()
    assert Actor.objects.get(pk=actor.pk).phone == "03 21 42 42 42"


def test_reverting_from_the_admin_history_is_refused(admin_client, actor):
    record = actor.history.order_by("history_id").first()
    url = f"/admin/actors/actor/{actor.pk}/history/{record.history_id}/"
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {}).status_code == 403


def test_sending_owner_links_from_the_list(admin_client, actor):
    without = Actor.objects.filter(email="", contact_email="").order_by("id").first()
    response = admin_client.post(
        "/admin/actors/actor/",
        {"action": "send_owner_links", "_selected_action": [actor.pk, without.pk]},
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 lien(s) de propriétaire envoyé(s)" in html and "Sans courriel" in html
    assert [m.to for m in mail.outbox] == [[actor.email]]
    link = OwnerLink.objects.get(actor=actor)
    assert link.created_by.username == "admin" and link.email == actor.email


def test_an_actor_created_in_the_admin_is_attached_and_recorded(admin_client):
    data = admin_form_data(Actor, None)
    data.update(
        name="Tiers-lieu de l’Escaut", kind="tiers-lieu", status=Status.PENDING, city="Lens",
        location='{"type": "Point", "coordinates": [2.8319, 50.4329]}', _save="Enregistrer",
    )  # fmt: skip
    response = admin_client.post("/admin/actors/actor/add/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    actor = Actor.objects.get(name="Tiers-lieu de l’Escaut")
    assert (actor.source, actor.name_key, actor.version) == (
        "administration",
        "tiers lieu de l escaut",
        1,
    )
    assert "commune:62498" in actor.territory_codes
    [created] = actor.history.all()
    assert created.history_change_reason == "création dans l’administration"
    assert created.history_user.username == "admin"
